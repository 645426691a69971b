//go:build unix

package inject

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// child is what lives for one child: its process, its pipes or pseudo-terminal, its wait. The
// Session it runs in owns everything else.
type child struct {
	s   *Session
	cmd *exec.Cmd
	pid int       // cmd.Process.Pid, for the goroutines started after it
	pty *childPTY // pty mode: this child's pseudo-terminal; nil in pipe mode

	mu       sync.Mutex // guards exited, termSent, killTmr, over
	exited   bool       // reaped: never signal its pid again
	termSent bool
	killTmr  *time.Timer
	over     bool // exited and drained: the next child may start

	lost bool      // its exit status could not be read (set before exit delivers)
	exit chan Exit // delivers its Exit once (buffered)
	done chan struct{}
}

// startChild starts one child with env and files, wired to the session's data path. s.mu is
// held, so that a signal arriving meanwhile is handled once the child runs, and reaches it.
func (s *Session) startChild(env []string, files []*os.File) (*child, error) {
	path, rerr := lookPathIn(s.spec.Args[0], env, s.spec.Dir)
	if rerr != nil {
		return nil, rerr
	}
	if s.spec.Dir != "" {
		if fi, err := os.Stat(s.spec.Dir); err != nil || !fi.IsDir() {
			return nil, s.fail(StatusFailure, fmt.Errorf("working directory %s: not a directory", s.spec.Dir))
		}
	}
	if err := s.setUpDataPath(); err != nil {
		return nil, s.fail(StatusFailure, err)
	}
	c := &child{s: s, exit: make(chan Exit, 1), done: make(chan struct{})}
	l := s.layout

	cmd := exec.CommandContext(s.ctx, path)
	cmd.Args = s.spec.Args
	cmd.Env = env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Dir = s.spec.Dir
	cmd.ExtraFiles = files
	cmd.Cancel = func() error { c.terminate(false); return nil }
	// Cmd kills the child and closes the pipes this long after ctx is done, and closes the
	// pipes this long after the child exited if a descendant still holds them open.
	cmd.WaitDelay = s.grace + time.Second
	attr := &syscall.SysProcAttr{}
	setParentDeathSignal(attr)
	cmd.SysProcAttr = attr
	c.cmd = cmd

	// stdin: the terminal relayed through the pseudo-terminal (below), secretrun's own file,
	// or the session's shared pipe.
	if f := s.spec.Streams.InFile; f != nil && !l.ptyIn {
		cmd.Stdin = f
	} else if f := s.stdin.file(); f != nil {
		cmd.Stdin = f
	}
	if l.ptyOut {
		p, err := s.term.newPTY()
		if err != nil {
			return nil, s.fail(StatusFailure, fmt.Errorf("pseudo-terminal: %w", err))
		}
		c.pty = p
		defer p.closeSlave() // the child has its own copy once started
		if l.ptyIn {
			cmd.Stdin = p.slave
			attr.Ctty = 0
		} else {
			attr.Ctty = 1
		}
		cmd.Stdout = p.slave
		attr.Setsid, attr.Setctty = true, true
	} else {
		cmd.Stdout = s.outW
	}
	if l.ptyErr {
		cmd.Stderr = c.pty.slave
	} else {
		cmd.Stderr = s.errW
	}
	if l.group == groupOwn {
		attr.Setpgid = true
	}

	err := s.reaper.spawn(func() (int, error) {
		if err := s.startIgnoring(cmd); err != nil {
			return 0, err
		}
		return cmd.Process.Pid, nil
	})
	if err != nil {
		if c.pty != nil {
			c.pty.closeMaster()
		}
		return nil, s.startError(err)
	}
	c.pid = cmd.Process.Pid
	s.stdin.startCopy(s.panicGuard)
	if c.pty != nil {
		c.pty.startCopy(s.ptyW, s.panicGuard)
		if l.ptyIn {
			c.pty.startRelay(c)
		}
	}
	return c, nil
}

// wait waits for the child, drains its output into the session's writers and delivers its
// Exit. It runs in its own goroutine from Start on.
func (c *child) wait() {
	defer c.s.panicGuard()
	_ = c.cmd.Wait() // the status comes from ProcessState; errors are copy errors, ctx, WaitDelay
	c.mu.Lock()
	c.exited = true
	if c.killTmr != nil {
		c.killTmr.Stop()
	}
	c.mu.Unlock()
	c.s.reaper.childReaped()
	if c.pty != nil {
		c.pty.drain(c.cmd.WaitDelay)
	}

	ex := Exit{Status: StatusFailure}
	if ps := c.cmd.ProcessState; ps == nil {
		c.lost = true
	} else if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
		ex = exitFromWait(ws.Exited(), ws.ExitStatus(), ws.Signaled(), ws.Signal())
	} else {
		ex = Exit{Status: ps.ExitCode()}
	}
	c.mu.Lock()
	c.over = true
	c.mu.Unlock()
	c.exit <- ex
	close(c.done)
}

// finished reports whether the child has exited and its output is drained.
func (c *child) finished() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.over
}

// signal sends sig to the child's pid, or to its process group when group is set and the
// child does not share secretrun's. It never signals a pid that has been reaped.
func (c *child) signal(sig syscall.Signal, group bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited {
		return
	}
	// cmd.Process is set by Start before exec.Cmd's context goroutine (which calls Cancel)
	// and before any of ours start.
	pid := c.cmd.Process.Pid
	if group && c.s.layout.group != groupShared {
		if err := syscall.Kill(-pid, sig); err == nil {
			return
		}
	}
	_ = syscall.Kill(pid, sig)
}

// forward sends sig to the child as a signal secretrun received: its pid, as `kill <pid>`
// would reach it without secretrun, or its whole process group with Spec.SignalGroup.
func (c *child) forward(sig syscall.Signal) { c.signal(sig, c.s.spec.SignalGroup) }

// terminate sends the child SIGTERM, then SIGKILL after the grace period. A forwarded SIGTERM
// is always sent, once per signal received; a stop (Stop, or exec.Cmd.Cancel when the context
// ends) sends none if a SIGTERM was already sent.
func (c *child) terminate(forwarded bool) {
	c.mu.Lock()
	send := forwarded || !c.termSent
	c.termSent = true
	c.mu.Unlock()
	if send {
		c.forward(syscall.SIGTERM)
	}
	c.armKill()
}

func (c *child) armKill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.killTmr != nil || c.exited {
		return
	}
	c.killTmr = time.AfterFunc(c.s.grace, func() { c.forward(syscall.SIGKILL) })
}
