package inject

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// Request asks for one variable's value from a reference.
type Request struct {
	// Name is the environment variable the value goes to.
	Name string
	// Ref is the reference as written, e.g. "vault://secret/app#db".
	Ref string
	// Optional requests that are not found (ErrNotFound, ErrKeyNotFound) are left out instead of
	// failing the run.
	Optional bool
	// Origin says where the request came from, for error messages: "secretrun.yaml:14",
	// "--env-file .env:3", "inherited environment".
	Origin string
}

// Result is the outcome of one Request.
type Result struct {
	Request
	// Parsed is the parsed reference (zero when parsing failed).
	Parsed providers.Ref
	// Secret is the value; zero when Err is set.
	Secret providers.Secret
	// Elapsed is how long the fetch of this reference's provider group took.
	Elapsed time.Duration
	// Err is this request's failure, a *VarError; nil on success. Optional requests that were not
	// found have Err set and Skipped true.
	Err error
	// Skipped reports an optional request that was not found and is left out.
	Skipped bool
}

// VarError is the failure of one variable. Its text names the variable, where it was defined and
// the reference (see DisplayRef), never a value.
type VarError struct {
	Name   string
	Origin string
	Ref    string
	Err    error
}

func (e *VarError) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	if e.Origin != "" {
		b.WriteString(" (")
		b.WriteString(e.Origin)
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Ref)
	b.WriteString(": ")
	// A provider's RefError repeats the ref; show only its cause.
	var re *providers.RefError
	if errors.As(e.Err, &re) {
		b.WriteString(re.Err.Error())
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *VarError) Unwrap() error { return e.Err }

// Resolver turns requests into values: it parses and checks every reference before any fetch,
// reporting all problems together, then fetches each provider's distinct references as one batch,
// the batches concurrently, under one deadline.
type Resolver struct {
	// Registry supplies the providers.
	Registry *providers.Registry
	// Timeout bounds the whole fetch phase (--timeout). Zero means no bound beyond ctx.
	Timeout time.Duration
}

// Resolve resolves reqs. It returns one Result per request, in order, and an error joining the
// *VarError of every failed required request (nil when all required requests succeeded). When any
// reference is malformed or names an unknown scheme, nothing is fetched.
func (r *Resolver) Resolve(ctx context.Context, reqs []Request) ([]Result, error) {
	results := make([]Result, len(reqs))
	groups := make(map[string][]providers.Ref) // scheme -> distinct refs
	seen := make(map[providers.Ref]bool)
	var invalid []error
	for i, req := range reqs {
		res := &results[i]
		res.Request = req
		ref, err := r.check(req.Ref)
		if err != nil {
			res.Err = &VarError{Name: req.Name, Origin: req.Origin, Ref: DisplayRef(req.Ref, r.Registry), Err: err}
			invalid = append(invalid, res.Err)
			continue
		}
		res.Parsed = ref
		if !seen[ref] {
			seen[ref] = true
			groups[ref.Scheme] = append(groups[ref.Scheme], ref)
		}
	}
	if len(invalid) > 0 {
		for i := range results {
			if results[i].Err == nil {
				results[i].Err = &VarError{Name: reqs[i].Name, Origin: reqs[i].Origin, Ref: DisplayRef(reqs[i].Ref, r.Registry), Err: errNotFetched}
			}
		}
		return results, errors.Join(invalid...)
	}

	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	fetched := r.fetchGroups(ctx, groups)

	var failed []error
	for i := range results {
		res := &results[i]
		out := fetched[res.Parsed]
		res.Elapsed = out.elapsed
		if out.err == nil {
			res.Secret = out.secret
			continue
		}
		res.Err = &VarError{Name: res.Name, Origin: res.Origin, Ref: DisplayRef(res.Request.Ref, r.Registry), Err: out.err}
		if res.Optional && (errors.Is(out.err, providers.ErrNotFound) || errors.Is(out.err, providers.ErrKeyNotFound)) {
			res.Skipped = true
			continue
		}
		failed = append(failed, res.Err)
	}
	return results, errors.Join(failed...)
}

// DisplayRef returns a reference as it may be shown to the user. A reference of a scheme reg
// serves is shown in its canonical form, except for anything where a URL keeps user information
// (vault://u:pw@host/x as vault://***@host/x). Anything else may be a secret pasted where a
// reference belongs: a connection string or a webhook URL parses as a reference of an unknown
// scheme, so only its scheme and host are shown (https://hooks.example.com/…), and only its
// scheme when it holds an '@' anywhere (postgres://…): a password may hold '/', '?' or '#', so
// where its user information ends cannot be told. A string that does not parse is not shown.
func DisplayRef(s string, reg *providers.Registry) string {
	ref, err := providers.ParseRef(s)
	if err != nil {
		return "(not a reference)"
	}
	if reg.Has(ref.Scheme) {
		if _, ok := ref.Userinfo(); ok {
			first, rest, _ := strings.Cut(ref.Path, "/")
			ref.Path = "***" + first[strings.LastIndexByte(first, '@'):]
			if rest != "" {
				ref.Path += "/" + rest
			}
		}
		return ref.String()
	}
	_, afterScheme, _ := strings.Cut(s, "://")
	if strings.Contains(afterScheme, "@") {
		return ref.Scheme + "://…"
	}
	host, rest, _ := strings.Cut(ref.Path, "/")
	shown := ref.Scheme + "://" + host
	if rest != "" || ref.Query != "" || ref.Key != "" {
		shown += "/…"
	}
	return shown
}

