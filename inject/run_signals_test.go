package inject

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// startRunner starts the test binary as a tiny secretrun (runnerMain) with cfg; stdout goes
// to the returned buffer unless the caller set cmd.Stdout through prep.
func startRunner(t *testing.T, cfg runnerConfig, prep func(*exec.Cmd)) (*exec.Cmd, *notifyBuffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = runnerEnv(cfg)
	out := &notifyBuffer{}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if prep != nil {
		prep(cmd)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, out, &stderr
}

func mustSee(t *testing.T, b *notifyBuffer, s string) {
	t.Helper()
	if !b.waitFor(s, 30*time.Second) {
		t.Fatalf("did not see %q; output so far %q", s, b.String())
	}
}

// Each forwarded signal sent to secretrun reaches the child exactly once (pipe mode, no
// terminal: the child leads its own process group and the signal goes to that group).
func TestRunnerForwardsEachSignalOnce(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2} {
		name := unix.SignalName(sig)
		t.Run(name, func(t *testing.T) {
			cmd, out, stderr := startRunner(t, runnerConfig{Child: "signals"}, nil)
			mustSee(t, out, "ready\n")
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if st := waitStatus(t, cmd, 30*time.Second); st != 0 {
				t.Fatalf("runner exited %d (stderr %q)", st, stderr.String())
			}
			if want := "got " + name + "=1\n"; !strings.HasSuffix(out.String(), want) {
				t.Fatalf("child reported %q, want %q", out.String(), want)
			}
		})
	}
}

// SIGTERM from outside (docker stop, systemd, kill): the child's 1s shutdown handler runs to
// completion and its last output (without newline) arrives; a child that ignores SIGTERM is
// SIGKILLed after the grace period.
func TestRunnerSIGTERMGrace(t *testing.T) {
	t.Run("handler completes", func(t *testing.T) {
		cmd, out, stderr := startRunner(t, runnerConfig{Child: "slowterm", Grace: 5 * time.Second}, nil)
		mustSee(t, out, "ready\n")
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if st := waitStatus(t, cmd, 30*time.Second); st != 0 {
			t.Fatalf("runner exited %d (stderr %q)", st, stderr.String())
		}
		if out.String() != "ready\nshutdown complete" {
			t.Fatalf("output %q", out.String())
		}
	})
	t.Run("ignored, killed after grace", func(t *testing.T) {
		cmd, out, stderr := startRunner(t, runnerConfig{Child: "ignoreterm", Grace: 300 * time.Millisecond}, nil)
		mustSee(t, out, "ready\n")
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if st := waitStatus(t, cmd, 30*time.Second); st != 128+9 {
			t.Fatalf("runner exited %d, want 137 (stderr %q)", st, stderr.String())
		}
	})
}

