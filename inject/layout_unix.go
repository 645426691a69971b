//go:build unix

package inject

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals are relayed to the child. Never SIGURG (the Go runtime's preemption signal)
// nor SIGCHLD.
var forwardedSignals = []os.Signal{
	syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2,
}

// groupMode says which process group the child is in.
type groupMode int

const (
	// groupOwn: the child leads a new process group (pipe mode, secretrun not in the foreground
	// of a terminal: CI, cron, Docker, a background job).
	groupOwn groupMode = iota
	// groupShared: the child stays in secretrun's process group (pipe mode while secretrun is in
	// the foreground of its controlling terminal), so it can read the terminal, the terminal
	// delivers Ctrl-C / Ctrl-\ / Ctrl-Z to it directly and job control works unchanged.
	groupShared
	// groupSession: the child leads a new session whose controlling terminal is its
	// pseudo-terminal (pty mode).
	groupSession
)

// layout is the stream plan of a session, the same for each of its children (the matrix of
// PROCESS.md).
type layout struct {
	ptyOut, ptyErr, ptyIn bool
	group                 groupMode
}

func planLayout(s Streams, mode PTYMode) layout {
	var l layout
	switch mode {
	case PTYAlways:
		l.ptyOut = true
	case PTYNever:
	default:
		l.ptyOut = s.OutTTY
	}
	// One pseudo-terminal for stdout and stderr only when both go to a terminal (the same one,
	// as far as anyone can tell): its output goes to Out.
	l.ptyErr = l.ptyOut && s.OutTTY && s.ErrTTY
	// stdin is relayed through the pseudo-terminal only when all three are terminals; otherwise
	// it is inherited as is, so a pipe's EOF still arrives.
	l.ptyIn = l.ptyErr && s.InTTY && s.InFile != nil
	switch {
	case l.ptyOut:
		l.group = groupSession
	case inForeground(s):
		l.group = groupShared
	default:
		l.group = groupOwn
	}
	return l
}

// inForeground reports whether secretrun's process group is the foreground process group of
// its controlling terminal: one of its streams, or /dev/tty when none of them is a terminal
// (`secretrun -- cmd <in >out 2>err` typed at a shell: the child must still be able to open
// /dev/tty for a password prompt without being stopped by SIGTTIN).
func inForeground(s Streams) bool {
	in, out, errf := s.ttyFiles()
	for _, f := range [...]*os.File{in, out, errf} {
		if f == nil {
			continue
		}
		fg := false
		_ = withFd(f, func(fd int) error { fg = isForeground(fd); return nil })
		if fg {
			return true
		}
	}
	fd, err := unix.Open("/dev/tty", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false // no controlling terminal
	}
	defer unix.Close(fd)
	return isForeground(fd)
}

// isForeground reports whether fd is secretrun's controlling terminal with secretrun's process
// group in the foreground.
func isForeground(fd int) bool {
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}

// ttyFiles returns secretrun's stdin, stdout and stderr files, each nil unless it is a terminal.
func (s Streams) ttyFiles() (in, out, errf *os.File) {
	tty := func(f *os.File, isTTY bool) *os.File {
		if isTTY {
			return f
		}
		return nil
	}
	return tty(s.InFile, s.InTTY), tty(s.OutFile, s.OutTTY), tty(s.ErrFile, s.ErrTTY)
}

// withFd runs fn with f's descriptor without calling f.Fd (which would switch a pollable file
// to blocking mode for good).
func withFd(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
