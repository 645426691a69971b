package inject

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unshareRunner starts the runner as PID 1 of a new PID namespace, the way a container's
// ENTRYPOINT runs, or skips the test where the kernel or the sandbox refuses.
func unshareRunner(t *testing.T, cfg runnerConfig) (*exec.Cmd, *notifyBuffer, *bytes.Buffer) {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare not found; PID 1 behaviour is tested with unshare --pid --fork")
	}
	if out, err := exec.Command(unshare, "--pid", "--fork", "--mount-proc", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare --pid --fork --mount-proc refused here (%v): %s", err, bytes.TrimSpace(out))
	}
	return startRunner(t, cfg, func(cmd *exec.Cmd) {
		cmd.Path, cmd.Args = unshare, []string{unshare, "--pid", "--fork", "--mount-proc", os.Args[0]}
	})
}

// childrenOf lists the pids whose parent is pid (as seen from this namespace).
func childrenOf(pid int) []int {
	var kids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		if f := procStat(p); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			k, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			kids = append(kids, k)
		}
	}
	return kids
}

// As PID 1, secretrun reaps the orphans re-parented to it while the child runs, and still
// returns the child's own status (the reaper never takes it from Wait).
func TestRunnerPID1ReapsZombies(t *testing.T) {
	cmd, out, stderr := unshareRunner(t, runnerConfig{Child: "orphans:5"})
	st := waitStatus(t, cmd, 60*time.Second)
	if st != 7 {
		t.Fatalf("exit status %d, want the child's 7 (stdout %q, stderr %q)", st, out.String(), stderr.String())
	}
	if !strings.Contains(out.String(), "zombies=0\n") {
		t.Fatalf("child saw zombies: %q (stderr %q)", out.String(), stderr.String())
	}
}

// `docker stop`: SIGTERM to PID 1 reaches the child, whose 1s shutdown handler completes and
// whose last output arrives before secretrun exits with the child's status.
func TestRunnerPID1DockerStop(t *testing.T) {
	cmd, out, stderr := unshareRunner(t, runnerConfig{Child: "slowterm", Grace: 10 * time.Second})
	mustSee(t, out, "ready\n")
	kids := childrenOf(cmd.Process.Pid) // unshare's child: the runner, PID 1 inside
	if len(kids) != 1 {
		t.Fatalf("children of unshare: %v", kids)
	}
	if err := syscall.Kill(kids[0], syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, cmd, 60*time.Second); st != 0 {
		t.Fatalf("exit status %d (stdout %q, stderr %q)", st, out.String(), stderr.String())
	}
	if out.String() != "ready\nshutdown complete" {
		t.Fatalf("stdout %q", out.String())
	}
}

// A child writing a lot keeps secretrun's memory flat: the runner's peak RSS after 1 GiB
// (64 MiB with -short) of output exceeds its peak after 1 MiB by less than 32 MiB. The bound is
// on memory only, never on time.
func TestRunnerMemoryFlat(t *testing.T) {
	big := int64(1 << 30)
	if testing.Short() {
		big = 64 << 20
	}
	maxRSS := func(n int64) (kib int64) {
		t.Helper()
		rssFile := filepath.Join(t.TempDir(), "rss")
		cmd := exec.Command(os.Args[0])
		cmd.Env = runnerEnv(runnerConfig{Child: fmt.Sprintf("bytes:%d:1:both", n), RSSFile: rssFile})
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		counts := make(chan int64, 2)
		for _, r := range []io.Reader{stdout, stderr} {
			go func() { c, _ := io.Copy(io.Discard, r); counts <- c }()
		}
		got := <-counts + <-counts
		if st := waitStatus(t, cmd, 10*time.Minute); st != 0 {
			t.Fatalf("runner exited %d", st)
		}
		if got != 2*n {
			t.Fatalf("got %d bytes, want %d", got, 2*n)
		}
		b, err := os.ReadFile(rssFile)
		if err != nil {
			t.Fatal(err)
		}
		kib, _ = strconv.ParseInt(string(b), 10, 64)
		return kib
	}
	small, large := maxRSS(1<<20), maxRSS(big)
	t.Logf("runner max RSS: %d KiB after 2x1 MiB, %d KiB after 2x%d MiB", small, large, big>>20)
	if large-small > 32<<10 {
		t.Fatalf("max RSS grew from %d KiB to %d KiB", small, large)
	}
}
