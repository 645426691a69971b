package watch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// group checks the references of one provider: at file events when the provider has them
// (providers.Notifier), otherwise every Interval ± Jitter, asking for versions first when the
// provider can tell them without values (providers.Versioner).
type group struct {
	w      *Watcher
	prov   providers.Provider
	scheme string
	refs   []*watched
	// fails counts the checks failed in a row (0: the last check worked).
	fails int
}

func (g *group) run(ctx context.Context) {
	if n, ok := g.prov.(providers.Notifier); ok {
		if g.notified(ctx, n) {
			return
		}
	}
	g.polled(ctx)
}

// polled checks every Interval ± Jitter, or sooner with backoff after a failure.
func (g *group) polled(ctx context.Context) {
	for {
		wait := g.w.opts.spread(g.w.opts.Interval)
		if g.fails > 0 {
			wait = g.w.opts.backoff(g.fails)
		}
		if !sleep(ctx, wait) {
			return
		}
		g.check(ctx, g.refs, true)
	}
}

// notified checks the references named by file events, Quiet after the first event of a burst.
// It returns false when the provider could not watch (the group is then polled).
func (g *group) notified(ctx context.Context, n providers.Notifier) bool {
	var mu sync.Mutex
	pending := map[providers.Ref]bool{}
	kick := make(chan struct{}, 1)
	refs := make([]providers.Ref, len(g.refs))
	for i, v := range g.refs {
		refs[i] = v.ref
	}
	err := n.Notify(ctx, refs, func(changed []providers.Ref) {
		mu.Lock()
		for _, r := range changed {
			pending[r] = true
		}
		mu.Unlock()
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	if err != nil {
		g.w.opts.Warn(fmt.Sprintf("watch: cannot follow the changes of %s; checking every %s instead: %v",
			g.list(g.refs), g.w.opts.Interval, err))
		return false
	}
	// A change between the read at start and the watch being set up had no event: every file
	// is read once now (a local read), as if it had one.
	mu.Lock()
	for _, r := range refs {
		pending[r] = true
	}
	mu.Unlock()
	select {
	case kick <- struct{}{}:
	default: // an event came first
	}
	for {
		// the next event; after a failed read, also the backoff's end (the read is retried),
		// whichever comes first: a file fixed by hand or rewritten whole is read at once
		var retry <-chan time.Time
		if g.fails > 0 {
			retry = time.After(g.w.opts.backoff(g.fails)) // collected once it fired or is dropped (Go 1.23)
		}
		select {
		case <-ctx.Done():
			return true
		case <-retry:
		case <-kick:
			if !sleep(ctx, g.w.opts.Quiet) {
				return true
			}
		}
		mu.Lock()
		var due []*watched
		for _, v := range g.refs {
			if pending[v.ref] {
				due = append(due, v)
				delete(pending, v.ref)
			}
		}
		mu.Unlock()
		if !g.check(ctx, due, false) {
			mu.Lock()
			for _, v := range due {
				pending[v.ref] = true
			}
			mu.Unlock()
		}
	}
}

// check reads refs (their versions first when versions is true and the provider tells them
// without values), records what changed and delivers it. It reports whether the check worked;
// a failure is reported once per streak and never reaches the child.
func (g *group) check(ctx context.Context, refs []*watched, versions bool) bool {
	if len(refs) == 0 {
		return true
	}
	cctx, cancel := context.WithTimeout(ctx, g.w.opts.Timeout)
	defer cancel()
	start := time.Now()
	var failed []error
	due := refs
	if ver, ok := g.prov.(providers.Versioner); ok && versions {
		vs, err := ver.Versions(cctx, refOf(refs))
		errs := perRef(err, refs)
		due = nil
		for i, v := range refs {
			switch {
			case errs[i] != nil:
				if g.missing(v, errs[i]) {
					continue
				}
				failed = append(failed, errs[i])
			case i < len(vs) && !v.state.stale(vs[i]) && !v.state.missing:
				// a secret back after a deletion is read: created again, its versions
				// start again, and its version may equal the child's with another value
				g.found(v)
			default:
				due = append(due, v)
			}
		}
	}
	var changes []Change
	if len(due) > 0 {
		secrets, err := g.prov.Fetch(cctx, refOf(due))
		errs := perRef(err, due)
		for i, v := range due {
			switch {
			case errs[i] != nil:
				if !g.missing(v, errs[i]) {
					failed = append(failed, errs[i])
				}
			case i < len(secrets):
				g.found(v)
				if v.state.update(secrets[i]) {
					changes = append(changes, v.change(secrets[i]))
				}
			}
		}
	}
	if ctx.Err() != nil {
		return true // the run is over: nothing to report
	}
	g.w.opts.Trace(fmt.Sprintf("watch: checked %s in %s: %d changed, %d failed", g.list(refs),
		time.Since(start).Round(time.Millisecond), len(changes), len(failed)))
	g.w.emit(ctx, changes)
	if len(failed) > 0 {
		g.fails++
		if g.fails == 1 {
			g.w.opts.Warn(fmt.Sprintf("watch: checking %s failed; the command runs on with the values it has, and the check is retried: %v",
				g.list(refs), joinUnique(failed)))
		}
		return false
	}
	if g.fails > 0 {
		g.w.opts.Warn(fmt.Sprintf("watch: checking %s works again", g.list(refs)))
		g.fails = 0
	}
	return true
}

// missing reports whether err says that v's secret is gone from its store; the first time, it
// warns that v keeps its last value.
func (g *group) missing(v *watched, err error) bool {
	if !errors.Is(err, providers.ErrNotFound) {
		return false
	}
	if !v.state.missing {
		v.state.missing = true
		g.w.opts.Warn(fmt.Sprintf("watch: %s (%s) is no longer in its store; the command keeps its last value",
			strings.Join(v.names, ", "), v.ref))
	}
	return true
}

// found notes that v's secret is in its store (again).
func (g *group) found(v *watched) {
	if v.state.missing {
		v.state.missing = false
		g.w.opts.Warn(fmt.Sprintf("watch: %s (%s) is back in its store", strings.Join(v.names, ", "), v.ref))
	}
}

// list names refs for a message: "the 3 vault secrets" or "DB_URL (vault://secret/app#url)".
func (g *group) list(refs []*watched) string {
	if len(refs) == 1 {
		return fmt.Sprintf("%s (%s)", strings.Join(refs[0].names, ", "), refs[0].ref)
	}
	return fmt.Sprintf("the %d %s secrets", len(refs), g.scheme)
}

func refOf(vs []*watched) []providers.Ref {
	refs := make([]providers.Ref, len(vs))
	for i, v := range vs {
		refs[i] = v.ref
	}
	return refs
}

// perRef spreads a provider's joined error over refs: each *providers.RefError to its
// reference, anything else (a failure of the whole batch) to every reference.
func perRef(err error, refs []*watched) []error {
	errs := make([]error, len(refs))
	if err == nil {
		return errs
	}
	var all []error
	for _, e := range flatten(err) {
		var re *providers.RefError
		if errors.As(e, &re) {
			matched := false
			for i, v := range refs {
				if v.ref == re.Ref {
					errs[i] = e
					matched = true
				}
			}
			if matched {
				continue
			}
		}
		all = append(all, e)
	}
	if len(all) > 0 {
		whole := errors.Join(all...)
		for i := range errs {
			if errs[i] == nil {
				errs[i] = whole
			}
		}
	}
	return errs
}

// joinUnique joins errs, each distinct message once (a failure of a whole batch is every
// reference's error).
func joinUnique(errs []error) error {
	seen := map[string]bool{}
	var out []error
	for _, e := range errs {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

// flatten unwraps the joins of errors that hold *providers.RefErrors into their parts; any
// other error (one wrapping several sentinels, say) stays whole.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	parts := j.Unwrap()
	split := false
	for _, e := range parts {
		var re *providers.RefError
		split = split || errors.As(e, &re)
	}
	if !split {
		return []error{err}
	}
	var out []error
	for _, e := range parts {
		out = append(out, flatten(e)...)
	}
	return out
}

// sleep waits d, or until ctx is done (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
