//go:build unix

package inject

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// childPTY is one child's pseudo-terminal: a new one per child, so that a child starts with
// the user's settings and not what the last one left (echo off, raw mode), the end of a
// child's output is the hangup of its own terminal, and what the old child's descendants still
// write never mixes into the new child's output.
type childPTY struct {
	outer         *outerTerm
	master, slave *os.File
	closeOnce     sync.Once
	slaveOnce     sync.Once
	copyDone      chan struct{}

	wakeR, wakeW *os.File
	relayDone    chan struct{}
}

// newPTY allocates a child's pseudo-terminal with the user's settings and window size.
func (t *outerTerm) newPTY() (*childPTY, error) {
	master, slave, err := openPTY()
	if err != nil {
		return nil, err
	}
	if t.tio != nil {
		_ = withFd(slave, func(fd int) error { return unix.IoctlSetTermios(fd, ioctlSetTermios, t.tio) })
	}
	t.resize(master)
	return &childPTY{outer: t, master: master, slave: slave}, nil
}

// startCopy starts copying the child's terminal output to w (the session's "pty" writer).
func (t *childPTY) startCopy(w io.Writer, guard func()) {
	t.copyDone = make(chan struct{})
	go func() {
		defer close(t.copyDone)
		defer guard()
		t.copyOutput(w)
	}()
}

// drain runs once the child was reaped: it stops the relay, reads what the child wrote until
// the pseudo-terminal hangs up (at most wait, if a descendant holds it open), and closes it.
// The next child's output is copied only after this: the writer gets the children in order.
func (t *childPTY) drain(wait time.Duration) {
	t.stopRelay()
	select {
	case <-t.copyDone:
	case <-time.After(wait):
		// A descendant holds the pseudo-terminal open: stop reading.
	}
	t.closeMaster()
	<-t.copyDone
	t.waitRelay()
}

// closeSlave closes secretrun's copy of the slave side once the child has its own.
func (t *childPTY) closeSlave() {
	t.slaveOnce.Do(func() { _ = t.slave.Close() })
}

// copyOutput copies the child's terminal output to w until the last holder of the
// pseudo-terminal's slave side closes it (EIO) or closeMaster is called. Bytes pass unchanged,
// including the \r\n the child's terminal produces. If w fails (EPIPE: secretrun's stdout was
// closed), the master is closed so the child gets a hangup, as it would on a closed terminal.
func (t *childPTY) copyOutput(w io.Writer) {
	buf := make([]byte, 32<<10)
	for {
		n, err := t.master.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				t.closeMaster()
				return
			}
		}
		if err != nil {
			return // EIO (the child side is closed), or the master was closed
		}
	}
}

func (t *childPTY) closeMaster() {
	t.closeOnce.Do(func() { _ = t.master.Close() })
}

// startRelay copies what the user types on the outer terminal to the pseudo-terminal, where
// the child's terminal settings apply: Ctrl-C reaches the child's foreground process group as
// the byte 0x03 and the terminal makes one SIGINT of it. Ctrl-Z (the child terminal's VSUSP
// character while it has ISIG) goes on to the pseudo-terminal when a job there can take it (a
// shell's job in the foreground, or a program that ignores it); otherwise it suspends the child
// and secretrun together (see suspendsHere).
func (t *childPTY) startRelay(c *child) {
	var err error
	t.wakeR, t.wakeW, err = os.Pipe()
	if err != nil {
		return
	}
	t.relayDone = make(chan struct{})
	go func() {
		defer close(t.relayDone)
		defer c.s.panicGuard()
		t.relay(c)
	}()
}

func (t *childPTY) relay(c *child) {
	inFd, wakeFd := -1, -1
	_ = withFd(t.outer.in, func(fd int) error { inFd = fd; return nil })
	_ = withFd(t.wakeR, func(fd int) error { wakeFd = fd; return nil })
	if inFd < 0 || wakeFd < 0 {
		return
	}
	buf := make([]byte, 4096)
	fds := []unix.PollFd{{Fd: int32(inFd), Events: unix.POLLIN}, {Fd: int32(wakeFd), Events: unix.POLLIN}}
	for {
		// poll first, so that no byte is consumed from the terminal after the child ended.
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if fds[0].Revents == 0 {
			continue
		}
		n, err := unix.Read(inFd, buf)
		if err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				continue
			}
			return // EIO: the terminal is gone
		}
		if n == 0 {
			return
		}
		if !t.forwardInput(c, buf[:n]) {
			return
		}
	}
}

