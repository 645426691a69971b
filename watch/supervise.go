package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/secretrun/secretrun/inject"
)

// Child is the running program as Supervise drives it; *inject.Session satisfies it.
type Child interface {
	// Start starts a new child; an error wrapping ErrStopping means a terminating signal
	// arrived and no child may start.
	Start(env []string, files []*os.File) error
	// Exited delivers the current child's exit, once, after it is reaped.
	Exited() <-chan inject.Exit
	// Stop stops the current child (stop signal, grace, SIGKILL) and returns once it exited.
	Stop()
	// Signal sends sig to the current child.
	Signal(sig syscall.Signal)
}

// Hooks are what Supervise calls around an action. Every hook is optional.
type Hooks struct {
	// Mask is called as soon as changes arrive, before anything else and before any action:
	// it must make the masks cover the new values (and keep covering the old ones), so that
	// a new value is masked from the moment it is known. It is called from a goroutine of its
	// own, also while an action runs (a slow stop), so it must be safe with the other hooks.
	Mask func(changes []Change)
	// Env returns the environment and files of a new child, given the latest value of every
	// reference that changed since the run started. An error leaves the running child alone.
	Env func(latest []Change) (env []string, files []*os.File, err error)
	// Rewrite rewrites the `as: file` secrets of changes in place, before a Signal action's
	// signal. An error is reported and the signal not sent.
	Rewrite func(changes []Change) error
	// Retire is called after a restart, once the old child has stopped, with the changes the
	// new child took: release what only the old child used (RetireLeases for old leases, old
	// secret files). RetireLeases when nil.
	Retire func(ctx context.Context, changes []Change)
	// Acted is called for each action, for the audit trail: a restart once the old child has
	// stopped and before the new one starts (a failure to start ends the run with an error);
	// a signal once sent; an exit once the child has stopped.
	Acted func(Acted)
	// Warn reports problems; Note reports what an action does. Neither ever gets a value.
	Warn, Note func(msg string)
}

// Acted is one action, as the Acted hook reports it.
type Acted struct {
	Action Action
	// Changes are the changes acted on (none for the start again of a child that failed at
	// once).
	Changes []Change
	// Stopped is the exit of the child stopped by a restart or exit, or of the restarted child
	// that failed at once (nil for a signal).
	Stopped *inject.Exit
}

// Config is how Supervise decides.
type Config struct {
	// Action is what a change does.
	Action Action
	// Debounce gathers the changes that arrive within it, from the first, into one action.
	Debounce time.Duration
	// MinInterval is the least time between two actions.
	MinInterval time.Duration
	// ExitCode is the status the Exit action ends the run with.
	ExitCode int
	// Settle: a restarted child that exits with a non-zero status within Settle of its start
	// failed at once (DefaultSettle when zero). It is started again, with the latest values,
	// after a backoff (1 s, doubling, at most MinInterval), up to Retries times in a row
	// (DefaultRetries when zero); then the run ends with its status.
	Settle  time.Duration
	Retries int
	Hooks
}

// Defaults of [Config].
const (
	DefaultSettle  = 10 * time.Second
	DefaultRetries = 3
)

// Supervise runs the child's part of a watched run, from its first start (done by the caller)
// to the end: it acts on changes as cfg says, and returns the exit the run ends with.
//
//   - The child exiting by itself ends the run with its exit, as without watching (unless it is
//     a restarted child failing at once; see Config.Settle).
//   - ctx done: the child is stopped and its exit returned.
//   - A terminating signal during a restart (Start returns ErrStopping): the exit of the child
//     that was stopped is returned.
//   - Exit action: the child is stopped and the run ends with cfg.ExitCode.
//   - A restart whose Start fails otherwise (the command vanished): its status (125-127) and
//     the error.
func Supervise(ctx context.Context, child Child, changes <-chan []Change, cfg Config) (inject.Exit, error) {
	s := &supervisor{child: child, cfg: cfg.withDefaults()}
	return s.run(ctx, changes)
}

type supervisor struct {
	child Child
	cfg   Config
	// latest is every reference's latest value, since the run started.
	latest []Change
	// pending is the changes not acted on yet.
	pending []Change
	// acted is when the last action happened; restarted when the current child started after
	// a change, and fails the restarted children that failed at once, in a row.
	acted, restarted time.Time
	fails            int
	// stopping is closed once a terminating signal reached secretrun (nil: never).
	stopping <-chan struct{}
}

func (c Config) withDefaults() Config {
	if c.Settle <= 0 {
		c.Settle = DefaultSettle
	}
	if c.Retries <= 0 {
		c.Retries = DefaultRetries
	}
	noop := func(string) {}
	if c.Warn == nil {
		c.Warn = noop
	}
	if c.Note == nil {
		c.Note = noop
	}
	if c.Retire == nil {
		c.Retire = func(ctx context.Context, changes []Change) { RetireLeases(ctx, changes, c.Warn) }
	}
	return c
}

