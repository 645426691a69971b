//go:build !unix

package file_test

import "testing"

// mkfifo reports that this platform has no named pipes.
func mkfifo(t *testing.T, path string) bool { return false }
