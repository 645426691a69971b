package watch

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/secretrun/secretrun/inject"
)

// run is one watched run in a test: a Watcher of items feeding Supervise, with a fake child
// started with the items' values ("NAME=value"). Hooks record what they are called with.
type run struct {
	t     *testing.T
	ev    *events
	child *fakeChild
	stop  context.CancelFunc
	done  chan outcome
	mu    sync.Mutex
	notes []string // what Supervise said it does
	acted []string // what the Acted hook was told: "restart PGPASSWORD stopped 143"
}

type outcome struct {
	exit inject.Exit
	err  error
}

// startToken starts a run of one variable, TOKEN from file://token, whose value is "v1";
// call it inside synctest.Test. It returns the run and the files store, to change the token.
func startToken(t *testing.T, opts Options, cfg Config) (*run, *files) {
	t.Helper()
	ev := newEvents()
	fs := &files{store: newStore(ev, map[string]string{"token": "v1"})}
	return startRun(t, ev, []Item{item(t, "TOKEN", "file://token", fs)}, opts, cfg), fs
}

// startApp starts a run of one variable, APP from vault://app, whose value is "v1-canary"
// (version 1), checked every minute and acted on after one second of quiet; call it inside
// synctest.Test. It returns the run and the versioned store, to change, remove or recreate app.
func startApp(t *testing.T) (*run, versioned) {
	t.Helper()
	ev := newEvents()
	kv := versioned{newStore(ev, map[string]string{"app": "v1-canary"})}
	kv.set("app", "v1-canary", true)
	return startRun(t, ev, []Item{item(t, "APP", "vault://app", kv)}, Options{Interval: time.Minute}, Config{Debounce: time.Second}), kv
}

// startRun starts a run; call it inside synctest.Test, after the stores were filled.
func startRun(t *testing.T, ev *events, items []Item, opts Options, cfg Config) *run {
	t.Helper()
	ev.clear()
	r := &run{t: t, ev: ev, child: &fakeChild{ev: ev, stopping: make(chan struct{})}, done: make(chan outcome, 1)}
	opts.Warn = func(msg string) { ev.add("warn: %s", msg) }
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0.5 } // no jitter unless a test wants it
	}
	cfg.Warn = func(msg string) { ev.add("warn: %s", msg) }
	cfg.Note = func(msg string) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.notes = append(r.notes, msg)
	}
	cfg.Acted = func(a Acted) {
		r.mu.Lock()
		defer r.mu.Unlock()
		stopped := "-"
		if a.Stopped != nil {
			stopped = fmt.Sprint(a.Stopped.Status)
		}
		r.acted = append(r.acted, fmt.Sprintf("%s %s stopped %s", a.Action, strings.Join(names(a.Changes), ","), stopped))
	}
	cfg.Mask = func(cs []Change) { ev.add("mask %s", strings.Join(names(cs), ",")) }
	if cfg.Env == nil {
		cfg.Env = func(latest []Change) ([]string, []*os.File, error) { return envOf(items, latest), nil, nil }
	}
	if cfg.Action.Kind == Signal {
		cfg.Rewrite = func(cs []Change) error { ev.add("rewrite %s", strings.Join(names(cs), ",")); return nil }
	}
	ctx, cancel := context.WithCancel(t.Context())
	r.stop = cancel
	w := New(items, opts)
	// The child starts before the watch, as in a run (cmd starts the first child, then the
	// watcher), so that the events of a test come in one order.
	if err := r.child.Start(envOf(items, nil), nil); err != nil {
		t.Fatal(err)
	}
	go w.Run(ctx)
	go func() {
		ex, err := Supervise(ctx, r.child, w.Changes(), cfg)
		r.done <- outcome{ex, err}
	}()
	synctest.Wait()
	return r
}

// envOf is the environment a child gets: every item's value, the latest where it changed.
func envOf(items []Item, latest []Change) []string {
	var env []string
	for _, it := range items {
		v := it.Secret.Reveal()
		for _, c := range latest {
			if c.Ref == it.Ref {
				v = c.Secret.Reveal()
			}
		}
		env = append(env, it.Name+"="+v)
	}
	return env
}

// after lets d of virtual time pass and every goroutine settle.
func (r *run) after(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// end cancels the run if it has not ended and returns how it ended.
func (r *run) end() outcome {
	r.stop()
	return <-r.done
}

// ended returns how the run ended; it fails the test if it is still running.
func (r *run) ended() outcome {
	synctest.Wait()
	select {
	case o := <-r.done:
		return o
	default:
		r.t.Fatalf("the run is still going:\n%s", strings.Join(r.ev.all(), "\n"))
		return outcome{}
	}
}

// want fails the test unless the lines of ev matching filter are exactly want.
func (r *run) want(filter string, want ...string) {
	r.t.Helper()
	got := r.ev.matching(filter)
	if !slices.Equal(got, want) {
		r.t.Errorf("%q events:\n got %s\nwant %s\nall:\n%s", filter, quote(got), quote(want), strings.Join(r.ev.all(), "\n"))
	}
}

func quote(lines []string) string {
	if len(lines) == 0 {
		return "(none)"
	}
	return fmt.Sprintf("%q", lines)
}

// noValues fails the test if a warning or note holds one of the values.
func (r *run) noValues(values ...string) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range append(r.ev.matching("warn: "), r.notes...) {
		for _, v := range values {
			if strings.Contains(l, v) {
				r.t.Errorf("a message holds the value %q: %s", v, l)
			}
		}
	}
}
