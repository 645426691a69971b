package providers

import (
	"fmt"
	"sort"
	"sync"
)

// Entry describes one built-in provider. Open is called at most once, on first use, so a run
// that uses no cloud provider never initialises a cloud SDK.
type Entry struct {
	// Scheme is the reference scheme the provider serves, e.g. "vault".
	Scheme string
	// Remote reports whether the provider talks to a network store. An inherited environment
	// variable whose whole value is a reference with a remote scheme is resolved too.
	Remote bool
	// Summary is a one-line description for `secretrun providers`.
	Summary string
	// Credentials lists the environment variables (names or globs such as "VAULT_*_ID") that hold
	// credentials this provider authenticates with. When the provider was used, they are removed
	// from the child's environment.
	Credentials []string
	// Open creates the provider. It may read configuration and the environment, but should not
	// make network calls: authentication happens on the first Fetch.
	Open func() (Provider, error)
}

// Registry is the set of providers, built once from an explicit list.
type Registry struct {
	entries map[string]*slot
	order   []string
}

type slot struct {
	entry Entry
	once  sync.Once
	p     Provider
	err   error
}

// NewRegistry builds a registry. A duplicate or empty scheme is a programmer error and panics.
func NewRegistry(entries ...Entry) *Registry {
	r := &Registry{entries: make(map[string]*slot)}
	for _, e := range entries {
		if e.Scheme == "" || e.Open == nil {
			panic("providers: registry entry needs a scheme and an Open function")
		}
		if _, dup := r.entries[e.Scheme]; dup {
			panic("providers: duplicate scheme " + e.Scheme)
		}
		r.entries[e.Scheme] = &slot{entry: e}
		r.order = append(r.order, e.Scheme)
	}
	sort.Strings(r.order)
	return r
}

// Entries returns the registered providers sorted by scheme.
func (r *Registry) Entries() []Entry {
	out := make([]Entry, 0, len(r.order))
	for _, s := range r.order {
		out = append(out, r.entries[s].entry)
	}
	return out
}

// Schemes returns every registered scheme, sorted.
func (r *Registry) Schemes() []string { return append([]string(nil), r.order...) }

// Has reports whether scheme is registered.
func (r *Registry) Has(scheme string) bool {
	_, ok := r.entries[scheme]
	return ok
}

// RemoteSchemes returns the schemes of remote providers, sorted.
func (r *Registry) RemoteSchemes() []string {
	var out []string
	for _, s := range r.order {
		if r.entries[s].entry.Remote {
			out = append(out, s)
		}
	}
	return out
}

// Provider returns the provider for scheme, opening it on first use.
func (r *Registry) Provider(scheme string) (Provider, error) {
	s, ok := r.entries[scheme]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownScheme, scheme, r.order)
	}
	s.once.Do(func() { s.p, s.err = s.entry.Open() })
	return s.p, s.err
}

// Opened returns the providers that have been opened successfully, sorted by scheme, so that
// their Keeper and Closer extras can be run. Call it only after every Fetch has returned.
func (r *Registry) Opened() []Provider {
	var out []Provider
	for _, name := range r.order {
		s := r.entries[name]
		if s.p != nil {
			out = append(out, s.p)
		}
	}
	return out
}
