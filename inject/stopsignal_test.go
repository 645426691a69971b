package inject

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
)

func TestStopSignal(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want syscall.Signal
	}{
		{fmt.Errorf("start: %w", &stopError{sig: syscall.SIGINT}), syscall.SIGINT},
		{&stopError{cause: context.Canceled}, 0},
		{errors.New("other"), 0},
		{nil, 0},
	} {
		if got := StopSignal(tc.err); got != tc.want {
			t.Errorf("StopSignal(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
