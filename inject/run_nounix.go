//go:build !unix

package inject

import (
	"context"
	"errors"
)

func runChild(_ context.Context, spec Spec) (int, error) {
	return StatusFailure, &RunError{Command: spec.Args[0], Status: StatusFailure,
		Err: errors.New("running a command is only supported on Unix systems")}
}
