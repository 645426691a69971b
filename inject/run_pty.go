//go:build unix

package inject

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// outerTerm is pty mode: the pseudo-terminal given to the child, and secretrun's own
// ("outer") terminal whose settings and size it copies and which is in raw mode while stdin is
// relayed.
type outerTerm struct {
	master, slave *os.File
	in            *os.File // the outer terminal stdin is relayed from; nil unless stdin is relayed
	sizeFrom      *os.File // the outer terminal the window size is copied from; may be nil

	mu      sync.Mutex // guards saved, raw, wantRaw
	saved   *term.State
	raw     bool // the outer terminal is in raw mode now
	wantRaw bool // it should be while the child runs (false once Run is finishing)

	// canSuspend is false when secretrun cannot be stopped by SIGTSTP (canStopSelf): as PID 1,
	// or with no job-control shell above it. There Ctrl-Z goes to the child's terminal like any
	// other key, and SIGTSTP does nothing.
	canSuspend bool
	suspendMu  sync.Mutex // one Ctrl-Z at a time
	closeOnce  sync.Once

	wakeR, wakeW *os.File
	relayDone    chan struct{}
}

func openOuterTerm(s Streams, l layout) (*outerTerm, error) {
	master, slave, err := openPTY()
	if err != nil {
		return nil, err
	}
	t := &outerTerm{master: master, slave: slave, canSuspend: canStopSelf()}
	if l.ptyIn {
		t.in = s.InFile
	}
	in, out, errf := s.ttyFiles()
	t.sizeFrom = cmp.Or(out, in, errf)
	// The user's terminal settings (erase and interrupt characters, iutf8, ...) are copied
	// before the outer terminal is put in raw mode.
	if src := cmp.Or(in, out, errf); src != nil {
		if tio, err := getTermios(src); err == nil {
			_ = withFd(slave, func(fd int) error { return unix.IoctlSetTermios(fd, ioctlSetTermios, tio) })
		}
	}
	t.resize()
	return t, nil
}

// getTermios returns the terminal settings of f.
func getTermios(f *os.File) (*unix.Termios, error) {
	var tio *unix.Termios
	err := withFd(f, func(fd int) (err error) {
		tio, err = unix.IoctlGetTermios(fd, ioctlGetTermios)
		return err
	})
	return tio, err
}

// resize copies the outer window size to the pseudo-terminal; the kernel then sends SIGWINCH
// to the child's foreground process group if the size changed.
func (t *outerTerm) resize() {
	if t == nil || t.sizeFrom == nil {
		return
	}
	var ws *unix.Winsize
	if err := withFd(t.sizeFrom, func(fd int) (err error) {
		ws, err = unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		return err
	}); err != nil {
		return
	}
	_ = withFd(t.master, func(fd int) error { return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws) })
}

func (t *outerTerm) makeRaw() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return withFd(t.in, func(fd int) error {
		st, err := term.MakeRaw(fd)
		if err != nil {
			return err
		}
		if t.saved == nil {
			t.saved = st
		}
		t.raw, t.wantRaw = true, true
		return nil
	})
}

// restore puts the outer terminal back as it was before raw mode (for a suspend; resumed
// re-enters raw mode).
func (t *outerTerm) restore() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.raw && t.saved != nil {
		_ = withFd(t.in, func(fd int) error { return term.Restore(fd, t.saved) })
		t.raw = false
	}
}

// restoreFinal restores the outer terminal for good.
func (t *outerTerm) restoreFinal() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.wantRaw = false
	t.mu.Unlock()
	t.restore()
}

// resumed runs after secretrun was continued (SIGCONT): the shell may have reset the terminal,
// so raw mode is entered again, and the window may have changed size meanwhile.
func (t *outerTerm) resumed() {
	if t == nil {
		return
	}
	t.mu.Lock()
	if t.wantRaw {
		_ = withFd(t.in, func(fd int) error {
			_, err := term.MakeRaw(fd)
			return err
		})
		t.raw = true
	}
	t.mu.Unlock()
	t.resize()
}

