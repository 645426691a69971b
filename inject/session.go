package inject

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrStopping is wrapped by Session.Start's error when a terminating signal (SIGTERM, SIGINT,
// SIGQUIT) reached secretrun, or the session's context was cancelled: the run is ending and no
// new child starts.
var ErrStopping = errors.New("secretrun is stopping")

// stopError is ErrStopping with its cause: the signal secretrun received, or the context's
// error.
type stopError struct {
	sig   syscall.Signal // 0 when the context ended the session
	cause error          // the context's error when sig is 0
}

// Error names the cause, never anything of the environment.
func (e *stopError) Error() string {
	if e.sig != 0 {
		return fmt.Sprintf("%v (got signal %d, %v)", ErrStopping, int(e.sig), e.sig)
	}
	return e.cause.Error()
}

// Is makes errors.Is(err, ErrStopping) true.
func (e *stopError) Is(target error) bool { return target == ErrStopping }

// Unwrap returns the context's error, if the context ended the session.
func (e *stopError) Unwrap() error { return e.cause }
