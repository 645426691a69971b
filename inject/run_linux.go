//go:build linux

package inject

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

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

// setDefaultAction sets sig's action to the default behind the Go runtime's back (the runtime
// would keep its own handler, which for most signals does nothing or prints a stack dump). A
// zeroed kernel sigaction is SIG_DFL with no flags and an empty mask, whatever the
// architecture's layout.
func setDefaultAction(sig syscall.Signal) bool {
	var act [4]uint64 // at least sizeof(struct sigaction) of the kernel
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(&act)), 0, 8 /* sizeof(sigset_t) */, 0, 0)
	return errno == 0
}

// raiseOnThisThread unblocks sig on the calling thread (locked by the caller) and sends it
// there, so that it is delivered before the call returns.
func raiseOnThisThread(sig syscall.Signal) {
	var set unix.Sigset_t
	set.Val[(sig-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	_ = unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)
	_ = unix.Tgkill(os.Getpid(), unix.Gettid(), sig)
}

// forbidCoreDump makes the process non-dumpable: no core file, even through a core_pattern
// pipe (systemd-coredump, apport), which RLIMIT_CORE does not stop.
func forbidCoreDump() { _ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }

// parentOf returns the parent pid of pid, from /proc.
func parentOf(pid int) (int, bool) {
	f := procStatFields(pid)
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// procStatFields returns the fields of /proc/PID/stat after the command name (state, ppid, ...).
func procStatFields(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// ignoresSignal reports whether process pid has sig ignored (SigIgn in /proc/PID/status).
func ignoresSignal(pid int, sig syscall.Signal) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if hex, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			return err == nil && mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return false
}