// openFakeTerminal allocates a real pseudo-terminal to play secretrun's terminal: the test
// types into and reads from master; tty is what secretrun gets as its stdin/stdout/stderr.
func openFakeTerminal(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("cannot allocate a pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 33, Cols: 101}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close(); master.Close() })
	return master, tty
}

// readAll copies master into a notifyBuffer until it fails (EIO once every tty fd is closed).
func readAll(master *os.File) *notifyBuffer {
	b := &notifyBuffer{}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			_, _ = b.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	return b
}

// withControllingTerminal makes the runner a session leader whose controlling terminal is tty,
// in the terminal's foreground, like a shell's foreground job.
func withControllingTerminal(tty *os.File, stdout, stderr bool) func(*exec.Cmd) {
	return func(cmd *exec.Cmd) {
		cmd.Stdin = tty // Ctty refers to the child's fd 0
		if stdout {
			cmd.Stdout = tty
		}
		if stderr {
			cmd.Stderr = tty
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	}
}

// typed is what the user does at the fake terminal: type the byte b on it (master).
func typed(b byte) func(runner *exec.Cmd, master *os.File) error {
	return func(_ *exec.Cmd, master *os.File) error { _, err := master.Write([]byte{b}); return err }
}

// signalled sends sig to the runner process alone.
func signalled(sig syscall.Signal) func(runner *exec.Cmd, master *os.File) error {
	return func(runner *exec.Cmd, _ *os.File) error { return runner.Process.Signal(sig) }
}

// Pipe mode with secretrun in the foreground of its terminal: Ctrl-C is delivered by the
// terminal to the whole foreground process group, child included; secretrun must not
// deliver it a second time. A SIGTERM sent to secretrun alone is still forwarded once.
func TestRunnerCtrlCPipeModeForeground(t *testing.T) {
	for _, tc := range []struct {
		name string
		send func(*exec.Cmd, *os.File) error
		want string
	}{
		{"ctrl-c from the terminal", typed(3), "got SIGINT=1\n"},
		{"ctrl-\\ from the terminal", typed(0x1c), "got SIGQUIT=1\n"},
		{"SIGTERM to secretrun", signalled(syscall.SIGTERM), "got SIGTERM=1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			master, tty := openFakeTerminal(t)
			_ = readAll(master)
			cmd, out, stderr := startRunner(t, runnerConfig{Child: "signals"}, withControllingTerminal(tty, false, false))
			mustSee(t, out, "ready\n")
			if err := tc.send(cmd, master); err != nil {
				t.Fatal(err)
			}
			st := waitStatus(t, cmd, 30*time.Second)
			if !strings.HasSuffix(out.String(), tc.want) {
				t.Fatalf("child reported %q, want %q (runner status %d, stderr %q)", out.String(), tc.want, st, stderr.String())
			}
			if st != 0 {
				t.Fatalf("runner exited %d", st)
			}
		})
	}
}

// pty mode (all three streams a terminal): Ctrl-C travels as the byte 0x03 through the
// child's pseudo-terminal, which makes one SIGINT of it; secretrun's own terminal is raw and
// sends it nothing. Signals sent to secretrun are forwarded once.
func TestRunnerCtrlCPtyMode(t *testing.T) {
	for _, tc := range []struct {
		name string
		send func(*exec.Cmd, *os.File) error
		want string
	}{
		{"ctrl-c typed", typed(3), "got SIGINT=1\r\n"},
		{"SIGINT to secretrun", signalled(syscall.SIGINT), "got SIGINT=1\r\n"},
		{"SIGHUP to secretrun", signalled(syscall.SIGHUP), "got SIGHUP=1\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			master, tty := openFakeTerminal(t)
			screen := readAll(master)
			cmd, _, stderr := startRunner(t, runnerConfig{Child: "signals"}, withControllingTerminal(tty, true, true))
			mustSee(t, screen, "ready\r\n")
			if err := tc.send(cmd, master); err != nil {
				t.Fatal(err)
			}
			st := waitStatus(t, cmd, 30*time.Second)
			mustSee(t, screen, "got ")
			if !strings.HasSuffix(screen.String(), tc.want) {
				t.Fatalf("screen %q, want it to end with %q (runner status %d, stderr %q)", screen.String(), tc.want, st, stderr.String())
			}
			if st != 0 {
				t.Fatalf("runner exited %d", st)
			}
		})
	}
}

