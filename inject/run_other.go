//go:build unix && !linux

package inject

import (
	"os"
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

func openPTY() (master, slave *os.File, err error) { return pty.Open() }

// childReaper reaps nothing outside Linux.
type childReaper struct{}

func startReaper(int) *childReaper { return nil }
func (*childReaper) childReaped()  {}
func (*childReaper) stop()         {}
