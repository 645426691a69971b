//go:build linux

package inject

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
)

// setParentDeathSignal makes the kernel SIGKILL the child if secretrun dies (even of SIGKILL),
// so the child never runs on with secrets and no supervisor. The signal fires when the thread
// that forked the child exits; startChild takes care of that.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}

// startChild starts cmd from a fresh goroutine locked to its OS thread. On Linux the
// parent-death signal fires when the thread that forked the child exits, not the process; a
// fresh goroutine is never one a caller has locked to a thread that dies with it, and after
// UnlockOSThread its thread returns to the runtime's pool, which does not end idle threads.
func startChild(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		errc <- cmd.Start()
	}()
	return <-errc
}

// openPTY allocates a pseudo-terminal. The master is opened non-blocking so that it is
// managed by Go's poller: Close then interrupts a pending Read, which creack/pty's Open (it
// calls Fd, which makes the file blocking) cannot guarantee.
func openPTY() (master, slave *os.File, err error) {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	n, err := unix.IoctlGetUint32(mfd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0)
	}
	if err != nil {
		_ = unix.Close(mfd)
		return nil, nil, fmt.Errorf("unlock pseudo-terminal: %w", err)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	sfd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		_ = unix.Close(mfd)
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	return os.NewFile(uintptr(mfd), "/dev/ptmx"), os.NewFile(uintptr(sfd), name), nil
}
