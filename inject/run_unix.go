//go:build unix

package inject

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

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

// layout is the stream plan for one run (the matrix of PROCESS.md).
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

// runner is the state of one Run.
type runner struct {
	spec   Spec
	grace  time.Duration
	layout layout

	cmd *exec.Cmd

	mu       sync.Mutex // guards exited, termSent, killTmr
	exited   bool       // the child has been reaped: never signal its pid again
	termSent bool
	killTmr  *time.Timer

	term  *outerTerm     // pty mode: the outer terminal and the pseudo-terminal; nil in pipe mode
	sigCh chan os.Signal // the signals the runner handles arrive here
}

func runChild(ctx context.Context, spec Spec) (Exit, error) {
	path, rerr := lookPathIn(spec.Args[0], spec.Env, spec.Dir)
	if rerr != nil {
		return Exit{Status: rerr.Status}, rerr
	}
	if spec.Dir != "" {
		if fi, err := os.Stat(spec.Dir); err != nil || !fi.IsDir() {
			return Exit{Status: StatusFailure}, &RunError{Command: spec.Args[0], Status: StatusFailure,
				Err: fmt.Errorf("working directory %s: not a directory", spec.Dir)}
		}
	}
	r := &runner{spec: spec, grace: spec.Grace}
	if r.grace <= 0 {
		r.grace = DefaultGrace
	}
	r.layout = planLayout(spec.Streams, spec.PTY)

	// The outer terminal is restored on every exit path, panics included (deferred calls run
	// while a panic unwinds this goroutine; the runner's other goroutines use panicGuard).
	defer r.restoreTerminal()
	return r.run(ctx, path)
}

func (r *runner) wrap(name string, dst io.Writer, tty bool) io.WriteCloser {
	if dst == nil {
		dst = io.Discard
	}
	if r.spec.Wrap == nil {
		return nopWriteCloser{dst}
	}
	return r.spec.Wrap(name, dst, tty)
}

func (r *runner) fail(status int, err error) (Exit, error) {
	return Exit{Status: status}, &RunError{Command: r.spec.Args[0], Status: status, Err: err}
}

