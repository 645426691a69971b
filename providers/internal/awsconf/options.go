package awsconf

import "time"

// Options are the settings both AWS providers take through their Option functions
// (WithConcurrency, WithRetry); the defaults suit production.
type Options struct {
	// Concurrency bounds the calls in flight at once.
	Concurrency int
	// Retry is the SDK retryer's attempts and backoff cap.
	Retry Retry
}

// DefaultOptions: 8 calls in flight, 4 attempts per call, backoff capped at 2 s.
func DefaultOptions() Options {
	return Options{Concurrency: 8, Retry: Retry{MaxAttempts: 4, MaxBackoff: 2 * time.Second}}
}

// SetConcurrency sets Concurrency to n; n < 1 leaves it as it is.
func (o *Options) SetConcurrency(n int) {
	if n > 0 {
		o.Concurrency = n
	}
}

// SetRetry sets the attempts and the backoff cap; a value < 1 leaves that one as it is.
func (o *Options) SetRetry(maxAttempts int, maxBackoff time.Duration) {
	if maxAttempts > 0 {
		o.Retry.MaxAttempts = maxAttempts
	}
	if maxBackoff > 0 {
		o.Retry.MaxBackoff = maxBackoff
	}
}
