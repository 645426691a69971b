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

// jobShell starts an interactive bash as the session leader of a fake terminal: the user's
// shell, with job control. The runner, started by typing its path (runIn), is one of its jobs,
// as `secretrun -- CMD` typed at a prompt is.
func jobShell(t *testing.T, cfg runnerConfig) (master, tty *os.File, screen *notifyBuffer) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found; job control is tested with a real interactive bash")
	}
	master, tty = openFakeTerminal(t)
	screen = readAll(master)
	sh := exec.Command(bash, "--norc", "--noprofile", "-i")
	sh.Env = append(runnerEnv(cfg), "PS1=$ ", "TERM=dumb")
	withControllingTerminal(tty, true, true)(sh)
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sh.Process.Kill(); _ = sh.Wait() })
	mustSee(t, screen, "$ ")
	return master, tty, screen
}

// typeLine types s and Enter at the fake terminal.
func typeLine(t *testing.T, master *os.File, s string) {
	t.Helper()
	if _, err := master.Write([]byte(s + "\r")); err != nil {
		t.Fatal(err)
	}
}

// childAndRunner reads the fake child's pid from the screen (pid=N) and returns it with its
// parent's, the runner's.
func childAndRunner(t *testing.T, screen *notifyBuffer) (child, runner int) {
	t.Helper()
	out := screen.String()
	i := strings.LastIndex(out, "pid=")
	if i < 0 {
		t.Fatalf("no pid on screen %q", out)
	}
	if _, err := fmt.Sscanf(out[i:], "pid=%d", &child); err != nil {
		t.Fatalf("screen %q", out)
	}
	if f := procStat(fmt.Sprintf("/proc/%d/stat", child)); len(f) > 1 {
		runner = atoi(f[1])
	}
	return child, runner
}

// suspendJob starts the runner with cfg as a job of an interactive shell (jobShell), types
// Ctrl-Z and checks that the child and secretrun stop together, secretrun by SIGTSTP: the shell
// reports "Stopped" and $? 148 as for the bare command (not "Stopped (signal)" and 147, a
// SIGSTOP). Then `fg` continues both.
func suspendJob(t *testing.T, cfg runnerConfig) (master, tty *os.File, screen *notifyBuffer, runner int) {
	t.Helper()
	master, tty, screen = jobShell(t, cfg)
	typeLine(t, master, os.Args[0])
	mustSee(t, screen, "ready\r\n")
	child, runner := childAndRunner(t, screen)
	if _, err := master.Write([]byte{0x1a}); err != nil { // Ctrl-Z
		t.Fatal(err)
	}
	waitState(t, runner, true)
	waitState(t, child, true)
	mustSee(t, screen, "Stopped")
	typeLine(t, master, "echo st=$?")
	mustSee(t, screen, "st=148")
	if strings.Contains(screen.String(), "Stopped (signal)") {
		t.Fatalf("the shell saw a SIGSTOP: %q", screen.String())
	}
	typeLine(t, master, "fg")
	waitState(t, runner, false)
	waitState(t, child, false)
	return master, tty, screen, runner
}

// Ctrl-Z in pty mode, typed while the runner is a job of an interactive shell, stops it as the
// bare command would be (suspendJob); `fg` also puts the terminal back in raw mode, and Ctrl-C
// then ends the child once.
func TestRunnerCtrlZPtyMode(t *testing.T) {
	master, tty, screen, runner := suspendJob(t, runnerConfig{Child: "signals"})
	deadline := time.Now().Add(10 * time.Second)
	for termiosOf(t, tty).Lflag&unix.ISIG != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if termiosOf(t, tty).Lflag&unix.ISIG != 0 {
		t.Fatal("raw mode not re-entered after fg")
	}
	if _, err := master.Write([]byte{3}); err != nil { // then Ctrl-C ends the child
		t.Fatal(err)
	}
	mustSee(t, screen, "got SIGINT=1\r\n")
	waitGone(t, runner) // what is typed before secretrun exits goes to the child
	typeLine(t, master, "echo st=$?")
	mustSee(t, screen, "st=0")
}

