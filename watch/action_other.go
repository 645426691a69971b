//go:build !unix

package watch

import "syscall"

// signalNamed knows no signal where there are no Unix signals.
func signalNamed(string) (syscall.Signal, bool) { return 0, false }
