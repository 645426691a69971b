//go:build unix

package inject

import (
	"cmp"
	"os"
	"sync"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// outerTerm is secretrun's own ("outer") terminal in pty mode, for the whole session: the
// settings and size each child's pseudo-terminal copies, and its raw mode while stdin is
// relayed, which lasts across children until Close.
type outerTerm struct {
	in       *os.File      // the outer terminal stdin is relayed from; nil unless stdin is relayed
	sizeFrom *os.File      // the outer terminal the window size is copied from; may be nil
	tio      *unix.Termios // the user's settings, read before raw mode; nil if unreadable

	mu      sync.Mutex // guards saved, raw, wantRaw
	saved   *term.State
	raw     bool // the outer terminal is in raw mode now
	wantRaw bool // it should be while the session runs (false once it is closing)

	// canSuspend is false when secretrun cannot be stopped by SIGTSTP (canStopSelf): as PID 1,
	// or with no job-control shell above it. There Ctrl-Z goes to the child's terminal like any
	// other key, and SIGTSTP does nothing.
	canSuspend bool
	suspendMu  sync.Mutex // one Ctrl-Z at a time
}

// newOuterTerm reads the outer terminal's settings, before anything puts it in raw mode.
func newOuterTerm(s Streams, l layout) *outerTerm {
	t := &outerTerm{canSuspend: canStopSelf()}
	if l.ptyIn {
		t.in = s.InFile
	}
	in, out, errf := s.ttyFiles()
	t.sizeFrom = cmp.Or(out, in, errf)
	// The user's terminal settings (erase and interrupt characters, iutf8, ...) are what each
	// child's pseudo-terminal starts with.
	if src := cmp.Or(in, out, errf); src != nil {
		if tio, err := getTermios(src); err == nil {
			t.tio = tio
		}
	}
	return t
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

// resize copies the outer window size to a child's pseudo-terminal (its master); the kernel
// then sends SIGWINCH to the child's foreground process group if the size changed.
func (t *outerTerm) resize(master *os.File) {
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
	_ = withFd(master, func(fd int) error { return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws) })
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
// so raw mode is entered again. (The window may have changed size meanwhile: the caller
// resizes the child's pseudo-terminal.)
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
