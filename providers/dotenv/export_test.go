package dotenv

import (
	"os"
	"sync/atomic"
	"testing"
)

// CountOpens makes the provider count the files it opens until t ends, and returns the counter.
func CountOpens(t *testing.T) func() int {
	var n atomic.Int64
	orig := openFile
	openFile = func(name string) (*os.File, error) { n.Add(1); return orig(name) }
	t.Cleanup(func() { openFile = orig })
	return func() int { return int(n.Load()) }
}

// FailOpens makes every open fail with err until t ends (to test error mapping as root).
func FailOpens(t *testing.T, err error) {
	orig := openFile
	openFile = func(name string) (*os.File, error) { return nil, &os.PathError{Op: "open", Path: name, Err: err} }
	t.Cleanup(func() { openFile = orig })
}
