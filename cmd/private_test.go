//go:build linux

package cmd

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The child runs as the same unprivileged user as secretrun and tries to read secretrun's
// environment (which holds the credentials that were scrubbed from its own) and memory through
// /proc: both are refused. The control run shows the same reads succeed on an ordinary parent.
// secretrun's core dumps are off, and the child gets the core-file size limit back.
func TestSecretrunIsPrivateFromItsChild(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run secretrun and its child as the unprivileged user nobody")
	}
	dir, err := os.MkdirTemp("", "secretrun-private-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	must(t, os.Chmod(dir, 0o755)) // nobody runs the binary and reads the files here
	bin := filepath.Join(dir, "secretrun")
	copyFile(t, os.Args[0], bin)
	must(t, os.Symlink(bin, filepath.Join(dir, "fakechild")))
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  default:\n    secrets:\n      TOKEN: env://SOURCE_TOKEN\n"), 0o644))

	run := func(t *testing.T, script string) string {
		t.Helper()
		c := exec.Command("/bin/sh", "-c", script)
		c.Dir = dir
		c.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "NO_COLOR=1", "GORACE=atexit_sleep_ms=0",
			"SOURCE_TOKEN=CANARY-source-token-1234"}
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		return string(out)
	}

	t.Run("control: an ordinary parent is readable", func(t *testing.T) {
		out := run(t, "fakechild peek; :") // '; :' keeps sh from exec'ing the child in its place
		if !strings.Contains(out, "environ: readable, with the canary") || !strings.Contains(out, "mem: readable") {
			t.Fatalf("the test cannot tell: a same-user child could not read an ordinary parent:\n%s", out)
		}
	})
	t.Run("secretrun", func(t *testing.T) {
		out := run(t, "ulimit -c unlimited && exec secretrun -- fakechild peek corelimit env TOKEN")
		for _, want := range []string{
			"environ: permission denied\n",
			"mem: permission denied\n",
			"parent core: 0\n",
			"own core: unlimited\n",
			"TOKEN=***\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "CANARY") {
			t.Errorf("a secret reached the output:\n%s", out)
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	must(t, err)
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	must(t, err)
	_, err = io.Copy(dst, src)
	must(t, err)
	must(t, dst.Close())
}
