package awssm

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/smithy-go/middleware"
)

// attemptLog records what each attempt of one SDK call ended with. When the context's deadline
// ends a call during a retry backoff, the SDK reports only the context error; the log keeps the
// cause that made it retry (connection refused, reset, throttling, ...) for the error message.
type attemptLog struct {
	mu       sync.Mutex
	attempts int
	last     error // the last attempt error that was not the context's
}

type attemptLogKey struct{}

func withAttemptLog(ctx context.Context) (context.Context, *attemptLog) {
	l := &attemptLog{}
	return context.WithValue(ctx, attemptLogKey{}, l), l
}

func (l *attemptLog) record(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts++
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		l.last = err
	}
}

func (l *attemptLog) get() (int, error) {
	if l == nil {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.attempts, l.last
}

// addAttemptLog installs the recording middleware inside the SDK's retry loop.
func addAttemptLog(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("secretrunAttemptLog",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if l, ok := ctx.Value(attemptLogKey{}).(*attemptLog); ok {
				l.record(err)
			}
			return out, md, err
		}), "Retry", middleware.After)
}
