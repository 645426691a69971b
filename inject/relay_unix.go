//go:build unix

package inject

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// relaySignals handles every signal secretrun receives, from Open to Close, whichever child
// runs (or none, during a restart).
func (s *Session) relaySignals() {
	defer close(s.relayDone)
	defer s.panicGuard()
	for {
		select {
		case sig := <-s.sigCh:
			s.handleSignal(sig.(syscall.Signal))
		case <-s.relayQuit:
			return
		}
	}
}

// handleSignal acts on one signal secretrun received. SIGTERM, SIGINT and SIGQUIT also end the
// run: no new child starts after one (Start returns ErrStopping). Any other forwarded signal
// that arrives while no child runs (between Stop and the next Start) is dropped, with a trace:
// the next child starts with fresh state anyway, and would die of a SIGHUP or SIGUSR1 sent
// before it installed its handler.
func (s *Session) handleSignal(sig syscall.Signal) {
	switch sig {
	case syscall.SIGPIPE:
		// Caught only so that a write to a closed stdout returns EPIPE instead of killing
		// secretrun; the copy then stops and the child gets EPIPE/SIGPIPE itself.
		return
	case syscall.SIGWINCH:
		s.resize()
		return
	case syscall.SIGTSTP:
		if !tstpStartedIgnored() {
			s.suspend()
			return
		}
		// Started with SIGTSTP ignored: the bare program would ignore it too (or catch it),
		// so it is forwarded like the other signals secretrun was started with ignored.
	case syscall.SIGCONT:
		s.term.resumed()
		s.resize()
		return
	}
	terminating := sig == syscall.SIGTERM || sig == syscall.SIGINT || sig == syscall.SIGQUIT
	s.mu.Lock() // waits for a child being started: the signal is then for it
	if terminating {
		s.markStoppingLocked(&stopError{sig: sig})
	}
	c := s.cur
	s.mu.Unlock()
	if c == nil || c.finished() {
		if !terminating {
			s.trace("no command running: signal %s dropped", unix.SignalName(sig))
		}
		return
	}
	switch sig {
	case syscall.SIGTERM:
		c.terminate(true)
	case syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP:
		if s.layout.group == groupShared {
			// The child is in secretrun's foreground process group: the terminal (Ctrl-C,
			// Ctrl-\, hangup) or the shell already delivered this signal to it.
			return
		}
		c.forward(sig)
	default:
		c.forward(sig)
	}
}

// startIgnoring starts the child so that it begins with every forwarded signal secretrun was
// started with ignored still ignored, although secretrun catches it to forward it: exec resets
// a caught signal to its default action but keeps an ignored one ignored, so for the length of
// the fork and exec (Start returns once the exec succeeded) those signals are ignored, and caught
// again right after. A signal sent to secretrun in that window is dropped, as the child would
// drop it at that moment without secretrun: it has not started, or not yet replaced the ignore.
func (s *Session) startIgnoring(cmd *exec.Cmd) error {
	keep := startIgnoredForwarded()
	if tstpStartedIgnored() && s.layout.group == groupSession {
		// caught in pty mode only (Open); in the other modes it stays ignored, and exec keeps it
		keep = append(keep, syscall.SIGTSTP)
	}
	if len(keep) == 0 {
		return startChild(cmd)
	}
	signal.Ignore(keep...)
	defer signal.Notify(s.sigCh, keep...)
	return startChild(cmd)
}

// startError maps a failed exec to 126/127/125.
func (s *Session) startError(err error) *RunError {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ENOENT:
			return s.fail(StatusNotExecutable, fmt.Errorf("%w: %v (a missing interpreter or loader?)", ErrCommandNotExecutable, errno))
		case syscall.EACCES, syscall.ENOEXEC, syscall.EISDIR, syscall.ETXTBSY, syscall.ELOOP, syscall.EPERM, syscall.ENOTDIR:
			return s.fail(StatusNotExecutable, fmt.Errorf("%w: %v", ErrCommandNotExecutable, errno))
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return s.fail(StatusFailure, fmt.Errorf("cancelled before the command started: %w", &stopError{cause: err}))
	}
	return s.fail(StatusFailure, err)
}

// resize copies the outer window size to the running child's pseudo-terminal.
func (s *Session) resize() {
	if c := s.current(); c != nil && c.pty != nil && !c.finished() {
		s.term.resize(c.pty.master)
	}
}

// suspend stops the child's process group and secretrun together (Ctrl-Z in pty mode, or a
// SIGTSTP sent to secretrun), and on continuation puts the terminal back and continues the
// child. The child's group gets SIGSTOP: the kernel drops a SIGTSTP sent to it, as its parent
// (secretrun) is in another session, which makes the group orphaned. secretrun stops by
// SIGTSTP, so that the shell reports the job "Stopped" with $? 148 as for the bare command.
// Between two children, secretrun stops alone.
func (s *Session) suspend() {
	t := s.term
	if t == nil || !t.canSuspend {
		return
	}
	t.suspendMu.Lock()
	defer t.suspendMu.Unlock()
	c := s.current()
	if c != nil {
		c.signal(syscall.SIGSTOP, true)
	}
	t.restore()
	// kill returns before the stop necessarily took effect (another thread may take the
	// group stop), so wait for the SIGCONT that ends it.
	cont := make(chan os.Signal, 1)
	signal.Notify(cont, syscall.SIGCONT)
	if stopSelf(s.sigCh) {
		<-cont
	}
	signal.Stop(cont)
	// Continued (fg or bg).
	t.resumed()
	s.resize()
	if c != nil {
		c.signal(syscall.SIGCONT, true)
	}
}

// stopSelf stops secretrun with SIGTSTP at its default action, and reports whether the signal
// was sent. sigCh, which catches SIGTSTP, catches it again once secretrun continues. Where the
// default action cannot be restored under the Go runtime, secretrun stops by SIGSTOP.
//
// The SIGTSTP is sent to this very thread, which takes it on its way back from the kill,
// before the handler is reinstalled: sent to the process, it went to another thread (the main
// one, often asleep), and if that thread ran only after Notify below, the handler caught it,
// nothing stopped and suspend waited for a SIGCONT that never came (Ctrl-Z lost under load).
func stopSelf(sigCh chan<- os.Signal) bool {
	// Ignore first: Go then forgets its own handler, so that Notify installs it again after.
	signal.Ignore(syscall.SIGTSTP)
	defer signal.Notify(sigCh, syscall.SIGTSTP)
	if setDefaultAction(syscall.SIGTSTP) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		raiseOnThisThread(syscall.SIGTSTP)
		return true
	}
	return syscall.Kill(os.Getpid(), syscall.SIGSTOP) == nil
}
