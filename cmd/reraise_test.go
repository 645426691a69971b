//go:build linux

package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretrun/secretrun/internal/testenv"
)

// shellScript runs a bash script in a process group of its own, as a terminal's foreground job
// would be, in dir.
func shellScript(t *testing.T, dir, script string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found; the calling shell's view is tested with a real bash")
	}
	testenv.ChildrenStartWithDefaultSignals()
	var out bytes.Buffer
	c := exec.Command(bash, "-c", script)
	c.Dir = dir
	c.Env = append(os.Environ(), "SECRETRUN_ALLOW_EMPTY=1") // no config file here: an empty run on purpose
	c.Stdout, c.Stderr = &out, &out
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, c.Start())
	t.Cleanup(func() { _ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL) })
	return c, &out
}

func waitForFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s never appeared", path)
}

// Ctrl-C (SIGINT to the whole foreground group: the script's shell, secretrun) while secretrun's
// child runs stops the calling script, as it stops it for the bare command: secretrun dies of
// SIGINT after cleanup, so bash's wait-and-cooperative-exit rule does not take the 130 for an
// interrupt the command handled. Neither the next command nor the next loop turn runs.
func TestCtrlCStopsTheCallingScript(t *testing.T) {
	child := `secretrun -- sh -c 'echo $$ > ready.tmp && mv ready.tmp ready; exec sleep 30'`
	for name, script := range map[string]string{
		"list": child + "; echo NEXT",
		"loop": "for i in 1 2; do " + child + "; echo turn $i; done; echo END",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			c, out := shellScript(t, dir, script)
			waitForFile(t, filepath.Join(dir, "ready"))
			must(t, syscall.Kill(-c.Process.Pid, syscall.SIGINT))
			err := c.Wait()
			ws := c.ProcessState.Sys().(syscall.WaitStatus)
			if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
				t.Errorf("the script ended with %v, want a death by SIGINT", err)
			}
			if strings.Contains(out.String(), "NEXT") || strings.Contains(out.String(), "turn") {
				t.Errorf("the script went on after Ctrl-C: %q", out.String())
			}
		})
	}
}

// The calling shell's $? is 128+S for a command killed by S, and the exit code unchanged for a
// command that exited 130 itself (which does not stop the script).
func TestCallingShellStatus(t *testing.T) {
	c, out := shellScript(t, t.TempDir(), `secretrun -- sh -c 'kill -TERM $$'; echo "st=$?"; `+
		`secretrun -- sh -c 'exit 130'; echo "st=$?"`)
	if err := c.Wait(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := out.String(); !strings.HasSuffix(got, "st=143\nst=130\n") {
		t.Fatalf("output %q, want st=143 then st=130", got)
	}
}

// A child killed by a core-dumping signal makes secretrun die of it without dumping its own
// memory (which holds secrets), even where core files are allowed.
func TestReraiseDumpsNoCore(t *testing.T) {
	pattern, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	if err != nil || !strings.HasPrefix(string(pattern), "core") {
		t.Skipf("core_pattern %q does not write core files in the working directory", pattern)
	}
	dir := t.TempDir()
	// The child itself dumps no core (ulimit -c 0 inside); secretrun may (unlimited).
	c, out := shellScript(t, dir, `ulimit -c unlimited && exec secretrun -- sh -c 'ulimit -c 0; kill -QUIT $$'`)
	_ = c.Wait()
	ws := c.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGQUIT {
		t.Fatalf("secretrun ended with %v, want a death by SIGQUIT (%s)", c.ProcessState, out)
	}
	if ws.CoreDump() {
		t.Error("secretrun dumped core")
	}
	cores, _ := filepath.Glob(filepath.Join(dir, "core*"))
	if len(cores) > 0 {
		t.Errorf("core files written: %v", cores)
	}
}

// As PID 1 (a container's ENTRYPOINT), secretrun cannot die of a signal it sends itself: it
// exits 128+S.
func TestReraiseAsPID1Exits128PlusS(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare not found")
	}
	if out, err := exec.Command(unshare, "--pid", "--fork", "--mount-proc", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare --pid --fork refused here (%v): %s", err, out)
	}
	c := exec.Command(unshare, "--pid", "--fork", "--mount-proc", "secretrun", "--allow-empty", "--", "sh", "-c", "kill -TERM $$")
	c.Dir = t.TempDir()
	out, err := c.CombinedOutput()
	ws := c.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() || ws.ExitStatus() != 143 {
		t.Fatalf("secretrun as PID 1 ended with %v (%v), want exit 143: %s", c.ProcessState, err, out)
	}
}

// interactiveBash starts an interactive bash (no rc files) on a new terminal, its children with
// default signal dispositions, and waits for its prompt; it skips the test without bash.
func interactiveBash(t *testing.T) *terminal {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	testenv.ChildrenStartWithDefaultSignals()
	tm := openTerminal(t)
	tm.startProgram(bash, "--norc", "--noprofile", "-i")
	tm.waitFor("bash")
	return tm
}

// At an interactive shell, Ctrl-C while `secretrun -- CMD; echo NEXT` runs (pty mode: the key
// reaches the command through its pseudo-terminal, the shell gets no SIGINT) ends the list as it
// would bare, and $? is 130.
func TestCtrlCAtInteractiveShell(t *testing.T) {
	tm := interactiveBash(t)
	_, err := tm.master.Write([]byte("PS1='P''R> '; secretrun -- sh -c 'echo sta\"\"rted; exec sleep 30'; echo NE''XT\r"))
	must(t, err)
	tm.waitFor("\rstarted\r\n")
	time.Sleep(100 * time.Millisecond) // sh has exec'd sleep
	_, err = tm.master.Write([]byte{3})
	must(t, err)
	tm.waitFor("PR> ")
	_, err = tm.master.Write([]byte("echo st=$?; exit\r"))
	must(t, err)
	tm.waitFor("\nexit\r\n") // bash's goodbye, after st=
	out := tm.output()
	if strings.Contains(out, "NEXT\r\n") {
		t.Errorf("the list went on after Ctrl-C: %q", out)
	}
	if !strings.Contains(out, "st=130") {
		t.Errorf("$? after Ctrl-C is not 130: %q", out)
	}
}

// A script run from an interactive shell (`bash script`, a loop of secretrun in pty mode): Ctrl-C
// reaches the command through its pseudo-terminal, not the script's shell, as the outer terminal
// is raw. secretrun sends the signal on to its process group when the command died of the typed
// key, so the script's shell gets it as it would from the terminal bare, and the loop stops.
func TestCtrlCStopsAScriptInPtyMode(t *testing.T) {
	tm := interactiveBash(t)
	script := `for i in 1 2; do secretrun -- sh -c "echo sta\"\"rted; exec sleep 30"; echo turn $i; done; echo E""ND`
	_, err := tm.master.Write([]byte("PS1='P''R> '; bash -c '" + script + "'; echo st=$?\r"))
	must(t, err)
	tm.waitFor("\rstarted\r\n")
	time.Sleep(100 * time.Millisecond) // sh has exec'd sleep
	_, err = tm.master.Write([]byte{3})
	must(t, err)
	tm.waitFor("PR> ")
	_, err = tm.master.Write([]byte("exit\r"))
	must(t, err)
	tm.waitFor("\rexit\r\n") // bash's goodbye
	out := tm.output()
	if strings.Contains(out, "turn 1") || strings.Contains(out, "END") {
		t.Errorf("the script went on after Ctrl-C: %q", out)
	}
}
