package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
)

// These fakes run inside a testing/synctest bubble: time is virtual, so "an hour later" takes
// no time, and synctest.Wait lets every goroutine settle before a test looks.

// events is the ordered record of what happened in a test, each line prefixed with the virtual
// time since the test started: "1m5s stop", "1m5s start A=new".
type events struct {
	mu    sync.Mutex
	start time.Time
	lines []string
}

func newEvents() *events { return &events{start: time.Now()} }

func (e *events) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, fmt.Sprintf("%s %s", time.Since(e.start), fmt.Sprintf(format, args...)))
}

// clear forgets what happened so far (the fetches that made the items) and restarts the clock.
func (e *events) clear() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines, e.start = nil, time.Now()
}

// matching returns the lines whose event (after the time) starts with one of the "|"-separated
// prefixes of filter ("start|stop"); every line for "".
func (e *events) matching(filter string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, l := range e.lines {
		_, event, _ := strings.Cut(l, " ")
		for _, p := range strings.Split(filter, "|") {
			if strings.HasPrefix(event, p) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.lines)
}

// fakeChild is a Child that records its starts, stops and signals.
type fakeChild struct {
	ev       *events
	mu       sync.Mutex
	exited   chan inject.Exit
	running  bool
	startErr error // returned by the next Start
	stopping chan struct{}
	stopExit *inject.Exit  // the exit of the next Stop, when not SIGTERM's (nil)
	stopTake time.Duration // how long Stop takes (a child slow to handle SIGTERM)
}

// Stopping is closed by terminate, as *inject.Session's is by a SIGTERM to secretrun.
func (c *fakeChild) Stopping() <-chan struct{} { return c.stopping }

func (c *fakeChild) Start(env []string, _ []*os.File) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.startErr; err != nil {
		c.startErr = nil
		c.ev.add("start refused: %v", err)
		return err
	}
	c.exited = make(chan inject.Exit, 1)
	c.running = true
	c.ev.add("start %s", strings.Join(env, " "))
	return nil
}

func (c *fakeChild) Exited() <-chan inject.Exit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exited
}

// Stop ends the child as a SIGTERM would: status 143.
func (c *fakeChild) Stop() {
	c.mu.Lock()
	take := c.stopTake
	c.mu.Unlock()
	time.Sleep(take)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.running = false
		c.ev.add("stop")
		ex := inject.Exit{Status: 143, Signal: syscall.SIGTERM}
		if c.stopExit != nil {
			ex, c.stopExit = *c.stopExit, nil
		}
		c.exited <- ex
	}
}

func (c *fakeChild) Signal(sig syscall.Signal) { c.ev.add("signal %v", sig) }

// exit makes the child exit by itself.
func (c *fakeChild) exit(status int) { c.end(inject.Exit{Status: status}) }

// end makes the child exit by itself with ex (a death by a signal, say).
func (c *fakeChild) end(ex inject.Exit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.running = false
		c.ev.add("exit %d", ex.Status)
		c.exited <- ex
	}
}

// store is a fake secret store: a value and a version per reference, and the failures to
// simulate. Its requests are recorded in ev ("fetch a,b", "versions a,b").
type store struct {
	ev     *events
	mu     sync.Mutex
	values map[string]string // by path
	vers   map[string]int    // by path; 0: the store has no versions
	down   error             // every request fails with it
	slow   bool              // every request waits for ctx
}

func newStore(ev *events, values map[string]string) *store {
	s := &store{ev: ev, values: map[string]string{}, vers: map[string]int{}}
	for k, v := range values {
		s.values[k] = v
	}
	return s
}

// set changes a value; versioned stores get a new version.
func (s *store) set(path, value string, versioned bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[path] = value
	if versioned {
		s.vers[path]++
	}
}

// recreate sets a value as a store does for a secret deleted with its history and created
// again: its versions start again at 1.
func (s *store) recreate(path, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[path] = value
	s.vers[path] = 1
}

func (s *store) remove(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.values, path)
}

func (s *store) fail(err error, slow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down, s.slow = err, slow
}

func (s *store) wait(ctx context.Context) error {
	s.mu.Lock()
	down, slow := s.down, s.slow
	s.mu.Unlock()
	if slow {
		<-ctx.Done()
		return fmt.Errorf("%w: %w", providers.ErrUnavailable, ctx.Err())
	}
	return down
}

