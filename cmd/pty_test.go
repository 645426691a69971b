//go:build linux

package cmd

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// terminal runs secretrun with a pseudo-terminal as its stdin, stdout and stderr, as a user's
// shell would, and collects everything written to the terminal.
type terminal struct {
	t      *testing.T
	master *os.File
	slave  *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer
	done   chan struct{}
}

func startInTerminal(t *testing.T, args ...string) *terminal {
	t.Helper()
	tm := openTerminal(t)
	tm.start(args...)
	return tm
}

// openTerminal makes the pseudo-terminal; start runs secretrun on it.
func openTerminal(t *testing.T) *terminal {
	t.Helper()
	master, slave, err := pty.Open()
	must(t, err)
	tm := &terminal{t: t, master: master, slave: slave, done: make(chan struct{})}
	t.Cleanup(func() {
		if tm.cmd != nil && tm.cmd.Process != nil {
			_ = tm.cmd.Process.Kill()
		}
		master.Close()
		slave.Close()
	})
	return tm
}

func (tm *terminal) start(args ...string) { tm.t.Helper(); tm.startProgram("secretrun", args...) }

// startProgram runs name (secretrun, or a shell that runs it) on the terminal as its session
// leader, in a directory with the test's secretrun.yaml.
func (tm *terminal) startProgram(name string, args ...string) {
	t := tm.t
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(ptyConfig), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN=CANARY-pty-token-4242\n"), 0o600))
	tm.runIn(dir, name, args...)
}

// startIn runs secretrun on the terminal in dir, which holds its configuration.
func (tm *terminal) startIn(dir string, args ...string) {
	tm.t.Helper()
	tm.runIn(dir, "secretrun", args...)
}

// runIn runs name on the terminal as its session leader, in dir.
func (tm *terminal) runIn(dir, name string, args ...string) {
	t := tm.t
	t.Helper()
	tm.cmd = exec.Command(name, args...)
	tm.cmd.Dir = dir
	tm.cmd.Env = append(os.Environ(), "TERM=xterm")
	tm.cmd.Stdin, tm.cmd.Stdout, tm.cmd.Stderr = tm.slave, tm.slave, tm.slave
	tm.cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true}
	must(t, tm.cmd.Start())
	go func() {
		defer close(tm.done)
		buf := make([]byte, 4096)
		for {
			n, err := tm.master.Read(buf)
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
}

// waitFor waits until the terminal shows want, failing the test after a generous hang guard.
func (tm *terminal) waitFor(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(tm.output(), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	tm.t.Fatalf("terminal never showed %q; it shows:\n%q", want, tm.output())
}

func (tm *terminal) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// wait waits for secretrun to exit and returns its exit status.
func (tm *terminal) wait() int {
	tm.t.Helper()
	err := tm.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	must(tm.t, err)
	return 0
}

func TestTerminalChildSeesATerminalAndOutputIsMasked(t *testing.T) {
	tm := startInTerminal(t, "--", "fakechild", "tty", "printf", `\x1b[31mred $TOKEN\x1b[0m\n`, "env", "TOKEN")
	if status := tm.wait(); status != 0 {
		t.Fatalf("exit status %d; terminal:\n%s", status, tm.output())
	}
	tm.waitFor("TOKEN=")
	out := tm.output()
	// On a terminal the mask is as wide as the value (21 columns), so full-screen programs keep
	// their layout.
	for _, want := range []string{"stdin tty=true", "stdout tty=true", "stderr tty=true", "TOKEN=" + strings.Repeat("*", 21) + "\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal lacks %q:\n%q", want, out)
		}
	}
	// colour codes pass through the redactor byte for byte
	if !strings.Contains(out, "\x1b[31mred $TOKEN\x1b[0m\r\n") {
		t.Errorf("colour codes changed:\n%q", out)
	}
	if strings.Contains(out, "CANARY") {
		t.Errorf("the secret reached the terminal:\n%q", out)
	}
}

func TestTerminalPromptWithoutNewlineAppearsAtOnce(t *testing.T) {
	tm := startInTerminal(t, "--", "fakechild", "printf", "Password: ", "readline")
	// The prompt must show before any input is typed: nothing may hold it back.
	tm.waitFor("Password: ")
	_, err := io.WriteString(tm.master, "hunter2-typed\r")
	must(t, err)
	tm.waitFor("read: hunter2-typed")
	if status := tm.wait(); status != 0 {
		t.Fatalf("exit status %d", status)
	}
}

func TestTerminalSettingsAreRestored(t *testing.T) {
	tm := openTerminal(t)
	fd := int(tm.slave.Fd())
	want, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	must(t, err)
	// the child reads a line, so secretrun has the terminal in raw mode while it waits
	tm.start("--", "fakechild", "printf", "ready> ", "readline")
	tm.waitFor("ready> ")
	raw, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	must(t, err)
	if raw.Lflag&unix.ECHO != 0 {
		t.Errorf("while the child runs, the outer terminal should be raw (no ECHO): lflag %#x", raw.Lflag)
	}
	_, err = io.WriteString(tm.master, "hello\r")
	must(t, err)
	if status := tm.wait(); status != 0 {
		t.Fatalf("exit status %d", status)
	}
	tm.waitFor("hello")
	got, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	must(t, err)
	if got.Lflag != want.Lflag || got.Iflag != want.Iflag || got.Oflag != want.Oflag {
		t.Errorf("terminal not restored: lflag %#x→%#x iflag %#x→%#x oflag %#x→%#x",
			want.Lflag, got.Lflag, want.Iflag, got.Iflag, want.Oflag, got.Oflag)
	}
}