func (r *runner) run(ctx context.Context, path string) (Exit, error) {
	s := r.spec.Streams
	l := r.layout

	// Signals first, so none arriving while the child starts is lost or kills secretrun. Every
	// forwarded signal is caught, also one that secretrun was started with ignored (nohup,
	// `cmd &` in a script): it is still forwarded, and startIgnoring makes the child start with
	// it ignored all the same.
	sigs := append([]os.Signal{syscall.SIGPIPE}, forwardedSignals...)
	if l.group == groupSession {
		sigs = append(sigs, syscall.SIGWINCH, syscall.SIGTSTP, syscall.SIGCONT)
	}
	sigCh := make(chan os.Signal, 16)
	r.sigCh = sigCh
	signal.Notify(sigCh, sigs...)
	defer signal.Stop(sigCh)

	cmd := exec.CommandContext(ctx, path)
	cmd.Args = r.spec.Args
	cmd.Env = r.spec.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Dir = r.spec.Dir
	cmd.ExtraFiles = r.spec.ExtraFiles
	cmd.Cancel = func() error { r.terminate(false); return nil }
	// Cmd kills the child and closes the pipes this long after ctx is done, and closes the
	// pipes this long after the child exited if a descendant still holds them open.
	cmd.WaitDelay = r.grace + time.Second
	attr := &syscall.SysProcAttr{}
	setParentDeathSignal(attr)
	cmd.SysProcAttr = attr
	r.cmd = cmd

	var (
		outW, errW, ptyW io.WriteCloser
		closeAfterStart  []*os.File
		stdinW           *os.File // our stdin pipe's write end when In is not a file, until its copy starts
	)
	defer func() {
		for _, f := range closeAfterStart {
			_ = f.Close()
		}
		if stdinW != nil { // the child never started: nobody else will close it
			_ = stdinW.Close()
		}
	}()

	// stdin
	switch {
	case l.ptyIn:
		// set up below with the pseudo-terminal
	case s.InFile != nil:
		cmd.Stdin = s.InFile
	case s.In != nil:
		// Our own pipe rather than exec.Cmd's: a Read on s.In that never returns must not
		// keep Wait from returning.
		pr, pw, err := os.Pipe()
		if err != nil {
			return r.fail(StatusFailure, fmt.Errorf("stdin pipe: %w", err))
		}
		cmd.Stdin = pr
		closeAfterStart = append(closeAfterStart, pr)
		stdinW = pw
	}

	if l.ptyOut {
		t, err := openOuterTerm(s, l)
		if err != nil {
			return r.fail(StatusFailure, fmt.Errorf("pseudo-terminal: %w", err))
		}
		r.term = t
		defer t.closeMaster()
		closeAfterStart = append(closeAfterStart, t.slave)
		ptyW = r.wrap("pty", s.Out, s.OutTTY)
		if l.ptyIn {
			cmd.Stdin = t.slave
			attr.Ctty = 0
		} else {
			attr.Ctty = 1
		}
		cmd.Stdout = t.slave
		attr.Setsid, attr.Setctty = true, true
	} else {
		outW = r.wrap("stdout", s.Out, s.OutTTY)
		cmd.Stdout = outW
	}
	if l.ptyErr {
		cmd.Stderr = r.term.slave
	} else {
		errW = r.wrap("stderr", s.Err, s.ErrTTY)
		cmd.Stderr = errW
	}
	if l.group == groupOwn {
		attr.Setpgid = true
	}
	closeWriters := func() {
		for _, w := range []io.WriteCloser{ptyW, outW, errW} {
			if w != nil {
				_ = w.Close()
			}
		}
	}

	if r.term != nil && l.ptyIn {
		if err := r.term.makeRaw(); err != nil {
			closeWriters()
			return r.fail(StatusFailure, fmt.Errorf("terminal raw mode: %w", err))
		}
	}

	if err := r.startIgnoring(cmd); err != nil {
		closeWriters()
		return r.startError(err)
	}
	pid := cmd.Process.Pid
	for _, f := range closeAfterStart {
		_ = f.Close()
	}
	closeAfterStart = nil
	if pw := stdinW; pw != nil {
		stdinW = nil
		go func() {
			defer r.panicGuard()
			_, _ = io.Copy(pw, s.In)
			_ = pw.Close()
		}()
	}

	reaper := startReaper(pid)
	if r.spec.Started != nil {
		r.spec.Started(pid)
	}

	var ptyDone chan struct{}
	if r.term != nil {
		ptyDone = make(chan struct{})
		go func() {
			defer close(ptyDone)
			defer r.panicGuard()
			r.term.copyOutput(ptyW)
		}()
		if l.ptyIn {
			r.term.startRelay(r)
		}
	}

	sigDone := make(chan struct{})
	sigStopped := make(chan struct{})
	go func() {
		defer close(sigStopped)
		defer r.panicGuard()
		for {
			select {
			case sig := <-sigCh:
				r.handleSignal(sig.(syscall.Signal))
			case <-sigDone:
				return
			}
		}
	}()

	_ = cmd.Wait() // the status comes from ProcessState; errors are copy errors, ctx, WaitDelay
	r.mu.Lock()
	r.exited = true
	if r.killTmr != nil {
		r.killTmr.Stop()
	}
	r.mu.Unlock()
	close(sigDone)
	<-sigStopped
	reaper.childReaped()

	if r.term != nil {
		r.term.stopRelay()
		select {
		case <-ptyDone:
		case <-time.After(cmd.WaitDelay):
			// A descendant holds the pseudo-terminal open: stop reading.
		}
		r.term.closeMaster()
		<-ptyDone
		r.term.waitRelay()
		r.term.restoreFinal()
	}
	closeWriters()
	reaper.stop()

	ps := cmd.ProcessState
	if ps == nil {
		return r.fail(StatusFailure, errors.New("lost the child's exit status"))
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok {
		return Exit{Status: ps.ExitCode()}, nil
	}
	return exitFromWait(ws.Exited(), ws.ExitStatus(), ws.Signaled(), ws.Signal()), nil
}

// startIgnoring starts the child so that it begins with every forwarded signal secretrun was
// started with ignored still ignored, although secretrun catches it to forward it: exec resets
// a caught signal to its default action but keeps an ignored one ignored, so for the length of
// the fork and exec (Start returns once the exec succeeded) those signals are ignored, and caught
// again right after. A signal sent to secretrun in that window is dropped, as the child would
// drop it at that moment without secretrun: it has not started, or not yet replaced the ignore.
func (r *runner) startIgnoring(cmd *exec.Cmd) error {
	keep := startIgnoredForwarded()
	if len(keep) == 0 {
		return startChild(cmd)
	}
	signal.Ignore(keep...)
	defer signal.Notify(r.sigCh, keep...)
	return startChild(cmd)
}

// startError maps a failed exec to 126/127/125.
func (r *runner) startError(err error) (Exit, error) {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ENOENT:
			return r.fail(StatusNotExecutable, fmt.Errorf("%w: %v (a missing interpreter or loader?)", ErrCommandNotExecutable, errno))
		case syscall.EACCES, syscall.ENOEXEC, syscall.EISDIR, syscall.ETXTBSY, syscall.ELOOP, syscall.EPERM, syscall.ENOTDIR:
			return r.fail(StatusNotExecutable, fmt.Errorf("%w: %v", ErrCommandNotExecutable, errno))
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return r.fail(StatusFailure, fmt.Errorf("cancelled before the command started: %w", err))
	}
	return r.fail(StatusFailure, err)
}

