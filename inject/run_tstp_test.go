package inject

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// Started with SIGTSTP ignored (a script's `trap "" TSTP`, a supervisor), the bare program
// cannot be suspended: it inherits the ignore, Ctrl-Z on its terminal and a SIGTSTP sent to it do
// nothing. In pty mode secretrun catches SIGTSTP; it used to start the child with SIGTSTP at its
// default action and to suspend the job on Ctrl-Z or SIGTSTP. Now the child starts with it
// ignored, Ctrl-Z is relayed to the child's terminal (which the child ignores), a SIGTSTP sent
// to secretrun is forwarded (ignored too), and nothing stops; Ctrl-C then ends the child once.
func TestRunnerCtrlZStartedIgnoredPtyMode(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("whether SIGTSTP was inherited ignored is read from /proc")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("sh not found; the runner is started with SIGTSTP ignored through sh's trap")
	}
	master, _, screen := jobShell(t, runnerConfig{Child: "signals"})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screen: %q", screen.String())
		}
	})
	typeLine(t, master, sh+` -c 'trap "" TSTP; exec "$0"' `+os.Args[0])
	mustSee(t, screen, "ready\r\n")
	child, runner := childAndRunner(t, screen)
	if !ignoresSignal(child, syscall.SIGTSTP) {
		t.Fatal("the child started with SIGTSTP not ignored; the bare program would inherit the ignore")
	}
	notStopped := func(what string) {
		t.Helper()
		time.Sleep(500 * time.Millisecond) // a stop, if any, takes effect well within this
		if procState(runner) == "T" || procState(child) == "T" {
			t.Fatalf("%s stopped the job (runner %s, child %s); the bare program ignores it", what, procState(runner), procState(child))
		}
	}
	if _, err := master.Write([]byte{0x1a}); err != nil { // Ctrl-Z
		t.Fatal(err)
	}
	notStopped("Ctrl-Z")
	must(t, syscall.Kill(runner, syscall.SIGTSTP))
	notStopped("a SIGTSTP sent to secretrun")
	if _, err := master.Write([]byte{3}); err != nil { // Ctrl-C ends the child
		t.Fatal(err)
	}
	mustSee(t, screen, "got SIGINT=1\r\n")
	waitGone(t, runner)
	typeLine(t, master, "echo st=$?")
	mustSee(t, screen, "st=0")
}
