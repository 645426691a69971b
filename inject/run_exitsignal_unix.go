//go:build unix

package inject

import (
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// startIgnored holds the forwarded signals secretrun was started with ignored. It is read when
// the package is initialised, before anything calls signal.Notify (after which signal.Ignored
// no longer tells).
//
// The Go runtime keeps an inherited "ignored" for SIGHUP and SIGINT only; for every other signal
// it installs its own handler before any Go code runs, so whether SIGQUIT was ignored is lost.
// A POSIX shell starts a background job of a script (`job &` without job control) with SIGINT
// and SIGQUIT ignored, always together, so SIGQUIT counts as ignored when SIGINT was.
var startIgnored = inheritedIgnored()

func inheritedIgnored() map[syscall.Signal]bool {
	ign := map[syscall.Signal]bool{}
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT} {
		if signal.Ignored(s) {
			ign[s] = true
		}
	}
	if ign[syscall.SIGINT] {
		ign[syscall.SIGQUIT] = true
	}
	return ign
}

// tstpStartedIgnored says secretrun was started with SIGTSTP ignored (a supervisor or script
// that ran it after `trap "" TSTP`). The Go runtime installs no handler of its own for SIGTSTP,
// so the kernel still holds the inherited disposition when the package is initialised (Linux:
// /proc/self/status; elsewhere it cannot be told and counts as not ignored). In pty mode, where
// secretrun catches SIGTSTP, each child then starts with it ignored, as the bare program
// would, and a SIGTSTP sent to secretrun is forwarded instead of suspending (handleSignal).
// It is read once, when the first pty-mode Session opens and before it catches SIGTSTP, rather
// than at start-up: no other run needs it.
var tstpStartedIgnored = sync.OnceValue(func() bool { return ignoresSignal(os.Getpid(), syscall.SIGTSTP) })

// StartedIgnored reports whether secretrun was started with sig ignored (see startIgnored for
// SIGQUIT), so that it can leave the signal alone until the child runs, as the child would.
func StartedIgnored(sig os.Signal) bool {
	s, ok := sig.(syscall.Signal)
	return ok && startIgnored[s]
}

// startIgnoredForwarded lists the forwarded signals secretrun was started with ignored.
func startIgnoredForwarded() []os.Signal {
	var sigs []os.Signal
	for _, s := range forwardedSignals {
		if StartedIgnored(s) {
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// DieOfSignal makes secretrun die of sig, the signal its child died of, so that the calling
// shell sees a death by signal as it would without secretrun: bash's wait-and-cooperative-exit
// rule then stops a script or a loop on Ctrl-C. In pty mode, where the raw outer terminal sent
// the typed key to the child alone, a signal whose key was typed (typedKey) goes to secretrun's
// whole process group, the script's shell included, as the terminal would have sent it. Call it
// once everything is cleaned up.
//
// A core-dumping signal (SIGQUIT, SIGABRT, SIGSEGV, ...) dumps no core: secretrun's memory holds
// secrets. DieOfSignal returns only where dying of sig is not possible: as PID 1 (the kernel does
// not let a namespace's init die of a signal it sends itself), for a signal whose default
// action does not end a process, or where the Go runtime's handler cannot be taken off sig; the
// caller then exits 128+sig.
func DieOfSignal(sig syscall.Signal) {
	if os.Getpid() == 1 || !terminates(sig) {
		return
	}
	if dumpsCore(sig) {
		_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
		forbidCoreDump()
	}
	runtime.LockOSThread() // for good: this thread dies with the process
	if !setDefaultAction(sig) {
		// Outside Linux the runtime's handler stays; it dies of SIGHUP, SIGINT and SIGTERM
		// itself when nobody is notified of them, and SIGKILL needs no help.
		switch sig {
		case syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM:
			signal.Reset(sig)
		case syscall.SIGKILL:
		default:
			return
		}
	}
	if typedKey.Load() == int32(sig) {
		// The user typed the key of sig in pty mode: the shell running a script gets it
		// too, as from the terminal (see typedKey), and stops the script.
		_ = unix.Kill(-unix.Getpgrp(), sig)
	}
	raiseOnThisThread(sig)
	// Delivered on the way back from the kill to this very thread, unless the kernel refused
	// (a PID namespace's init) or, outside Linux, another thread takes it a moment later.
	time.Sleep(100 * time.Millisecond)
}

// terminates reports whether sig's default action ends the process.
func terminates(sig syscall.Signal) bool {
	switch sig {
	case syscall.SIGCHLD, syscall.SIGCONT, syscall.SIGSTOP, syscall.SIGTSTP, syscall.SIGTTIN,
		syscall.SIGTTOU, syscall.SIGURG, syscall.SIGWINCH:
		return false
	}
	return sig > 0
}

// dumpsCore reports whether sig's default action dumps core.
func dumpsCore(sig syscall.Signal) bool {
	switch sig {
	case syscall.SIGQUIT, syscall.SIGILL, syscall.SIGTRAP, syscall.SIGABRT, syscall.SIGBUS,
		syscall.SIGFPE, syscall.SIGSEGV, syscall.SIGSYS, syscall.SIGXCPU, syscall.SIGXFSZ:
		return true
	}
	return false
}