// stopper is a Child that tells when a terminating signal reached secretrun (*inject.Session):
// from then on no action is taken, and the run waits for the child to exit.
type stopper interface {
	Stopping() <-chan struct{}
}

func (s *supervisor) run(ctx context.Context, in <-chan []Change) (inject.Exit, error) {
	done := make(chan struct{})
	defer close(done)
	changes := s.intake(in, done)
	if st, ok := s.child.(stopper); ok {
		s.stopping = st.Stopping()
	}
	stopping := s.stopping
	var due <-chan time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			s.child.Stop()
			return <-s.child.Exited(), nil
		case <-stopping: // the child got the signal too: wait for its exit
			stopping, changes, due = nil, nil, nil
			s.pending = nil
		case ex := <-s.child.Exited():
			if changes == nil || !s.failedAtOnce(ex) {
				return ex, nil
			}
			if ex, err, done := s.retry(ctx, changes, ex); done {
				return ex, err
			}
		case cs := <-changes:
			s.known(cs)
			if due == nil {
				wait := s.cfg.Debounce
				if !s.acted.IsZero() {
					wait = max(wait, time.Until(s.acted.Add(s.cfg.MinInterval)))
				}
				timer = time.NewTimer(wait)
				due = timer.C
			}
		case <-due:
			due = nil
			ex, err, done := s.act(ctx)
			if done {
				return ex, err
			}
			if len(s.pending) > 0 { // the action could not happen: tried again later
				timer = time.NewTimer(max(s.cfg.MinInterval, time.Second))
				due = timer.C
			}
		}
	}
}

// intake masks each batch of changes the moment it arrives (the Mask hook), also while an
// action keeps the supervisor busy (a child slow to stop holds it up to its grace period), and
// queues the batches for the supervisor in order. It returns when done is closed.
func (s *supervisor) intake(in <-chan []Change, done <-chan struct{}) <-chan []Change {
	out := make(chan []Change)
	go func() {
		var queue [][]Change
		for {
			var send chan<- []Change
			var head []Change
			if len(queue) > 0 {
				send, head = out, queue[0]
			}
			select {
			case cs, ok := <-in:
				if !ok {
					in = nil
					continue
				}
				if s.cfg.Mask != nil {
					s.cfg.Mask(cs)
				}
				queue = append(queue, cs)
			case send <- head:
				queue = queue[1:]
			case <-done:
				return
			}
		}
	}()
	return out
}

// known takes in changes (already masked by intake): the record of what is pending.
func (s *supervisor) known(cs []Change) {
	s.latest = merge(s.latest, cs)
	s.pending = merge(s.pending, cs)
}

// act carries out the action for the pending changes. done is true when the run ends.
func (s *supervisor) act(ctx context.Context) (ex inject.Exit, err error, done bool) {
	if len(s.pending) == 0 { // a child started again after failing took them already
		return inject.Exit{}, nil, false
	}
	cs := s.pending
	s.pending = nil
	s.acted = time.Now()
	what := strings.Join(names(cs), ", ")
	switch s.cfg.Action.Kind {
	case Exit:
		s.cfg.Note(fmt.Sprintf("watch: %s changed; stopping the command and exiting with status %d (on_change: exit)", what, s.cfg.ExitCode))
		s.child.Stop()
		old := <-s.child.Exited()
		s.record(Acted{Changes: cs, Stopped: &old})
		return inject.Exit{Status: s.cfg.ExitCode}, nil, true
	case Signal:
		s.signal(cs, what)
		return inject.Exit{}, nil, false
	}
	s.cfg.Note(fmt.Sprintf("watch: %s changed; restarting the command", what))
	return s.restart(ctx, cs)
}

// record tells the Acted hook about an action.
func (s *supervisor) record(a Acted) {
	a.Action = s.cfg.Action
	if s.cfg.Acted != nil {
		s.cfg.Acted(a)
	}
}

// signal rewrites the changed files and signals the child, warning about each changed variable
// the child reads from its environment, which it cannot see.
func (s *supervisor) signal(cs []Change, what string) {
	for _, c := range cs {
		for _, name := range c.Env {
			s.cfg.Warn(fmt.Sprintf("watch: %s changed, but the command reads it from its environment, which a signal cannot update (on_change: restart would)", name))
		}
	}
	if s.cfg.Rewrite != nil {
		if err := s.cfg.Rewrite(cs); err != nil {
			s.cfg.Warn(fmt.Sprintf("watch: could not rewrite the files of %s; the command is not signalled: %v", what, err))
			return
		}
	}
	s.cfg.Note(fmt.Sprintf("watch: %s changed; sending SIG%s to the command", what, s.cfg.Action.SignalName))
	s.child.Signal(s.cfg.Action.Signal)
	s.record(Acted{Changes: cs})
}

