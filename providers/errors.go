package providers

import (
	"errors"
	"fmt"
)

// Sentinel errors that providers wrap, so that callers can tell failures apart with errors.Is.
// Error text never contains secret material.
var (
	// ErrNotFound: the secret (or the requested version) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrKeyNotFound: the secret exists but has no such #key.
	ErrKeyNotFound = errors.New("key not found")
	// ErrDenied: authentication failed or access was refused.
	ErrDenied = errors.New("access denied")
	// ErrUnavailable: the store could not be reached or did not answer in time.
	ErrUnavailable = errors.New("unavailable")
	// ErrInvalidRef: the reference is malformed for its provider (bad path or option).
	ErrInvalidRef = errors.New("invalid reference")
	// ErrUnknownScheme: no provider is registered for the reference's scheme.
	ErrUnknownScheme = errors.New("unknown scheme")
)

// RefError reports the failure of one reference. Its text names the reference, never a value.
type RefError struct {
	Ref Ref
	Err error
}

func (e *RefError) Error() string { return e.Ref.String() + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RefError) Unwrap() error { return e.Err }

// hinted is an error with advice on how to fix it.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// WithHint attaches advice to err, e.g. "VAULT_TOKEN is not set". The hint is shown to the user
// on its own line ("secretrun: hint: ...") and must not contain secret material.
func WithHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: fmt.Sprintf(format, args...)}
}

// Hint returns the first hint attached to err or anything it wraps, or "".
func Hint(err error) string {
	var h *hinted
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}