// procState returns the state letter of pid from /proc (R, S, T, Z, ...).
func procState(pid int) string {
	f := procStat(fmt.Sprintf("/proc/%d/stat", pid))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func waitState(t *testing.T, pid int, stopped bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if (procState(pid) == "T") == stopped {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d state %s, want stopped=%v (test pid %d)", pid, procState(pid), stopped, os.Getpid())
}

func termiosOf(t *testing.T, f *os.File) *unix.Termios {
	t.Helper()
	tio, err := getTermios(f)
	if err != nil {
		t.Fatal(err)
	}
	return tio
}

// Ctrl-Z in pty mode suspends the child and secretrun together, with the user's terminal
// settings back; continuing secretrun (what `fg` does) continues the child and re-enters raw
// mode; at exit the terminal is as it was.
func TestRunnerCtrlZPtyMode(t *testing.T) {
	master, tty := openFakeTerminal(t)
	before := termiosOf(t, tty)
	screen := readAll(master)
	cmd, _, stderr := startRunner(t, runnerConfig{Child: "signals"}, withControllingTerminal(tty, true, true))
	mustSee(t, screen, "ready\r\n")
	var childPid int
	if _, err := fmt.Sscanf(screen.String(), "pid=%d", &childPid); err != nil {
		t.Fatalf("screen %q", screen.String())
	}
	if termiosOf(t, tty).Lflag&unix.ICANON != 0 {
		t.Fatal("outer terminal not in raw mode while the child runs")
	}

	if _, err := master.Write([]byte{0x1a}); err != nil { // Ctrl-Z
		t.Fatal(err)
	}
	t.Logf("runner %d child %d", cmd.Process.Pid, childPid)
	waitState(t, cmd.Process.Pid, true)
	waitState(t, childPid, true)
	if got := termiosOf(t, tty); got.Lflag != before.Lflag || got.Iflag != before.Iflag || got.Oflag != before.Oflag {
		t.Fatalf("terminal not restored while suspended: lflag %#x, want %#x", got.Lflag, before.Lflag)
	}

	_ = cmd.Process.Signal(syscall.SIGCONT) // fg
	waitState(t, cmd.Process.Pid, false)
	waitState(t, childPid, false)
	deadline := time.Now().Add(10 * time.Second)
	for termiosOf(t, tty).Lflag&unix.ICANON != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if termiosOf(t, tty).Lflag&unix.ICANON != 0 {
		t.Fatal("raw mode not re-entered after continuing")
	}

	if _, err := master.Write([]byte{3}); err != nil { // then Ctrl-C ends the child
		t.Fatal(err)
	}
	if st := waitStatus(t, cmd, 30*time.Second); st != 0 {
		t.Fatalf("runner exited %d (stderr %q)", st, stderr.String())
	}
	mustSee(t, screen, "got ")
	if !strings.HasSuffix(screen.String(), "got SIGINT=1\r\n") {
		t.Fatalf("screen %q", screen.String())
	}
	if got := termiosOf(t, tty); *got != *before {
		t.Fatalf("terminal settings not restored at exit:\n got %+v\nwant %+v", got, before)
	}
}

// A panic in secretrun while the outer terminal is raw still restores it.
func TestRunnerPanicRestoresTerminal(t *testing.T) {
	master, tty := openFakeTerminal(t)
	before := termiosOf(t, tty)
	_ = readAll(master)
	cmd, _, _ := startRunner(t, runnerConfig{Child: "color", PanicInWrap: true}, withControllingTerminal(tty, true, true))
	if st := waitStatus(t, cmd, 30*time.Second); st != 2 {
		t.Fatalf("runner exited %d, want 2 (a Go panic)", st)
	}
	if after := termiosOf(t, tty); *after != *before {
		t.Fatalf("terminal not restored after a panic:\n got %+v\nwant %+v", after, before)
	}
}

// If secretrun is SIGKILLed, the child does not run on without it (parent-death signal).
func TestRunnerKilledTakesChildAlong(t *testing.T) {
	cmd, out, _ := startRunner(t, runnerConfig{Child: "signals"}, nil)
	mustSee(t, out, "ready\n")
	var childPid int
	if _, err := fmt.Sscanf(out.String(), "pid=%d", &childPid); err != nil {
		t.Fatalf("stdout %q", out.String())
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if st := procState(childPid); st == "?" || st == "Z" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = syscall.Kill(childPid, syscall.SIGKILL)
	t.Fatalf("child %d still running after secretrun was killed", childPid)
}

// Typed at a shell with every stream redirected, secretrun is still the terminal's foreground
// job: the child stays in its process group, so it can prompt on /dev/tty (ssh, sudo) instead
// of being stopped by SIGTTIN as a background process group would be.
func TestRunnerForegroundWithoutTerminalStreams(t *testing.T) {
	master, tty := openFakeTerminal(t)
	screen := readAll(master)
	cmd, out, stderr := startRunner(t, runnerConfig{Child: "devtty"}, func(cmd *exec.Cmd) {
		cmd.ExtraFiles = []*os.File{tty} // fd 3: the controlling terminal, not a stream
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 3}
	})
	mustSee(t, screen, "prompt> ")
	if _, err := master.Write([]byte("ok\n")); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, cmd, 30*time.Second); st != 0 || out.String() != "read:ok\n" {
		t.Fatalf("runner exited %d, stdout %q, stderr %q", st, out.String(), stderr.String())
	}
}

// A signal secretrun was started with ignored (nohup, `cmd &` in a non-interactive shell) stays
// ignored for the child, as it would be without secretrun: catching it to forward it would give
// the child the default action, and `nohup secretrun -- job` would die on a hangup.
func TestRunnerKeepsIgnoredSignalsIgnored(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("sh not found; the test starts the runner with signals ignored through sh's trap")
	}
	cmd, out, stderr := startRunner(t, runnerConfig{Child: "ignored"}, func(cmd *exec.Cmd) {
		cmd.Path, cmd.Args = sh, []string{sh, "-c", `trap "" HUP INT; exec "$0"`, os.Args[0]}
	})
	if st := waitStatus(t, cmd, 30*time.Second); st != 0 || out.String() != "SIGHUP=true SIGINT=true\n" {
		t.Fatalf("runner exited %d, child reported %q, want both ignored (stderr %q)", st, out.String(), stderr.String())
	}
}
