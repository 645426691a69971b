package inject

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// runWithFiles runs a real program with the memory files inherited, as the runner does.
func runWithFiles(t *testing.T, f *SecretFiles, name string, args ...string) (string, error) {
	t.Helper()
	c := exec.Command(name, args...)
	c.ExtraFiles = f.ExtraFiles()
	out, err := c.CombinedOutput()
	return string(out), err
}

// On Linux the child gets memory files by path, /proc/self/fd/N, that real programs open (more
// than once), that others may not read (mode 0600: ssh and libpq check) and nobody can change.
func TestMemoryFilesReachTheChildByPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("memory files are Linux only")
	}
	f, err := NewSecretFiles(FilesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Remove()
	if f.Dir() != "" || f.Mode() != "memory" {
		t.Fatalf("mode %q, dir %q; want memory files", f.Mode(), f.Dir())
	}
	key, err := f.Write("TLS_KEY", "CANARY-key\x00with-binary\n")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := f.Write("TLS_CERT", "CANARY-cert")
	if err != nil {
		t.Fatal(err)
	}
	if key != "/proc/self/fd/3" || cert != "/proc/self/fd/4" {
		t.Fatalf("paths %s, %s; want /proc/self/fd/3 and 4", key, cert)
	}

	out, err := runWithFiles(t, f, "sh", "-c", `cat "$0"; cat "$0"; cat "$1"`, key, cert)
	if err != nil || out != "CANARY-key\x00with-binary\nCANARY-key\x00with-binary\nCANARY-cert" {
		t.Errorf("cat read %q, %v", out, err)
	}
	if py, err := exec.LookPath("python3"); err == nil {
		out, err := runWithFiles(t, f, py, "-c", `import sys; print(open(sys.argv[1]).read(), open(sys.argv[1], "rb").read() == b"CANARY-cert")`, cert)
		if err != nil || out != "CANARY-cert True\n" {
			t.Errorf("python3 open() read %q, %v", out, err)
		}
	}
	out, err = runWithFiles(t, f, "stat", "-L", "-c", "%a %s", key)
	if err != nil || out != "600 23\n" {
		t.Errorf("stat: %q, %v; want mode 600 and size 23", out, err)
	}
	if out, err := runWithFiles(t, f, "sh", "-c", `echo CHANGED >> "$0"`, key); err == nil {
		t.Errorf("the child could append to the sealed memory file: %q", out)
	}
	if out, _ := runWithFiles(t, f, "cat", key); !strings.HasPrefix(out, "CANARY-key") {
		t.Errorf("the memory file changed: %q", out)
	}
	// Nothing of it exists in any directory: the only way in is the inherited descriptor.
	if out, err := exec.Command("cat", key).CombinedOutput(); err == nil {
		t.Errorf("a process that did not inherit the descriptor read it: %q", out)
	}
	if err := f.Remove(); err != nil {
		t.Fatal(err)
	}
	if f.ExtraFiles() != nil {
		t.Error("Remove left memory files open")
	}
	if err := f.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}

// Without memory files and without a memory-backed directory, secretrun refuses, saying why
// for each place and naming the opt-in; it never falls back to a disk.
func TestNoMemoryBackedPlaceIsRefused(t *testing.T) {
	disk := t.TempDir()
	if memoryBacked(disk) == nil {
		t.Skipf("%s is memory-backed here: no disk-backed directory to test with", disk)
	}
	_, err := NewSecretFiles(FilesOptions{noMemfd: true, candidates: []string{disk, filepath.Join(disk, "absent")}})
	if !errors.Is(err, ErrNoMemory) {
		t.Fatalf("err = %v; want ErrNoMemory", err)
	}
	for _, want := range []string{disk + ": not a memory-backed filesystem", disk + "/absent: does not exist", "never writes a secret to a disk", "--secret-files-dir DIR", "SECRETRUN_SECRET_FILES_DIR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if entries, _ := os.ReadDir(disk); len(entries) != 0 {
		t.Errorf("something was written to the disk-backed directory: %v", entries)
	}
}