// errNotFetched marks valid requests left unfetched because another reference was malformed.
var errNotFetched = errors.New("not fetched: other references are invalid")

// parse parses one reference and checks that its scheme is served and that it holds no
// credentials, without I/O.
func (r *Resolver) parse(s string) (providers.Ref, error) {
	ref, err := providers.ParseRef(s)
	if err != nil {
		return providers.Ref{}, fmt.Errorf("%w: %v", providers.ErrInvalidRef, err)
	}
	if info, ok := ref.Userinfo(); ok && r.Registry.Has(ref.Scheme) && strings.Contains(info, ":") && !strings.HasPrefix(info, "arn:") {
		// user:password@ pasted into a reference: refused before a provider can quote its path.
		return providers.Ref{}, providers.WithHint(
			fmt.Errorf("%w: the reference holds user information (user:password@, not shown)", providers.ErrInvalidRef),
			"a reference names a secret, never credentials or a server: the %s provider's address goes in the config's providers section and its credentials come from its own chain (see docs/providers/)", ref.Scheme)
	}
	if !r.Registry.Has(ref.Scheme) {
		return providers.Ref{}, providers.WithHint(
			fmt.Errorf("%w %q", providers.ErrUnknownScheme, ref.Scheme),
			"known schemes: %s (see `secretrun providers`)", strings.Join(r.Registry.Schemes(), ", "))
	}
	return ref, nil
}

// check parses one reference and lets its provider validate it, without I/O.
func (r *Resolver) check(s string) (providers.Ref, error) {
	ref, err := r.parse(s)
	if err != nil {
		return providers.Ref{}, err
	}
	p, err := r.Registry.Provider(ref.Scheme)
	if err != nil {
		return providers.Ref{}, err
	}
	if v, ok := p.(providers.Validator); ok {
		if err := v.Validate(ref); err != nil {
			return providers.Ref{}, err
		}
	}
	return ref, nil
}

type fetchOutcome struct {
	secret  providers.Secret
	err     error
	elapsed time.Duration
}

// fetchGroups fetches each provider's refs as one batch, all providers concurrently.
func (r *Resolver) fetchGroups(ctx context.Context, groups map[string][]providers.Ref) map[providers.Ref]fetchOutcome {
	schemes := make([]string, 0, len(groups))
	for s := range groups {
		schemes = append(schemes, s)
	}
	sort.Strings(schemes)
	out := make(map[providers.Ref]fetchOutcome)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, scheme := range schemes {
		refs := groups[scheme]
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			secrets, errs := r.fetchGroup(ctx, scheme, refs)
			elapsed := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			for i, ref := range refs {
				out[ref] = fetchOutcome{secret: secrets[i], err: errs[i], elapsed: elapsed}
			}
		}()
	}
	wg.Wait()
	return out
}

// fetchGroup runs one provider's Fetch and splits its joined error back into per-ref errors. A
// failure the provider did not attribute to a ref (or a panic) is given to every ref of the batch.
func (r *Resolver) fetchGroup(ctx context.Context, scheme string, refs []providers.Ref) (secrets []providers.Secret, errs []error) {
	errs = make([]error, len(refs))
	secrets = make([]providers.Secret, len(refs))
	defer func() {
		// Never print the panic value: it could hold secret material.
		if recover() != nil {
			err := fmt.Errorf("%w: the %s provider failed unexpectedly", providers.ErrUnavailable, scheme)
			for i := range errs {
				errs[i] = err
			}
		}
	}()
	p, err := r.Registry.Provider(scheme)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return secrets, errs
	}
	got, err := p.Fetch(ctx, refs)
	if len(got) == len(refs) {
		secrets = got
		if err == nil {
			return secrets, errs
		}
	}
	index := make(map[providers.Ref]int, len(refs))
	for i, ref := range refs {
		index[ref] = i
	}
	var unattributed []error
	for _, e := range unjoin(err) {
		var re *providers.RefError
		if errors.As(e, &re) {
			if i, ok := index[re.Ref]; ok {
				errs[i] = re.Err
				continue
			}
		}
		unattributed = append(unattributed, e)
	}
	if len(got) != len(refs) {
		unattributed = append(unattributed, fmt.Errorf("%w: the %s provider returned %d values for %d references", providers.ErrUnavailable, scheme, len(got), len(refs)))
	}
	if len(unattributed) > 0 {
		common := errors.Join(unattributed...)
		for i := range errs {
			if errs[i] == nil {
				errs[i] = common
			}
		}
	}
	return secrets, errs
}

// unjoin splits an errors.Join tree into its leaves' immediate parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}
