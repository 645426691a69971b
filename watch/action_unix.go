//go:build unix

package watch

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// signalNamed returns the signal called SIG+name. Signals that stop or kill outright are
// refused: they are no way to ask a program to reload.
func signalNamed(name string) (syscall.Signal, bool) {
	sig := unix.SignalNum("SIG" + name)
	switch sig {
	case 0, unix.SIGKILL, unix.SIGSTOP:
		return 0, false
	}
	return sig, true
}
