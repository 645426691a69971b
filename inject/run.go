package inject

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// Streams are the standard streams of secretrun itself, with their terminal-ness, so that tests
// can fake a terminal. The *File fields hold the same streams when they are files (nil otherwise);
// the runner needs them for terminal handling (raw mode, window size, process groups) and to hand
// a file straight to the child instead of copying.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer

	InFile, OutFile, ErrFile *os.File

	InTTY, OutTTY, ErrTTY bool
}

// PTYMode chooses whether the child gets a pseudo-terminal.
type PTYMode int

const (
	// PTYAuto applies the matrix of PROCESS.md: a pseudo-terminal when secretrun's stdout is a
	// terminal, pipes otherwise.
	PTYAuto PTYMode = iota
	// PTYAlways gives the child a pseudo-terminal for its stdout even when secretrun's stdout is
	// not a terminal (--pty).
	PTYAlways
	// PTYNever always uses pipes (--no-pty).
	PTYNever
)

// String returns "auto", "always" or "never".
func (m PTYMode) String() string {
	switch m {
	case PTYAuto:
		return "auto"
	case PTYAlways:
		return "always"
	case PTYNever:
		return "never"
	}
	return fmt.Sprintf("PTYMode(%d)", int(m))
}

// DefaultGrace is the delay between the stop signal and SIGKILL when Spec.Grace is zero.
const DefaultGrace = 10 * time.Second

// Exit statuses secretrun uses for its own failures (CONTRACT.md §2).
const (
	// StatusFailure is secretrun's own failure (bad configuration, a secret that could not be
	// fetched, a pseudo-terminal that could not be allocated, ...).
	StatusFailure = 125
	// StatusNotExecutable means the command was found but could not be executed.
	StatusNotExecutable = 126
	// StatusNotFound means the command was not found.
	StatusNotFound = 127
)

// Spec describes a run: the command, and the streams, terminal and signal handling of the
// Session it runs in. Env and ExtraFiles are the first child's (Session.Start takes them per
// child).
type Spec struct {
	// Args is the command line; Args[0] is looked up in the PATH of Env (not secretrun's own
	// PATH), like execvpe. A name containing a slash is used as is (relative to Dir).
	Args []string
	// Env is the child's complete environment. nil means an empty environment, never
	// secretrun's own.
	Env []string
	// Dir is the child's working directory; empty means secretrun's.
	Dir string
	// Streams are secretrun's own standard streams.
	Streams Streams
	// PTY chooses between pipes and a pseudo-terminal.
	PTY PTYMode
	// Wrap returns the writer a child output stream goes through (the redactor). name is
	// "stdout", "stderr" or "pty"; tty says whether dst is a terminal (the redactor picks its
	// idle time from it). Run calls Close, which must flush, before it returns. A Write error
	// (for example EPIPE from dst) must be returned so the runner stops copying. nil means
	// pass-through.
	Wrap func(name string, dst io.Writer, tty bool) io.WriteCloser
	// Grace is the delay between the stop signal (SIGTERM) and SIGKILL, and also how long
	// output is still read after the child exited while its descendants hold the pipes or the
	// pseudo-terminal open. Zero means DefaultGrace.
	Grace time.Duration
	// ExtraFiles are open files the child inherits as descriptors 3, 4, ... (exec.Cmd's
	// ExtraFiles): the memory files of `as: file` secrets.
	ExtraFiles []*os.File
	// Started, if set, is called once per child with its pid as soon as it runs (the caller
	// starts lease renewal then). It must not block, nor call the Session.
	Started func(pid int)
	// Trace, if set, receives the runner's -v traces (a signal dropped because no child was
	// running, for example). They never contain the environment. It must not block.
	Trace func(format string, args ...any)
	// SignalGroup forwards signals (and the stop signal and SIGKILL) to the child's whole
	// process group instead of the child's pid alone, where the child has a group of its own
	// (--signal-group). By default a signal reaches the child as `kill <pid>` would reach it
	// bare, and the helpers it started in its group are left to it.
	SignalGroup bool
}

// Exit is how the child ended.
type Exit struct {
	// Status is the status secretrun should exit with: the child's exit code, or 128+S if it
	// was killed by signal S.
	Status int
	// Signal is the signal that killed the child, or 0 if it exited. A caller that wants the
	// calling shell to see the death by signal dies of it after cleaning up (cmd does).
	Signal syscall.Signal
}