// shmDir returns a fresh directory on /dev/shm, skipping where there is none.
func shmDir(t *testing.T) string {
	t.Helper()
	if memoryBacked("/dev/shm") != nil {
		t.Skip("no memory-backed /dev/shm")
	}
	dir, err := os.MkdirTemp("/dev/shm", "secretrun-test-")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Where memory files cannot be used, a private, locked directory on a memory-backed
// filesystem holds them; each start removes the directories of runs that died (SIGKILL, OOM)
// and leaves the live ones alone.
func TestMemoryBackedDirectoryAndStaleSweep(t *testing.T) {
	parent := shmDir(t)
	stale := filepath.Join(parent, dirPrefix+"dead")
	must(t, os.Mkdir(stale, 0o700))
	must(t, os.WriteFile(filepath.Join(stale, "TLS_KEY"), []byte("CANARY-left-behind"), 0o600))
	live := filepath.Join(parent, dirPrefix+"live")
	must(t, os.Mkdir(live, 0o700))
	lock, err := lockDir(live, true) // a running secretrun holds its lock
	must(t, err)
	defer lock.Close()
	other := filepath.Join(parent, "not-ours")
	must(t, os.Mkdir(other, 0o700))
	must(t, os.Symlink(other, filepath.Join(parent, dirPrefix+"link")))

	f, err := NewSecretFiles(FilesOptions{noMemfd: true, candidates: []string{parent}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Remove()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale directory of a dead run is still there: %v", err)
	}
	for _, keep := range []string{live, other, filepath.Join(parent, dirPrefix+"link")} {
		if _, err := os.Lstat(keep); err != nil {
			t.Errorf("%s was removed: %v", keep, err)
		}
	}
	if filepath.Dir(f.Dir()) != parent || !strings.HasPrefix(filepath.Base(f.Dir()), dirPrefix) {
		t.Fatalf("dir %s; want %s/%s*", f.Dir(), parent, dirPrefix)
	}
	p, err := f.Write("TLS_KEY", "CANARY-key")
	must(t, err)
	checkPrivate(t, f.Dir(), p, "CANARY-key")
	// While this run lives another start leaves its directory alone.
	g, err := NewSecretFiles(FilesOptions{noMemfd: true, candidates: []string{parent}})
	must(t, err)
	g.Remove()
	if _, err := os.Stat(p); err != nil {
		t.Errorf("another start removed a live run's file: %v", err)
	}
	dir := f.Dir()
	must(t, f.Remove())
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Remove: %v", dir, err)
	}
}

// A directory the user chose (--secret-files-dir) is used even on a disk: the explicit opt-in.
func TestChosenDirectory(t *testing.T) {
	parent := t.TempDir()
	f, err := NewSecretFiles(FilesOptions{Dir: parent})
	must(t, err)
	defer f.Remove()
	if f.ExtraFiles() != nil || filepath.Dir(f.Dir()) != parent {
		t.Fatalf("mode %q; want a directory under %s", f.Mode(), parent)
	}
	p, err := f.Write("TLS_KEY", "CANARY-key")
	must(t, err)
	checkPrivate(t, f.Dir(), p, "CANARY-key")
	dir := f.Dir()
	must(t, f.Remove())
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Remove: %v", dir, err)
	}
	if _, err := NewSecretFiles(FilesOptions{Dir: filepath.Join(parent, "absent")}); err == nil || !strings.Contains(err.Error(), "--secret-files-dir") {
		t.Errorf("a chosen directory that does not exist: %v", err)
	}
}

// checkPrivate checks a directory-mode secret file: 0700 directory, 0600 file, the content.
func checkPrivate(t *testing.T, dir, file, content string) {
	t.Helper()
	if filepath.Dir(file) != dir {
		t.Errorf("file %s is not in %s", file, dir)
	}
	for path, mode := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, file: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != mode {
			t.Errorf("%s mode = %v, want %v", path, st.Mode(), mode)
		}
	}
	if data, _ := os.ReadFile(file); string(data) != content {
		t.Errorf("content = %q", data)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
