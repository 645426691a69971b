//go:build !unix

package cmd

import "syscall"

// watchSignal returns the signal of `on_change: signal:NAME`. Without Unix signals, only the
// names the syscall package defines here exist; the others are refused with a clear message.
func watchSignal(name string) (syscall.Signal, bool) {
	sig, ok := map[string]syscall.Signal{
		"HUP": syscall.SIGHUP, "ALRM": syscall.SIGALRM, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "TERM": syscall.SIGTERM,
	}[name]
	return sig, ok
}
