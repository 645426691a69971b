//go:build unix

package cmd

import "syscall"

// watchSignal returns the signal of `on_change: signal:NAME` (NAME as config.WatchSignals spells
// it: upper case, without "SIG").
func watchSignal(name string) (syscall.Signal, bool) {
	sig, ok := map[string]syscall.Signal{
		"HUP": syscall.SIGHUP, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "WINCH": syscall.SIGWINCH,
		"ALRM": syscall.SIGALRM, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "TERM": syscall.SIGTERM,
	}[name]
	return sig, ok
}
