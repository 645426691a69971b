package inject

import (
	"errors"
	"syscall"
)

// StopSignal returns the terminating signal that made Session.Start refuse to start a child
// (its error wraps ErrStopping), or 0 (another error, or the context ended the session). A
// caller that starts its first child itself (cmd's watched run) exits as RunExit would: 128+S,
// dying of S.
func StopSignal(err error) syscall.Signal {
	var s *stopError
	if errors.As(err, &s) {
		return s.sig
	}
	return 0
}
