package watch

import (
	"context"
	"sync"

	"github.com/secretrun/secretrun/providers"
)

// Watcher notices changes of the secrets of a run. Each provider's references are checked by
// one goroutine ([group]); each leased credential by one more ([lease]). A check that fails or
// times out is retried with backoff and reported once per failure streak; it never reaches the
// child. Changes are delivered on [Watcher.Changes], a batch per check.
type Watcher struct {
	opts   Options
	groups []*group
	leases []*lease
	out    chan []Change
}

// watched is what a Watcher knows of one reference: the variables that take it and the value
// the child has (as a hash).
type watched struct {
	ref   providers.Ref
	prov  providers.Provider
	names []string
	env   []string
	state state
}

// New returns a Watcher of items. References pinned to a version (providers.Pinner) are left out, and
// so are leased secrets whose provider cannot tell when they expire (providers.Expirer): they
// cannot change, or are renewed by their provider ([Plan] says which).
func New(items []Item, opts Options) *Watcher {
	w := &Watcher{opts: opts.withDefaults(), out: make(chan []Change)}
	byRef := map[providers.Ref]*watched{}
	var order []*watched
	for _, it := range items {
		if seen := byRef[it.Ref]; seen != nil {
			seen.add(it)
			continue
		}
		if how(it) != byPoll && how(it) != byLease {
			continue
		}
		v := &watched{ref: it.Ref, prov: it.Provider, state: stateOf(it.Secret)}
		v.add(it)
		byRef[it.Ref] = v
		order = append(order, v)
	}
	byProv := map[providers.Provider]*group{}
	type source struct {
		prov providers.Provider
		ref  providers.Ref
	}
	bySource := map[source]*lease{}
	for _, v := range order {
		if v.state.leased { // the keys of one read share its lease: replaced together
			src := source{v.prov, v.ref.Source()}
			if l := bySource[src]; l != nil {
				l.refs = append(l.refs, v)
				continue
			}
			l := &lease{w: w, refs: []*watched{v}, exp: v.prov.(providers.Expirer)}
			bySource[src] = l
			w.leases = append(w.leases, l)
			continue
		}
		g := byProv[v.prov]
		if g == nil {
			g = &group{w: w, prov: v.prov, scheme: v.ref.Scheme}
			byProv[v.prov] = g
			w.groups = append(w.groups, g)
		}
		g.refs = append(g.refs, v)
	}
	return w
}

func (v *watched) add(it Item) {
	v.names = append(v.names, it.Name)
	if !it.File {
		v.env = append(v.env, it.Name)
	}
}

// Changes delivers the changes found, a batch per check. It is never closed.
func (w *Watcher) Changes() <-chan []Change { return w.out }

// Run watches until ctx is done and returns once every check has stopped.
func (w *Watcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, g := range w.groups {
		wg.Go(func() { g.run(ctx) })
	}
	for _, l := range w.leases {
		wg.Go(func() { l.run(ctx) })
	}
	wg.Wait()
}

// emit delivers changes unless ctx is done first.
func (w *Watcher) emit(ctx context.Context, changes []Change) {
	if len(changes) == 0 {
		return
	}
	select {
	case w.out <- changes:
	case <-ctx.Done():
	}
}

// change is the Change that v's new value s makes.
func (v *watched) change(s providers.Secret) Change {
	return Change{Ref: v.ref, Provider: v.prov, Secret: s, Names: v.names, Env: v.env}
}
