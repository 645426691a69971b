//go:build !unix

package inject

import (
	"context"
	"errors"
	"os"
	"syscall"
)

func runChild(_ context.Context, spec Spec) (Exit, error) {
	return Exit{Status: StatusFailure}, &RunError{Command: spec.Args[0], Status: StatusFailure,
		Err: errors.New("running a command is only supported on Unix systems")}
}

// StartedIgnored reports false: signals are a Unix matter.
func StartedIgnored(os.Signal) bool { return false }

// DieOfSignal returns at once: the caller exits 128+sig.
func DieOfSignal(syscall.Signal) {}