func (s *store) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	s.ev.add("fetch %s", paths(refs))
	if err := s.wait(ctx); err != nil {
		return make([]providers.Secret, len(refs)), err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]providers.Secret, len(refs))
	var errs []error
	for i, r := range refs {
		v, ok := s.values[r.Path]
		if !ok {
			errs = append(errs, &providers.RefError{Ref: r, Err: providers.ErrNotFound})
			continue
		}
		out[i] = providers.NewSecret([]byte(v), s.version(r.Path))
	}
	return out, errors.Join(errs...)
}

func (s *store) version(path string) string {
	if n := s.vers[path]; n > 0 {
		return fmt.Sprint(n)
	}
	return ""
}

// versioned is a store that tells versions without values (providers.Versioner).
type versioned struct{ *store }

func (s versioned) Versions(ctx context.Context, refs []providers.Ref) ([]string, error) {
	s.ev.add("versions %s", paths(refs))
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(refs))
	var errs []error
	for i, r := range refs {
		if _, ok := s.values[r.Path]; !ok {
			errs = append(errs, &providers.RefError{Ref: r, Err: providers.ErrNotFound})
			continue
		}
		out[i] = s.version(r.Path)
	}
	return out, errors.Join(errs...)
}

// Pinned says that a ref with ?version= names a version that never changes (providers.Pinner).
func (s versioned) Pinned(r providers.Ref) bool { return r.Option("version") != "" }

// files is a store with file events (providers.Notifier): touch reports a change.
type files struct {
	*store
	mu      sync.Mutex
	changed func([]providers.Ref)
	refs    map[string]providers.Ref
	refuse  error // Notify fails with it
}

func (f *files) Notify(_ context.Context, refs []providers.Ref, changed func([]providers.Ref)) error {
	if f.refuse != nil {
		return f.refuse
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changed = changed
	f.refs = map[string]providers.Ref{}
	for _, r := range refs {
		f.refs[r.Path] = r
	}
	return nil
}

// rewrite sets a file's content and reports it, as inotify would: twice, like a truncate
// and a write.
func (f *files) rewrite(path, value string) {
	f.set(path, value, false)
	f.mu.Lock()
	changed, ref := f.changed, f.refs[path]
	f.mu.Unlock()
	changed([]providers.Ref{ref})
	changed([]providers.Ref{ref})
}

// leases is a store of leased credentials (providers.Expirer): each fetch makes a new one,
// "cred-N", that lives for ttl.
type leases struct {
	ev     *events
	mu     sync.Mutex
	ttl    time.Duration
	n      int
	expiry map[providers.Ref]time.Time
}

func (l *leases) Fetch(_ context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]providers.Secret, len(refs))
	made := map[providers.Ref]int{} // one credential per source, like one read of Vault
	for i, r := range refs {
		n, ok := made[r.Source()]
		if !ok {
			l.n++
			n = l.n
			made[r.Source()] = n
			l.ev.add("lease %s cred-%d", r.Source().Path, n)
		}
		out[i] = l.issue(r, n)
	}
	return out, nil
}

// issue is credential n, or its user or password field for a ref with a #key.
func (l *leases) issue(r providers.Ref, n int) providers.Secret {
	v := fmt.Sprintf("cred-%d", n)
	if r.Key != "" {
		v = fmt.Sprintf("%s-%d", r.Key, n)
	}
	s := providers.NewSecret([]byte(v), "")
	s.Leased = true
	if l.expiry == nil {
		l.expiry = map[providers.Ref]time.Time{}
	}
	l.expiry[r] = time.Now().Add(l.ttl)
	return s
}

func (l *leases) Expiry(r providers.Ref) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expiry[r]
}

func (l *leases) Retire(_ context.Context, refs []providers.Ref) error {
	l.ev.add("retire %s", paths(refs))
	return nil
}

func paths(refs []providers.Ref) string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Path)
	}
	return strings.Join(out, ",")
}

func ref(t testing.TB, s string) providers.Ref {
	t.Helper()
	r, err := providers.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// item is the Item of variable name, from ref s of prov, fetched now.
func item(t testing.TB, name, s string, prov providers.Provider) Item {
	t.Helper()
	r := ref(t, s)
	secrets, err := prov.Fetch(context.Background(), []providers.Ref{r})
	if err != nil {
		t.Fatal(err)
	}
	return Item{Name: name, Ref: r, Provider: prov, Secret: secrets[0]}
}
