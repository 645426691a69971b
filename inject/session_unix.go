//go:build unix

package inject

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Session is what lives for the whole run: secretrun's streams, the outer terminal and its raw
// mode, the Wrap writers (created once per stream, closed once by Close), the signal relay and
// PID 1 reaping. Children come and go inside it, one at a time (see child): a restart is Stop,
// then Start with the new environment.
//
// The data path, top to bottom: a child writes to its pipes or pseudo-terminal; the session's
// Wrap writer for that stream (the redactor) takes every byte, of one child after the other;
// secretrun's own stream gets what it lets through. A child's output is drained completely
// before its Exit is delivered, so the next child's output follows it in order.
type Session struct {
	ctx    context.Context
	spec   Spec
	grace  time.Duration
	layout layout

	// Created by the first Start (so that a command that is not found wraps nothing), closed
	// by Close.
	outW, errW, ptyW io.WriteCloser
	stdin            *sharedStdin // a non-file Streams.In: one pipe for every child; nil otherwise
	term             *outerTerm   // pty mode: secretrun's own terminal; nil in pipe mode

	sigCh      chan os.Signal // the signals the session handles arrive here
	relayQuit  chan struct{}
	relayDone  chan struct{}
	reaper     *childReaper
	stopCtxFun func() bool // stops the context watch

	mu       sync.Mutex // guards the fields below; held across a child's start
	cur      *child     // the current (or last) child; nil before the first Start
	stopping chan struct{}
	stopErr  *stopError // why stopping was closed
	started  bool       // the data path is set up (first Start)
	closed   bool
}

// Open prepares a run of spec.Args: it starts catching the signals it relays and, as PID 1,
// reaping orphans. It starts no child and does not look at spec.Env or spec.ExtraFiles.
// Close must be called at the end.
func Open(ctx context.Context, spec Spec) (*Session, error) {
	if len(spec.Args) == 0 || spec.Args[0] == "" {
		return nil, &RunError{Status: StatusFailure, Err: errors.New("no command given")}
	}
	s := &Session{
		ctx:       ctx,
		spec:      spec,
		grace:     spec.Grace,
		layout:    planLayout(spec.Streams, spec.PTY),
		relayQuit: make(chan struct{}),
		relayDone: make(chan struct{}),
		stopping:  make(chan struct{}),
	}
	if s.grace <= 0 {
		s.grace = DefaultGrace
	}
	if s.layout.ptyOut {
		s.term = newOuterTerm(spec.Streams, s.layout)
	}

	// Signals first, so that none arriving while a child starts is lost or kills secretrun.
	// Every forwarded signal is caught, also one that secretrun was started with ignored
	// (nohup, `cmd &` in a script): it is still forwarded, and startIgnoring makes each child
	// start with it ignored all the same.
	sigs := append([]os.Signal{syscall.SIGPIPE}, forwardedSignals...)
	if s.layout.group == groupSession {
		tstpStartedIgnored() // read while SIGTSTP still has the disposition secretrun inherited
		sigs = append(sigs, syscall.SIGWINCH, syscall.SIGTSTP, syscall.SIGCONT)
	}
	s.sigCh = make(chan os.Signal, 16)
	signal.Notify(s.sigCh, sigs...)
	go s.relaySignals()

	s.reaper = startReaper()
	s.stopCtxFun = context.AfterFunc(ctx, func() { s.markStopping(&stopError{cause: ctx.Err()}) })
	return s, nil
}

// Start starts a child running spec.Args with env (its complete environment; nil means an
// empty one) and files (inherited as descriptors 3, 4, ...). The previous child must have
// exited (its Exit delivered, or Stop returned).
//
// Its error is a *RunError (status 125, 126 or 127) when the child could not be started, or
// wraps ErrStopping when a terminating signal or the context's end arrived before it: the run
// is over, and its status is the last child's. After an error no child runs, and Exited still
// returns the previous child's channel.
func (s *Session) Start(env []string, files []*os.File) error {
	s.mu.Lock()
	if err := s.refuseStart(); err != nil {
		s.mu.Unlock()
		return err
	}
	c, err := s.startChild(env, files)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	s.cur = c
	s.mu.Unlock()
	if s.spec.Started != nil {
		s.spec.Started(c.pid)
	}
	go c.wait()
	return nil
}

// refuseStart says why no child may start now, or nil. s.mu is held.
func (s *Session) refuseStart() error {
	switch {
	case s.closed:
		return errors.New("inject: Start on a closed Session")
	case s.stopErr != nil && s.stopErr.sig != 0:
		return s.stopErr
	case s.ctx.Err() != nil:
		return s.fail(StatusFailure, fmt.Errorf("cancelled before the command started: %w", &stopError{cause: s.ctx.Err()}))
	case s.cur != nil && !s.cur.finished():
		return errors.New("inject: Start while the previous child runs (Stop it first)")
	}
	return nil
}