// waitGone waits until process pid has exited.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st := procState(pid); st == "?" || st == "Z" {
			return
		}
	}
	t.Fatalf("pid %d did not exit", pid)
}

// Pipe mode in the foreground of a job-control shell: the terminal itself stops the child and
// secretrun together with SIGTSTP (suspendJob); after fg, Ctrl-C reaches the child once.
func TestRunnerCtrlZPipeMode(t *testing.T) {
	master, _, screen, _ := suspendJob(t, runnerConfig{Child: "signals", PTY: PTYNever})
	if _, err := master.Write([]byte{3}); err != nil {
		t.Fatal(err)
	}
	mustSee(t, screen, "got SIGINT=1\r\n")
}

// Inside `secretrun -- bash`, typed at a job-control shell, Ctrl-Z stops the inner shell's
// foreground job, which the inner shell reports, and not secretrun; at the inner prompt it does
// nothing, as in a bare shell.
func TestRunnerCtrlZReachesInnerJob(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	master, _, screen := jobShell(t, runnerConfig{Args: []string{bash, "--norc", "--noprofile", "-i"}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screen: %q", screen.String())
		}
	})
	typeLine(t, master, os.Args[0])
	typeLine(t, master, "echo ppid=$PPID")
	mustSee(t, screen, "\nppid=")
	var runner int
	out := screen.String()
	if _, err := fmt.Sscanf(out[strings.LastIndex(out, "\nppid=")+1:], "ppid=%d", &runner); err != nil {
		t.Fatalf("screen %q", out)
	}
	ctrlZInsideShell(t, master, screen, runner)
	typeLine(t, master, "echo st=$?")
	mustSee(t, screen, "st=3")
}

// With no job-control shell above it (secretrun leads its own session, as under `script -c`
// or `setsid`), nobody could continue a stopped secretrun: Ctrl-Z goes to the child's terminal
// like any other key, and here reaches the inner shell's job.
func TestRunnerCtrlZWithoutJobControl(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	master, tty := openFakeTerminal(t)
	screen := readAll(master)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screen: %q", screen.String())
		}
	})
	cmd, _, _ := startRunner(t, runnerConfig{Args: []string{bash, "--norc", "--noprofile", "-i"}}, func(cmd *exec.Cmd) {
		withControllingTerminal(tty, true, true)(cmd)
		cmd.Env = append(cmd.Env, "PS1=$ ", "TERM=dumb")
	})
	ctrlZInsideShell(t, master, screen, cmd.Process.Pid)
	if st := waitStatus(t, cmd, 30*time.Second); st != 3 {
		t.Fatalf("runner exited %d, want the inner shell's 3", st)
	}
}

// ctrlZInsideShell checks Ctrl-Z while the runner (pid runner) runs an interactive bash: it
// stops the inner foreground job, not the runner, and does nothing at the inner prompt; then
// the inner shell exits 3.
func ctrlZInsideShell(t *testing.T, master *os.File, screen *notifyBuffer, runner int) {
	t.Helper()
	mustSee(t, screen, "$ ")
	typeLine(t, master, "sleep 30")
	time.Sleep(500 * time.Millisecond) // until sleep is the inner foreground job
	if _, err := master.Write([]byte{0x1a}); err != nil {
		t.Fatal(err)
	}
	mustSee(t, screen, "Stopped                 sleep 30")
	typeLine(t, master, "echo st=$?")
	mustSee(t, screen, "st=148")
	if st := procState(runner); st == "T" {
		t.Fatal("secretrun stopped itself instead of the inner job")
	}
	// At the inner prompt, Ctrl-Z does nothing.
	if _, err := master.Write([]byte{0x1a}); err != nil {
		t.Fatal(err)
	}
	typeLine(t, master, "echo al''ive")
	mustSee(t, screen, "\nalive\r\n")
	if st := procState(runner); st == "T" {
		t.Fatal("secretrun stopped on Ctrl-Z at the inner prompt")
	}
	typeLine(t, master, "kill -9 %1; wait %1; echo re''aped")
	mustSee(t, screen, "\nreaped\r\n")
	typeLine(t, master, "exit 3")
	waitGone(t, runner)
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

// A forwarded signal goes to the child's pid, as `kill <pid>` reaches a bare program: a helper
// the child started in its process group, whose SIGUSR1 action is to die, is left alone. With
// Spec.SignalGroup the whole group gets it.
func TestRunnerForwardsToChildPid(t *testing.T) {
	for _, tc := range []struct {
		group bool
		want  string
	}{
		{false, "got SIGUSR1, helper alive\n"},
		{true, "got SIGUSR1, helper signal: user defined signal 1\n"},
	} {
		t.Run(fmt.Sprintf("group=%v", tc.group), func(t *testing.T) {
			cmd, out, stderr := startRunner(t, runnerConfig{Child: "helper", SignalGroup: tc.group}, nil)
			mustSee(t, out, "ready\n")
			if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
				t.Fatal(err)
			}
			if st := waitStatus(t, cmd, 30*time.Second); st != 0 {
				t.Fatalf("runner exited %d (stderr %q)", st, stderr.String())
			}
			if !strings.HasSuffix(out.String(), tc.want) {
				t.Fatalf("child reported %q, want %q", out.String(), tc.want)
			}
		})
	}
}

