//go:build linux

package cmd

import (
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// After secretrun is killed with SIGKILL (or by the OOM killer), no `as: file` secret is left on
// any filesystem: the child held a memory file, which the kernel freed when the child (killed in
// turn by its parent-death signal) exited. secretrun used to leave /dev/shm/secretrun-*/NAME.
func TestSecretFilesDoNotOutliveAKilledSecretrun(t *testing.T) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	canary := "CANARY-killed-run-" + hex.EncodeToString(b[:])
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  p:\n    secrets:\n      TLS_KEY: {ref: env://SOURCE, as: file}\n"), 0o600))

	c := exec.Command(os.Args[0], "--", "sh", "-c", `{ echo $$; readlink /proc/self/fd/3; echo "$TLS_KEY"; cat "$TLS_KEY"; echo; } > ready.tmp && mv ready.tmp ready && exec sleep 30`)
	c.Args[0] = "secretrun" // the test binary acts as secretrun (see TestMain)
	c.Dir = dir
	c.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "SOURCE=" + canary, "GORACE=atexit_sleep_ms=0"}
	must(t, c.Start())
	defer c.Process.Kill()
	var ready []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if data, err := os.ReadFile(filepath.Join(dir, "ready")); err == nil {
			ready = strings.Split(strings.TrimSpace(string(data)), "\n")
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child did not start")
		}
	}
	if len(ready) != 4 || ready[1] != "/memfd:secretrun:TLS_KEY (deleted)" || ready[2] != "/proc/self/fd/3" || ready[3] != canary {
		t.Fatalf("the child saw %q; want its pid, a memory file, its path and the value", ready)
	}
	child, _ := strconv.Atoi(ready[0])

	must(t, c.Process.Kill())
	_ = c.Wait()
	for deadline := time.Now().Add(10 * time.Second); alive(child); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the child %d outlived the SIGKILL of secretrun", child)
		}
	}
	for _, root := range []string{"/dev/shm", os.TempDir()} {
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			if root != "/dev/shm" && !secretDirRE.MatchString(e.Name()) {
				continue // only what secretrun's directory modes create (MkdirTemp "secretrun-", "secretrun-files-")
			}
			_ = filepath.WalkDir(filepath.Join(root, e.Name()), func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), canary) {
						t.Errorf("%s holds the secret after secretrun was killed", p)
					}
				}
				return nil
			})
		}
	}
}

var secretDirRE = regexp.MustCompile(`^secretrun-(files-)?[0-9]+$`)

// alive reports whether pid runs (a zombie nobody reaped counts as gone).
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(data), ") ")
	return !strings.HasPrefix(after, "Z") && !strings.HasPrefix(after, "X")
}