// handleSignal is called for every signal secretrun receives while the child runs.
func (r *runner) handleSignal(sig syscall.Signal) {
	switch sig {
	case syscall.SIGPIPE:
		// Caught only so that a write to a closed stdout returns EPIPE instead of killing
		// secretrun; the copy then stops and the child gets EPIPE/SIGPIPE itself.
	case syscall.SIGWINCH:
		r.term.resize()
	case syscall.SIGTSTP:
		r.suspend()
	case syscall.SIGCONT:
		r.term.resumed()
	case syscall.SIGTERM:
		r.terminate(true)
	case syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP:
		if r.layout.group == groupShared {
			// The child is in secretrun's foreground process group: the terminal (Ctrl-C,
			// Ctrl-\, hangup) or the shell already delivered this signal to it.
			return
		}
		r.signalChild(sig)
	default:
		r.signalChild(sig)
	}
}

// signalChild forwards sig to the child: its pid, as `kill <pid>` would reach it without
// secretrun, or its whole process group with Spec.SignalGroup (where the child has a group of
// its own).
func (r *runner) signalChild(sig syscall.Signal) { r.signal(sig, r.spec.SignalGroup) }

// signal sends sig to the child's pid, or to its process group when group is set and the
// child does not share secretrun's. It never signals a pid that has been reaped.
func (r *runner) signal(sig syscall.Signal, group bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.exited || r.cmd == nil || r.cmd.Process == nil {
		return
	}
	// cmd.Process is set by Start before exec.Cmd's context goroutine (which calls Cancel)
	// and before any of ours start.
	pid := r.cmd.Process.Pid
	if group && r.layout.group != groupShared {
		if err := syscall.Kill(-pid, sig); err == nil {
			return
		}
	}
	_ = syscall.Kill(pid, sig)
}

// terminate sends the child SIGTERM, then SIGKILL after the grace period. A forwarded SIGTERM
// is always sent, once per signal received; a cancellation (exec.Cmd.Cancel) sends none if a
// SIGTERM was already sent.
func (r *runner) terminate(forwarded bool) {
	r.mu.Lock()
	send := forwarded || !r.termSent
	r.termSent = true
	r.mu.Unlock()
	if send {
		r.signalChild(syscall.SIGTERM)
	}
	r.armKill()
}

func (r *runner) armKill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.killTmr != nil || r.exited {
		return
	}
	r.killTmr = time.AfterFunc(r.grace, func() { r.signalChild(syscall.SIGKILL) })
}

// suspend stops the child's process group and secretrun together (Ctrl-Z in pty mode, or a
// SIGTSTP sent to secretrun), and on continuation puts the terminal back and continues the
// child. The child's group gets SIGSTOP: the kernel drops a SIGTSTP sent to it, as its parent
// (secretrun) is in another session, which makes the group orphaned. secretrun stops by
// SIGTSTP, so that the shell reports the job "Stopped" with $? 148 as for the bare command.
func (r *runner) suspend() {
	if r.term == nil || !r.term.canSuspend {
		return
	}
	r.term.suspendMu.Lock()
	defer r.term.suspendMu.Unlock()
	r.signal(syscall.SIGSTOP, true)
	r.term.restore()
	// kill returns before the stop necessarily took effect (another thread may take the
	// group stop), so wait for the SIGCONT that ends it.
	cont := make(chan os.Signal, 1)
	signal.Notify(cont, syscall.SIGCONT)
	if stopSelf(r.sigCh) {
		<-cont
	}
	signal.Stop(cont)
	// Continued (fg or bg).
	r.term.resumed()
	r.signal(syscall.SIGCONT, true)
}

// stopSelf stops secretrun with SIGTSTP at its default action, and reports whether the signal
// was sent. sigCh, which catches SIGTSTP, catches it again once secretrun continues. Where the
// default action cannot be restored under the Go runtime, secretrun stops by SIGSTOP.
func stopSelf(sigCh chan<- os.Signal) bool {
	// Ignore first: Go then forgets its own handler, so that Notify installs it again after.
	signal.Ignore(syscall.SIGTSTP)
	defer signal.Notify(sigCh, syscall.SIGTSTP)
	if setDefaultAction(syscall.SIGTSTP) {
		return syscall.Kill(os.Getpid(), syscall.SIGTSTP) == nil
	}
	return syscall.Kill(os.Getpid(), syscall.SIGSTOP) == nil
}

func (r *runner) restoreTerminal() {
	if r.term != nil {
		r.term.restoreFinal()
	}
}

// panicGuard is deferred by every goroutine of the runner: a panic there would end the process
// without running Run's defers, so the terminal is restored first.
func (r *runner) panicGuard() {
	if p := recover(); p != nil {
		r.restoreTerminal()
		panic(p)
	}
}