// forwardInput writes p to the pseudo-terminal, turning the suspend character into a suspend
// where suspendsHere says so.
func (t *childPTY) forwardInput(c *child, p []byte) bool {
	noteSignalKeys(t.master, p)
	for len(p) > 0 {
		i := -1
		if sc, ok := t.suspendChar(); ok {
			i = bytes.IndexByte(p, sc)
		}
		if i >= 0 && !t.suspendsHere(c) {
			i = -1 // relayed: the terminal makes a SIGTSTP for its foreground job of it
		}
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if len(chunk) > 0 {
			if _, err := t.master.Write(chunk); err != nil {
				return false
			}
		}
		if i < 0 {
			return true
		}
		c.s.suspend()
		p = p[i+1:]
	}
	return true
}

// typedKey holds the signal whose key (the child terminal's VINTR or VQUIT character, with
// ISIG on) was last relayed to a child's pseudo-terminal, or 0. Bare, the outer terminal
// would have sent that signal to the whole foreground process group, the shell running a
// script included; in pty mode the outer terminal is raw and only the child gets it, so
// DieOfSignal sends it on to secretrun's process group when the child died of it.
var typedKey atomic.Int32

// noteSignalKeys records in typedKey the signal of an interrupt or quit key in p, as the
// pseudo-terminal master's settings say.
func noteSignalKeys(master *os.File, p []byte) {
	tio, err := getTermios(master)
	if err != nil || tio.Lflag&unix.ISIG == 0 {
		return
	}
	for _, k := range [...]struct {
		cc  int
		sig syscall.Signal
	}{{unix.VINTR, syscall.SIGINT}, {unix.VQUIT, syscall.SIGQUIT}} {
		if ch := tio.Cc[k.cc]; ch != 0 && bytes.IndexByte(p, ch) >= 0 { // 0 is _POSIX_VDISABLE
			typedKey.Store(int32(k.sig))
		}
	}
}

// suspendChar returns the child terminal's VSUSP character when its ISIG is on and secretrun
// can suspend.
func (t *childPTY) suspendChar() (byte, bool) {
	if !t.outer.canSuspend {
		return 0, false
	}
	tio, err := getTermios(t.master)
	if err != nil {
		return 0, false
	}
	sc := tio.Cc[unix.VSUSP]
	return sc, tio.Lflag&unix.ISIG != 0 && sc != 0 // 0 is _POSIX_VDISABLE
}

// suspendsHere decides who takes a Ctrl-Z typed while the child runs. The child leads its
// pseudo-terminal's session, and its process group is orphaned (its parent, secretrun, is in
// another session), so the kernel would drop the SIGTSTP the pseudo-terminal makes of Ctrl-Z
// for that group: secretrun suspends the child and itself instead, as the user's shell would
// stop the bare command. But when the child is a job-control shell with one of its own jobs in
// the foreground (`secretrun -- bash`, then `make`), that job's group is not orphaned and the
// inner shell stops it and says so: the key is relayed. It is relayed too when the child
// ignores SIGTSTP (an interactive shell at its prompt), where Ctrl-Z does nothing bare.
func (t *childPTY) suspendsHere(c *child) bool {
	child := c.pid
	fg := 0
	if err := withFd(t.master, func(fd int) (err error) {
		fg, err = unix.IoctlGetInt(fd, unix.TIOCGPGRP)
		return err
	}); err != nil {
		return true
	}
	if fg != child {
		return false // a job of the child's own in the foreground
	}
	return !ignoresSignal(child, unix.SIGTSTP)
}

// stopRelay asks the relay to stop; waitRelay waits until it has.
func (t *childPTY) stopRelay() {
	if t.wakeW != nil {
		_, _ = t.wakeW.Write([]byte{0})
	}
}

func (t *childPTY) waitRelay() {
	if t.relayDone != nil {
		<-t.relayDone
		_ = t.wakeR.Close()
		_ = t.wakeW.Close()
	}
}
