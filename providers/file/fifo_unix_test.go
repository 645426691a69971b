//go:build unix

package file_test

import (
	"syscall"
	"testing"
)

// mkfifo makes a named pipe at path and reports whether the platform has them.
func mkfifo(t *testing.T, path string) bool {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return true
}