// restart stops the child and starts it again with the latest values, then retires what only
// the old child used.
func (s *supervisor) restart(ctx context.Context, cs []Change) (inject.Exit, error, bool) {
	env, files, err := s.env()
	if err != nil {
		retry := max(s.cfg.MinInterval, time.Second)
		s.cfg.Warn(fmt.Sprintf("watch: not restarting; the command runs on with the values it has, and the restart is tried again in %s: %v", retry, err))
		s.pending = merge(cs, s.pending)
		return inject.Exit{}, nil, false
	}
	s.child.Stop()
	old := <-s.child.Exited()
	if stoppedBy(old, syscall.SIGINT, syscall.SIGQUIT) { // not the stop signal: the user's Ctrl-C
		return old, nil, true
	}
	if s.restarted.IsZero() || time.Since(s.restarted) >= s.cfg.Settle {
		s.fails = 0
	}
	return s.start(ctx, env, files, old, cs)
}

// start starts a child after old stopped, then retires what old used.
func (s *supervisor) start(ctx context.Context, env []string, files []*os.File, old inject.Exit, cs []Change) (inject.Exit, error, bool) {
	s.record(Acted{Changes: cs, Stopped: &old})
	err := s.child.Start(env, files)
	if err != nil {
		if errors.Is(err, inject.ErrStopping) {
			return old, nil, true
		}
		var re *inject.RunError
		if errors.As(err, &re) {
			return inject.Exit{Status: re.Status}, err, true
		}
		return inject.Exit{Status: 125}, err, true
	}
	s.restarted = time.Now()
	s.cfg.Retire(ctx, cs)
	return inject.Exit{}, nil, false
}

func (s *supervisor) env() ([]string, []*os.File, error) {
	if s.cfg.Env == nil {
		return nil, nil, errors.New("no environment for a new child")
	}
	return s.cfg.Env(s.latest)
}

// failedAtOnce reports whether ex is the exit of a restarted child that failed within Settle.
// A child stopped by a user or its terminal (SIGINT, SIGQUIT, SIGTERM, SIGHUP) did not fail.
func (s *supervisor) failedAtOnce(ex inject.Exit) bool {
	return !s.restarted.IsZero() && ex.Status != 0 && time.Since(s.restarted) < s.cfg.Settle &&
		!stoppedBy(ex, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP)
}

// stoppedBy reports whether ex is a death by one of sigs, or the status 128+S a program exits
// with when it caught S (a shell's `trap 'exit 130' INT`). In a pseudo-terminal, Ctrl-C and
// Ctrl-\ reach the child alone: its exit is all secretrun learns of them.
func stoppedBy(ex inject.Exit, sigs ...syscall.Signal) bool {
	for _, sig := range sigs {
		if ex.Signal == sig || (ex.Signal == 0 && ex.Status == 128+int(sig)) {
			return true
		}
	}
	return false
}

// retry starts the child again after it failed at once, after a backoff, unless it failed
// Retries times in a row already. done is true when the run ends.
func (s *supervisor) retry(ctx context.Context, changes <-chan []Change, failed inject.Exit) (inject.Exit, error, bool) {
	s.fails++
	if s.fails > s.cfg.Retries {
		s.cfg.Warn(fmt.Sprintf("watch: the restarted command failed at once %d times in a row (status %d); giving up", s.fails, failed.Status))
		return failed, nil, true
	}
	wait := min(time.Second<<(s.fails-1), max(s.cfg.MinInterval, time.Second))
	s.cfg.Warn(fmt.Sprintf("watch: the restarted command exited with status %d after %s; starting it again in %s with the latest values (%d of %d)",
		failed.Status, time.Since(s.restarted).Round(time.Millisecond), wait, s.fails, s.cfg.Retries))
	t := time.NewTimer(wait)
	defer t.Stop()
	for waiting := true; waiting; {
		select {
		case <-ctx.Done():
			return failed, nil, true
		case <-s.stopping:
			return failed, nil, true
		case cs := <-changes:
			s.known(cs)
		case <-t.C:
			waiting = false
		}
	}
	cs := s.pending
	s.pending = nil
	env, files, err := s.env()
	if err != nil {
		s.cfg.Warn(fmt.Sprintf("watch: cannot start the command again: %v", err))
		return failed, nil, true
	}
	s.acted = time.Now()
	return s.start(ctx, env, files, failed, cs)
}
