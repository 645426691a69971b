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

// childReaper reaps nothing outside Linux.
type childReaper struct{}

func startReaper(int) *childReaper { return nil }
func (*childReaper) childReaped()  {}
func (*childReaper) stop()         {}