// A signal secretrun was started with ignored still reaches the child when sent to secretrun,
// and the child still starts with it ignored (a Go program's signal.Notify catches it anyway:
// a server reloading on SIGHUP under nohup).
func TestRunnerForwardsSignalsStartedIgnored(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("sh not found")
	}
	cmd, out, stderr := startRunner(t, runnerConfig{Child: "catchhup"}, func(cmd *exec.Cmd) {
		cmd.Path, cmd.Args = sh, []string{sh, "-c", `trap "" HUP INT; exec "$0"`, os.Args[0]}
	})
	mustSee(t, out, "ready\n")
	if !strings.HasPrefix(out.String(), "SIGHUP ignored=true\n") {
		t.Fatalf("child did not start with SIGHUP ignored: %q", out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, cmd, 60*time.Second); st != 0 {
		t.Fatalf("runner exited %d (stderr %q)", st, stderr.String())
	}
	if !strings.HasSuffix(out.String(), "got SIGHUP=1\n") {
		t.Fatalf("child reported %q, want got SIGHUP=1", out.String())
	}
}

// A background job of a script (`secretrun -- job &`) is started by the shell with SIGINT and
// SIGQUIT ignored; the child starts with both ignored too, as grep's /proc/self/status shows
// (a Go child could not tell for SIGQUIT).
func TestRunnerBackgroundJobKeepsIntAndQuitIgnored(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("sh not found")
	}
	grep, err := exec.LookPath("grep")
	if err != nil {
		t.Skip("grep not found")
	}
	for _, tc := range []struct {
		script string
		want   uint64
	}{
		{`"$0" & wait`, 1<<(syscall.SIGINT-1) | 1<<(syscall.SIGQUIT-1)},
		{`exec "$0"`, 0},
	} {
		t.Run(tc.script, func(t *testing.T) {
			cfg := runnerConfig{Args: []string{grep, "SigIgn", "/proc/self/status"}}
			cmd, out, stderr := startRunner(t, cfg, func(cmd *exec.Cmd) {
				cmd.Path, cmd.Args = sh, []string{sh, "-c", tc.script, os.Args[0]}
			})
			if st := waitStatus(t, cmd, 30*time.Second); st != 0 {
				t.Fatalf("exit %d (stderr %q)", st, stderr.String())
			}
			var mask uint64
			if _, err := fmt.Sscanf(out.String(), "SigIgn:\t%x", &mask); err != nil {
				t.Fatalf("grep printed %q", out.String())
			}
			const intQuit = 1<<(syscall.SIGINT-1) | 1<<(syscall.SIGQUIT-1)
			if mask&intQuit != tc.want {
				t.Fatalf("child's ignored signals %#x, want SIGINT/SIGQUIT bits %#x", mask, tc.want)
			}
		})
	}
}
