package inject

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// mountNSEnvVar marks the copy of the test binary that runs inside a private mount namespace.
const mountNSEnvVar = "INJECT_TEST_MOUNTNS"

// inMountNamespace runs the calling test again in a copy of the test binary inside a private
// mount namespace (unshare -m), where it may mount tmpfs filesystems that vanish with it, and
// reports that copy's result; it returns true in the copy, which then runs the test body.
// It skips, saying why, where that is not possible (not root, no unshare, no permission).
func inMountNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(mountNSEnvVar) == t.Name() {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount tmpfs filesystems in a private mount namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare(1) to make a private mount namespace")
	}
	if out, err := exec.Command(unshare, "-m", "--propagation", "private", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a mount namespace here: %v: %s", err, out)
	}
	c := exec.Command(unshare, "-m", "--propagation", "private", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	c.Env = append(baseEnv(), mountNSEnvVar+"="+t.Name())
	out, err := c.CombinedOutput()
	t.Logf("in a private mount namespace:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("the test failed in its mount namespace: %v", err)
	}
	return false
}

// mountTmpfs mounts a tmpfs of size bytes (read-only with ro) on a new directory, unmounted
// when the test ends.
func mountTmpfs(t *testing.T, size string, ro bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	must(t, os.Mkdir(dir, 0o755))
	var flags uintptr
	if ro {
		flags = unix.MS_RDONLY
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", flags, "size="+size); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// fill writes to dir until its filesystem is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	err := os.WriteFile(filepath.Join(dir, "filler"), make([]byte, 1<<20), 0o600)
	if !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("filling %s: %v, want ENOSPC", dir, err)
	}
}

// onlyFiller checks that dir holds nothing but the filler file: no secret, no directory of ours.
func onlyFiller(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "filler" {
			t.Errorf("%s was left in %s", e.Name(), dir)
		}
	}
}

// When no memory-backed place is usable — the tmpfs is read-only, or full — secretrun refuses
// with the reason for each place and the opt-in; it writes nothing anywhere else. Real tmpfs
// mounts, in a private mount namespace.
func TestSecretFilesReadOnlyOrFullTmpfs(t *testing.T) {
	if !inMountNamespace(t) {
		return
	}
	ro := mountTmpfs(t, "64k", true)
	full := mountTmpfs(t, "8k", false)
	fill(t, full)
	tmp := t.TempDir() // on a disk here (checked below): must stay empty

	// The fallback of memory files: both places refused, each with its reason.
	_, err := NewSecretFiles(FilesOptions{noMemfd: true, candidates: []string{ro, full}})
	if !errors.Is(err, ErrNoMemory) {
		t.Fatalf("err = %v; want ErrNoMemory", err)
	}
	for _, want := range []string{ro + ": read-only file system", full + ": full (no space left on the filesystem)",
		"never writes a secret to a disk", "--secret-files-dir DIR", "SECRETRUN_SECRET_FILES_DIR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	onlyFiller(t, full)

	// A tmpfs with room for the directory but not for the secret: the write fails, saying
	// where and naming the opt-in, and Remove leaves nothing behind.
	small := mountTmpfs(t, "4k", false)
	f, err := NewSecretFiles(FilesOptions{noMemfd: true, candidates: []string{small}})
	must(t, err)
	_, err = f.Write("TLS_KEY", "CANARY-"+strings.Repeat("k", 64<<10))
	if !errors.Is(err, ErrNoMemory) || !errors.Is(err, unix.ENOSPC) || !strings.Contains(err.Error(), "TLS_KEY: cannot write its secret file in "+small+"/"+dirPrefix) ||
		!strings.Contains(err.Error(), "--secret-files-dir DIR") || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("write to a full memory-backed directory: %v", err)
	}
	must(t, f.Remove())
	if entries, _ := os.ReadDir(small); len(entries) != 0 {
		t.Errorf("Remove left %v in %s", entries, small)
	}

	// --secret-files-dir naming a read-only or a full tmpfs: refused with the reason, nothing
	// written there or anywhere else (no fallback).
	for dir, want := range map[string]string{ro: "read-only file system", full: "full (no space left on the filesystem)"} {
		_, err := NewSecretFiles(FilesOptions{Dir: dir})
		if err == nil || err.Error() != "--secret-files-dir "+dir+": "+want {
			t.Errorf("--secret-files-dir %s: %v; want %q", dir, err, want)
		}
	}
	onlyFiller(t, full)
	if memoryBacked(tmp) == nil {
		t.Logf("%s is memory-backed: the no-fallback check below proves less", tmp)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("something was written to %s: %v", tmp, entries)
	}
}
