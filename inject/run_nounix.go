//go:build !unix

package inject

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// errUnsupported is why no command runs outside Unix.
var errUnsupported = errors.New("running a command is only supported on Unix systems")

// Session is what lives for the whole run; outside Unix none can be opened.
type Session struct{}

// Open fails outside Unix with a *RunError (status 125).
func Open(_ context.Context, spec Spec) (*Session, error) {
	cmd := ""
	if len(spec.Args) > 0 {
		cmd = spec.Args[0]
	}
	return nil, &RunError{Command: cmd, Status: StatusFailure, Err: errUnsupported}
}

// Start fails outside Unix.
func (*Session) Start([]string, []*os.File) error { return errUnsupported }

// Exited returns nil outside Unix.
func (*Session) Exited() <-chan Exit { return nil }

// Stop does nothing outside Unix.
func (*Session) Stop() {}

// Signal does nothing outside Unix.
func (*Session) Signal(syscall.Signal) {}

// Stopping returns nil outside Unix.
func (*Session) Stopping() <-chan struct{} { return nil }

// Close does nothing outside Unix.
func (*Session) Close() error { return nil }

func (*Session) lostStatus() error { return nil }

// StartedIgnored reports false: signals are a Unix matter.
func StartedIgnored(os.Signal) bool { return false }

// DieOfSignal returns at once: the caller exits 128+sig.
func DieOfSignal(syscall.Signal) {}
