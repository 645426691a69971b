//go:build unix && !linux

package inject

import (
	"os"
	"os/exec"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
)

// setParentDeathSignal does nothing: only Linux has a parent-death signal.
func setParentDeathSignal(*syscall.SysProcAttr) {}

// startChild starts cmd: without a parent-death signal, the forking thread does not matter.
func startChild(cmd *exec.Cmd) error { return cmd.Start() }

func openPTY() (master, slave *os.File, err error) { return pty.Open() }

// setDefaultAction cannot take the Go runtime's handler off a signal outside Linux.
func setDefaultAction(syscall.Signal) bool { return false }

// raiseOnThisThread sends sig to the process.
func raiseOnThisThread(sig syscall.Signal) { _ = syscall.Kill(os.Getpid(), sig) }

// forbidCoreDump relies on RLIMIT_CORE alone outside Linux.
func forbidCoreDump() {}

// parentOf knows the parent of secretrun itself only.
func parentOf(pid int) (int, bool) {
	if pid == os.Getpid() {
		return os.Getppid(), true
	}
	return 0, false
}

// ignoresSignal cannot tell outside Linux.
func ignoresSignal(int, syscall.Signal) bool { return false }

// childReaper reaps nothing outside Linux.
type childReaper struct{}

func startReaper() *childReaper { return nil }

// spawn runs start.
func (*childReaper) spawn(start func() (int, error)) error { _, err := start(); return err }
func (*childReaper) childReaped()                          {}
func (*childReaper) stop()                                 {}