// Exited returns the current child's channel, which delivers its Exit exactly once, after it
// was reaped and its output drained through the Wrap writers. Before the first Start it
// returns nil (a channel that never delivers).
func (s *Session) Exited() <-chan Exit {
	if c := s.current(); c != nil {
		return c.exit
	}
	return nil
}

// Stop stops the current child as a SIGTERM to secretrun would (the stop signal, then SIGKILL
// after the grace period, to its pid or its group with Spec.SignalGroup) and returns once it
// has exited and its output is drained; Exited() then has its Exit ready. Without a running
// child it does nothing.
func (s *Session) Stop() {
	c := s.current()
	if c == nil {
		return
	}
	c.terminate(false)
	<-c.done
}

// Signal sends sig to the current child: its pid, or its process group with Spec.SignalGroup.
// Without a running child it does nothing.
func (s *Session) Signal(sig syscall.Signal) {
	if c := s.current(); c != nil {
		c.signal(sig, s.spec.SignalGroup)
	}
}

// Stopping returns a channel closed once a terminating signal (SIGTERM, SIGINT, SIGQUIT)
// reached secretrun or the context ended: from then on Start refuses, and a watcher stops
// acting on changes and waits for the current child to exit.
func (s *Session) Stopping() <-chan struct{} { return s.stopping }

// Close ends the session after the last child (it stops one still running): it stops the
// signal relay and the reaper, restores the outer terminal and closes (flushes) the Wrap
// writers. It returns the first error of those Close calls; it is safe to call twice.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.Stop()

	close(s.relayQuit)
	<-s.relayDone
	signal.Stop(s.sigCh)
	s.stopCtxFun()
	s.reaper.stop()
	s.stdin.close()
	s.restoreTerminal()
	var first error
	for _, w := range []io.WriteCloser{s.ptyW, s.outW, s.errW} {
		if w == nil {
			continue
		}
		if err := w.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// lostStatus returns a *RunError if the last child's exit status could not be read.
func (s *Session) lostStatus() error {
	if c := s.current(); c != nil && c.lost {
		return s.fail(StatusFailure, errors.New("lost the child's exit status"))
	}
	return nil
}

// current returns the current (or last) child, nil before the first Start.
func (s *Session) current() *child {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// markStopping records the first reason the run ends (a later one changes nothing).
func (s *Session) markStopping(why *stopError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.markStoppingLocked(why)
}

func (s *Session) markStoppingLocked(why *stopError) {
	if s.stopErr != nil {
		return
	}
	s.stopErr = why
	close(s.stopping)
}

// setUpDataPath creates, at the first Start, what every child's output and input go through:
// the Wrap writers, the shared stdin pipe, and the outer terminal's raw mode. s.mu is held.
func (s *Session) setUpDataPath() error {
	if s.started {
		return nil
	}
	st, l := s.spec.Streams, s.layout
	if l.ptyOut {
		s.ptyW = s.wrap("pty", st.Out, st.OutTTY)
	} else {
		s.outW = s.wrap("stdout", st.Out, st.OutTTY)
	}
	if !l.ptyErr {
		s.errW = s.wrap("stderr", st.Err, st.ErrTTY)
	}
	s.started = true // the writers exist: Close closes them whatever fails below
	if !l.ptyIn && st.InFile == nil && st.In != nil {
		in, err := newSharedStdin(st.In)
		if err != nil {
			return fmt.Errorf("stdin pipe: %w", err)
		}
		s.stdin = in
	}
	if l.ptyIn {
		if err := s.term.makeRaw(); err != nil {
			return fmt.Errorf("terminal raw mode: %w", err)
		}
	}
	return nil
}

// wrap returns the Wrap writer for one of secretrun's streams.
func (s *Session) wrap(name string, dst io.Writer, tty bool) io.WriteCloser {
	if dst == nil {
		dst = io.Discard
	}
	if s.spec.Wrap == nil {
		return nopWriteCloser{dst}
	}
	return s.spec.Wrap(name, dst, tty)
}

// fail returns a *RunError naming the command.
func (s *Session) fail(status int, err error) *RunError {
	return &RunError{Command: s.spec.Args[0], Status: status, Err: err}
}

// trace sends a -v trace to Spec.Trace.
func (s *Session) trace(format string, args ...any) {
	if s.spec.Trace != nil {
		s.spec.Trace(format, args...)
	}
}

// restoreTerminal puts the outer terminal back as it was (idempotent).
func (s *Session) restoreTerminal() {
	if s.term != nil {
		s.term.restoreFinal()
	}
}

// panicGuard is deferred by every goroutine of the session: a panic there would end the
// process without running the caller's defers, so the terminal is restored first.
func (s *Session) panicGuard() {
	if p := recover(); p != nil {
		s.restoreTerminal()
		panic(p)
	}
}
