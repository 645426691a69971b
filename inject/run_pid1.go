//go:build linux

package inject

import (
	"encoding/binary"
	"errors"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// childReaper reaps the zombies re-parented to secretrun when it is PID 1 (a container's
// ENTRYPOINT), without ever taking the exit status of the direct child away from exec.Cmd.Wait.
//
// A plain wait4(-1) loop would race with Wait for the direct child. Instead the reaper peeks
// with waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT), which leaves the zombie in place, and reaps
// only the pid it saw, by pid, and only if that pid is not the direct child. When the peek
// shows the direct child, the reaper leaves it to Wait and sweeps again once Wait has
// collected it (childReaped). Only the reaper and Wait wait for children in secretrun.
type childReaper struct {
	direct  int
	reaped  atomic.Bool
	sigCh   chan os.Signal
	trigger chan struct{}
	done    chan struct{}
	exited  chan struct{}
	once    sync.Once
}

// startReaper starts reaping when secretrun is PID 1 and returns nil otherwise. It must be
// called after the direct child has started, with its pid.
func startReaper(direct int) *childReaper {
	if os.Getpid() != 1 {
		return nil
	}
	rp := &childReaper{
		direct:  direct,
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

// childReaped tells the reaper that Wait has collected the direct child.
func (rp *childReaper) childReaped() {
	if rp == nil {
		return
	}
	rp.reaped.Store(true)
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
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return // ECHILD: no children at all
		}
		pid := siginfoPid(&info)
		if pid == 0 {
			return // children, but no zombie
		}
		if pid == rp.direct && !rp.reaped.Load() {
			return // exec.Cmd.Wait collects it; childReaped triggers the next sweep
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
	}
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
