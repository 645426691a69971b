//go:build linux

package inject

import (
	"bytes"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stopSelfLoop is the "stopself:N" fake child: from a goroutine other than the one locked to
// the main thread (as the runner's relay calls suspend), it stops itself N times with stopSelf,
// which the test continues each time. It prints "caught" and exits 1 if a SIGTSTP it sent
// itself reached its handler (sigCh) instead of stopping it: that run would have hung waiting
// for a SIGCONT, never stopped.
func stopSelfLoop(n int) {
	sigCh := make(chan os.Signal, 4)
	signal.Notify(sigCh, syscall.SIGTSTP)
	cont := make(chan os.Signal, 4)
	signal.Notify(cont, syscall.SIGCONT)
	res := make(chan bool)
	go func() {
		for i := 0; i < n; i++ {
			if !stopSelf(sigCh) {
				res <- false
				return
			}
			select {
			case <-sigCh:
				res <- false
				return
			case <-cont:
			}
		}
		res <- true
	}()
	if !<-res {
		os.Stdout.WriteString("caught\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("done\n")
}

// stopSelf stops secretrun itself, not only starts to: the SIGTSTP it sends itself is not
// caught by the handler it reinstalls right after (which made Ctrl-Z in pty mode, under load,
// leave secretrun running and waiting for a SIGCONT that never came, its child stopped).
func TestStopSelfStops(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = childEnv("stopself:200")
	var out bytes.Buffer
	cmd.Stdout = &out
	// its own process group, whose parent (the test) is in another group of the session: not
	// orphaned, so the kernel does not drop SIGTSTP
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	pid := cmd.Process.Pid
	stops := 0
	deadline := time.After(60 * time.Second)
	for {
		select {
		case err := <-done:
			if err != nil || !strings.Contains(out.String(), "done") {
				t.Fatalf("after %d stops: %v, output %q: a SIGTSTP it sent itself was caught instead of stopping it", stops, err, out.String())
			}
			if stops == 0 {
				t.Fatal("never stopped")
			}
			return
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("timed out after %d stops", stops)
		default:
		}
		if procState(pid) == "T" {
			stops++
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
		time.Sleep(200 * time.Microsecond)
	}
}