// copyOutput copies the child's terminal output to w until the last holder of the
// pseudo-terminal's slave side closes it (EIO) or closeMaster is called. Bytes pass unchanged,
// including the \r\n the child's terminal produces. If w fails (EPIPE: secretrun's stdout was
// closed), the master is closed so the child gets a hangup, as it would on a closed terminal.
func (t *outerTerm) copyOutput(w io.Writer) {
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

func (t *outerTerm) closeMaster() {
	t.closeOnce.Do(func() { _ = t.master.Close() })
}

// canStopSelf reports whether a SIGTSTP can stop secretrun: it is not PID 1 (the kernel ignores
// a stop signal a namespace's init sends itself), and its process group is not orphaned, that
// is, some process of the group has its parent in another group of the same session (the shell
// that controls the job; secretrun's parent, or the parent of the script that started it). The
// kernel drops SIGTSTP sent to an orphaned group, since nobody would continue it.
func canStopSelf() bool {
	pid := os.Getpid()
	if pid == 1 {
		return false
	}
	pgrp := unix.Getpgrp()
	sid, err := unix.Getsid(0)
	if err != nil {
		return true
	}
	for p := pid; ; {
		pp, ok := parentOf(p)
		if !ok {
			return true // cannot tell: assume a shell is there, as before
		}
		if pp <= 1 {
			return false
		}
		psid, err := unix.Getsid(pp)
		if err != nil || psid != sid {
			return false
		}
		ppg, err := unix.Getpgid(pp)
		if err != nil {
			return true
		}
		if ppg != pgrp {
			return true
		}
		p = pp
	}
}

// startRelay copies what the user types on the outer terminal to the pseudo-terminal, where
// the child's terminal settings apply: Ctrl-C reaches the child's foreground process group as
// the byte 0x03 and the terminal makes one SIGINT of it. Ctrl-Z (the child terminal's VSUSP
// character while it has ISIG) goes on to the pseudo-terminal when a job there can take it (a
// shell's job in the foreground, or a program that ignores it); otherwise it suspends the child
// and secretrun together (see suspendsHere).
func (t *outerTerm) startRelay(r *runner) {
	var err error
	t.wakeR, t.wakeW, err = os.Pipe()
	if err != nil {
		return
	}
	t.relayDone = make(chan struct{})
	go func() {
		defer close(t.relayDone)
		defer r.panicGuard()
		t.relay(r)
	}()
}

func (t *outerTerm) relay(r *runner) {
	inFd, wakeFd := -1, -1
	_ = withFd(t.in, func(fd int) error { inFd = fd; return nil })
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
		if !t.forwardInput(r, buf[:n]) {
			return
		}
	}
}

// forwardInput writes p to the pseudo-terminal, turning the suspend character into a suspend
// where suspendsHere says so.
func (t *outerTerm) forwardInput(r *runner, p []byte) bool {
	for len(p) > 0 {
		i := -1
		if c, ok := t.suspendChar(); ok {
			i = bytes.IndexByte(p, c)
		}
		if i >= 0 && !t.suspendsHere(r) {
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
		r.suspend()
		p = p[i+1:]
	}
	return true
}

// suspendChar returns the child terminal's VSUSP character when its ISIG is on and secretrun
// can suspend.
func (t *outerTerm) suspendChar() (byte, bool) {
	if !t.canSuspend {
		return 0, false
	}
	tio, err := getTermios(t.master)
	if err != nil {
		return 0, false
	}
	c := tio.Cc[unix.VSUSP]
	return c, tio.Lflag&unix.ISIG != 0 && c != 0 // 0 is _POSIX_VDISABLE
}

// suspendsHere decides who takes a Ctrl-Z typed while the child runs. The child leads its
// pseudo-terminal's session, and its process group is orphaned (its parent, secretrun, is in
// another session), so the kernel would drop the SIGTSTP the pseudo-terminal makes of Ctrl-Z
// for that group: secretrun suspends the child and itself instead, as the user's shell would
// stop the bare command. But when the child is a job-control shell with one of its own jobs in
// the foreground (`secretrun -- bash`, then `make`), that job's group is not orphaned and the
// inner shell stops it and says so: the key is relayed. It is relayed too when the child
// ignores SIGTSTP (an interactive shell at its prompt), where Ctrl-Z does nothing bare.
func (t *outerTerm) suspendsHere(r *runner) bool {
	child := r.cmd.Process.Pid
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
func (t *outerTerm) stopRelay() {
	if t.wakeW != nil {
		_, _ = t.wakeW.Write([]byte{0})
	}
}

func (t *outerTerm) waitRelay() {
	if t.relayDone != nil {
		<-t.relayDone
		_ = t.wakeR.Close()
		_ = t.wakeW.Close()
	}
}
