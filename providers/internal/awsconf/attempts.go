package awsconf

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/smithy-go/middleware"
)

// AttemptLog records what each attempt of one SDK call ended with. When the context's deadline
// ends a call during a retry backoff, the SDK reports only the context error; the log keeps the
// cause that made it retry (connection refused, reset, throttling, ...) for the error message.
type AttemptLog struct {
	mu       sync.Mutex
	attempts int
	last     error // the last attempt error that was not the context's
}

type attemptLogKey struct{}

// WithAttemptLog returns a context whose SDK calls record their attempts in the returned log
// (for clients built with AddAttemptLog among their APIOptions).
func WithAttemptLog(ctx context.Context) (context.Context, *AttemptLog) {
	l := &AttemptLog{}
	return context.WithValue(ctx, attemptLogKey{}, l), l
}

func (l *AttemptLog) record(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts++
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		l.last = err
	}
}

// Get returns the number of attempts made and the last error that was not the context's.
func (l *AttemptLog) Get() (int, error) {
	if l == nil {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.attempts, l.last
}

// AddAttemptLog installs the recording middleware inside the SDK's retry loop; add it to a
// client's APIOptions.
func AddAttemptLog(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("secretrunAttemptLog",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if l, ok := ctx.Value(attemptLogKey{}).(*AttemptLog); ok {
				l.record(err)
			}
			return out, md, err
		}), "Retry", middleware.After)
}