// Sentinel errors wrapped by a *RunError.
var (
	// ErrCommandNotFound: the command is not in the child's PATH or does not exist.
	ErrCommandNotFound = errors.New("command not found")
	// ErrCommandNotExecutable: the command exists but cannot be executed.
	ErrCommandNotExecutable = errors.New("command not executable")
)

// RunError is a failure of secretrun itself to run the child (as opposed to the child failing).
// Its text names the command and never the environment.
type RunError struct {
	// Command is the command as given (Spec.Args[0]).
	Command string
	// Status is the exit status secretrun should use: 125, 126 or 127.
	Status int
	// Hint, when not empty, is one sentence of advice for the user (printed as
	// "secretrun: hint: ..."); it is not part of Error().
	Hint string
	// Err is the cause; it wraps ErrCommandNotFound or ErrCommandNotExecutable where they apply.
	Err error
}

// Error returns `cannot run "COMMAND": CAUSE`.
func (e *RunError) Error() string {
	return fmt.Sprintf("cannot run %q: %v", e.Command, e.Err)
}

// Unwrap returns the cause.
func (e *RunError) Unwrap() error { return e.Err }

// ExitStatus returns the exit status secretrun should exit with.
func (e *RunError) ExitStatus() int { return e.Status }

// Run runs the child described by spec to completion and returns the exit status secretrun
// should exit with: the child's exit code unchanged; 128+S if it was killed by signal S (in
// pseudo-terminal mode too).
//
// err is non-nil only for secretrun's own failures; it is then a *RunError and status is 126
// (found but not executable), 127 (not found) or 125 (anything else before the child ran).
//
// Cancelling ctx stops the child: SIGTERM, then SIGKILL after spec.Grace (to its pid, or to its
// process group with spec.SignalGroup); Run then returns the child's status with a nil error.
// Run forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 while it runs (see
// docs/process.md for exactly when), and restores the outer terminal on every exit path it
// survives. Every byte the child wrote has
// gone through the Wrap writers, and they are closed, when Run returns.
func Run(ctx context.Context, spec Spec) (status int, err error) {
	ex, err := RunExit(ctx, spec)
	return ex.Status, err
}

// RunExit is Run, and also tells which signal killed the child, if one did. It is a Session
// with one child: Open, Start(spec.Env, spec.ExtraFiles), the child's Exit, Close. A
// terminating signal that reaches secretrun before the child could start makes the run end as
// if the child had died of it (Exit.Signal set, nil error), so that secretrun dies of it too.
func RunExit(ctx context.Context, spec Spec) (Exit, error) {
	s, err := Open(ctx, spec)
	if err != nil {
		return Exit{Status: statusOf(err)}, err
	}
	defer s.Close() // a no-op after the Close below; on a panic, it restores the terminal
	if err := s.Start(spec.Env, spec.ExtraFiles); err != nil {
		_ = s.Close()
		var stop *stopError
		if errors.As(err, &stop) && stop.sig != 0 {
			return Exit{Status: 128 + int(stop.sig), Signal: stop.sig}, nil
		}
		return Exit{Status: statusOf(err)}, err
	}
	ex := <-s.Exited()
	_ = s.Close() // write errors (EPIPE on a closed stdout) already stopped the copy
	if err := s.lostStatus(); err != nil {
		return ex, err
	}
	return ex, nil
}

// statusOf returns the exit status a *RunError carries, or StatusFailure.
func statusOf(err error) int {
	var re *RunError
	if errors.As(err, &re) {
		return re.Status
	}
	return StatusFailure
}

// exitFromWait turns a wait status into the status a shell would show.
func exitFromWait(exited bool, code int, signaled bool, sig syscall.Signal) Exit {
	if signaled {
		return Exit{Status: 128 + int(sig), Signal: sig}
	}
	if exited {
		return Exit{Status: code}
	}
	return Exit{Status: StatusFailure}
}

// nopWriteCloser is the pass-through "redactor" used when Spec.Wrap is nil.
type nopWriteCloser struct{ w io.Writer }

func (n nopWriteCloser) Write(p []byte) (int, error) { return n.w.Write(p) }
func (n nopWriteCloser) Close() error                { return nil }
