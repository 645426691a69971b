//go:build linux

package inject

import (
	"encoding/binary"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// childReaper reaps the zombies re-parented to secretrun when it is PID 1 (a container's
// ENTRYPOINT), for the whole session, without ever taking the exit status of a direct child
// away from exec.Cmd.Wait.
//
// A plain wait4(-1) loop would race with Wait for the direct child. Instead the reaper peeks
// with waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT), which leaves the zombie in place, and reaps
// only the pid it saw, by pid, and only if that pid is not the current direct child. When the
// peek shows the direct child, the reaper leaves it to Wait and sweeps again once Wait has
// collected it (childReaped). Only the reaper and Wait wait for children in secretrun.
//
// Across children: a sweep and the start of a child exclude each other (spawn), so that a
// child that dies at once is never taken for an orphan before the reaper knows its pid.
type childReaper struct {
	mu     sync.Mutex // held by each peek-and-reap, and across a child's fork and exec
	direct int        // the current direct child; 0 before the first
	reaped bool       // Wait has collected direct

	sigCh   chan os.Signal
	trigger chan struct{}
	done    chan struct{}
	exited  chan struct{}
	once    sync.Once
}

// startReaper starts reaping when secretrun is PID 1 and returns nil otherwise.
func startReaper() *childReaper {
	if os.Getpid() != 1 {
		return nil
	}
	rp := &childReaper{
		reaped:  true,
		sigCh:   make(chan os.Signal, 1),
		trigger: make(chan struct{}, 1),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
	}
	signal.Notify(rp.sigCh, syscall.SIGCHLD) // listened to, never forwarded
	go func() {
		defer close(rp.exited)
		for {
			rp.sweep()
			select {
			case <-rp.sigCh:
			case <-rp.trigger:
			case <-rp.done:
				rp.sweep()
				return
			}
		}
	}()
	return rp
}

// spawn runs start, which starts a direct child and returns its pid, with sweeps held off;
// on a nil reaper it just runs start.
func (rp *childReaper) spawn(start func() (int, error)) error {
	if rp == nil {
		_, err := start()
		return err
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	pid, err := start()
	if err == nil {
		rp.direct, rp.reaped = pid, false
	}
	return err
}

// childReaped tells the reaper that Wait has collected the direct child.
func (rp *childReaper) childReaped() {
	if rp == nil {
		return
	}
	rp.mu.Lock()
	rp.reaped = true
	rp.mu.Unlock()
	select {
	case rp.trigger <- struct{}{}:
	default:
	}
}

// stop does a last sweep and stops the reaper.
func (rp *childReaper) stop() {
	if rp == nil {
		return
	}
	rp.once.Do(func() {
		close(rp.done)
		<-rp.exited
		signal.Stop(rp.sigCh)
	})
}

// sweep reaps every zombie child except an unreaped direct child.
func (rp *childReaper) sweep() {
	for rp.reapOne() {
	}
}

// reapOne reaps one zombie that is not the unreaped direct child, and reports whether it did
// (or was interrupted and should look again).
func (rp *childReaper) reapOne() bool {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if errors.Is(err, unix.EINTR) {
		return true
	}
	if err != nil {
		return false // ECHILD: no children at all
	}
	pid := siginfoPid(&info)
	if pid == 0 {
		return false // children, but no zombie
	}
	if pid == rp.direct && !rp.reaped {
		return false // exec.Cmd.Wait collects it; childReaped triggers the next sweep
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); err != nil && !errors.Is(err, unix.EINTR) {
		return false
	}
	return true
}

// siginfoPid reads si_pid from a siginfo filled in by waitid: the union after si_signo,
// si_errno and si_code starts at offset 16 on 64-bit Linux and 12 on 32-bit.
func siginfoPid(info *unix.Siginfo) int {
	b := (*[unsafe.Sizeof(unix.Siginfo{})]byte)(unsafe.Pointer(info))
	off := 12
	if unsafe.Sizeof(uintptr(0)) == 8 {
		off = 16
	}
	return int(int32(binary.NativeEndian.Uint32(b[off : off+4])))
}
