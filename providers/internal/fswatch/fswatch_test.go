package fswatch

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// reports collects what Watch reports.
type reports chan []string

func (r reports) changed(paths []string) { r <- paths }

// wait returns the first report that names path, failing after a generous bound (a machine under
// load; the event itself arrives in milliseconds).
func (r reports) wait(t *testing.T, path string) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-r:
			if slices.Contains(got, path) {
				return got
			}
		case <-deadline:
			t.Fatalf("no change reported for %s", path)
			return nil
		}
	}
}

// drain empties r of reports already delivered.
func (r reports) drain() {
	for {
		select {
		case <-r:
		default:
			return
		}
	}
}

func start(t *testing.T, paths ...string) reports {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r := make(reports, 100)
	if err := Watch(ctx, paths, r.changed); err != nil {
		t.Fatal(err)
	}
	return r
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}

func TestWatchReportsChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, dir, path string) // path = dir/secret, written before the watch
	}{
		{"rewritten in place", func(t *testing.T, dir, path string) {
			write(t, path, "new") // O_TRUNC: same inode
		}},
		{"replaced by rename", func(t *testing.T, dir, path string) {
			tmp := filepath.Join(dir, ".secret.tmp")
			write(t, tmp, "new")
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"removed", func(t *testing.T, dir, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"renamed away", func(t *testing.T, dir, path string) {
			if err := os.Rename(path, path+".bak"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "secret")
			other := filepath.Join(dir, "other")
			write(t, path, "old")
			write(t, other, "old")
			r := start(t, path, other)
			tt.change(t, dir, path)
			if got := r.wait(t, path); slices.Contains(got, other) {
				t.Errorf("reported %v: %s did not change", got, other)
			}
		})
	}
}

// A Kubernetes secret volume, as the kubelet's atomic writer lays it out and updates it: the
// visible file is a symlink through ..data to a timestamped directory, and an update writes a new
// timestamped directory, points ..data_tmp at it, renames ..data_tmp onto ..data and removes the
// old directory. The visible name itself sees no event.
func TestWatchKubernetesDataSwap(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "..2026_12_06_10_00_00.111")
	if err := os.Mkdir(old, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(old, "password"), "old")
	symlink(t, filepath.Base(old), filepath.Join(dir, "..data"))
	path := filepath.Join(dir, "password")
	symlink(t, "..data/password", path)
	r := start(t, path)

	swap := func(stamp, value string) {
		next := filepath.Join(dir, stamp)
		if err := os.Mkdir(next, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(next, "password"), value)
		symlink(t, stamp, filepath.Join(dir, "..data_tmp"))
		if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	swap("..2026_12_06_10_05_00.222", "new")
	r.wait(t, path)
	if err := os.RemoveAll(old); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("the test's swap is wrong: %s reads %q", path, b)
	}
	// A second update is seen as well, after the first's directory is gone.
	r.drain()
	swap("..2026_12_06_10_10_00.333", "newer")
	r.wait(t, path)
}

// A file that is a symlink into another directory (a path an agent writes by rename) is watched
// at its target too.
func TestWatchSymlinkTarget(t *testing.T) {
	linkDir, targetDir := t.TempDir(), t.TempDir()
	target := filepath.Join(targetDir, "token")
	write(t, target, "old")
	path := filepath.Join(linkDir, "token")
	symlink(t, target, path)
	r := start(t, path)
	tmp := filepath.Join(targetDir, "token.tmp")
	write(t, tmp, "new")
	if err := os.Rename(tmp, target); err != nil {
		t.Fatal(err)
	}
	r.wait(t, path)
}

// Relative paths are reported as given.
func TestWatchRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	write(t, "rel.env", "A=1\n")
	r := start(t, "rel.env")
	write(t, "rel.env", "A=2\n")
	r.wait(t, "rel.env")
}

// A directory that cannot be watched is an error naming it, and leaves nothing running.
func TestWatchError(t *testing.T) {
	before := quiet()
	missing := filepath.Join(t.TempDir(), "no-such-dir", "secret")
	err := Watch(context.Background(), []string{missing}, func([]string) { t.Error("changed called") })
	if err == nil {
		t.Fatal("Watch of a file in a missing directory succeeded")
	}
	if want := filepath.Dir(missing); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
	settle(t, before)
}

// When ctx is done the fsnotify watcher is closed and every goroutine Watch started ends.
func TestWatchNoGoroutineLeak(t *testing.T) {
	before := quiet()
	for range 5 {
		dir := t.TempDir()
		path := filepath.Join(dir, "secret")
		write(t, path, "x")
		ctx, cancel := context.WithCancel(context.Background())
		r := make(reports, 100)
		if err := Watch(ctx, []string{path}, r.changed); err != nil {
			t.Fatal(err)
		}
		write(t, path, "y")
		r.wait(t, path)
		if runtime.NumGoroutine() <= before {
			t.Fatal("Watch started no goroutine: the leak check below would prove nothing")
		}
		cancel()
	}
	settle(t, before)
}

// quiet returns the goroutine count once the goroutines of earlier tests (whose watches were
// cancelled at their cleanup) have ended: once it has not changed for 100ms.
func quiet() int {
	n, same := runtime.NumGoroutine(), 0
	for same < 10 {
		time.Sleep(10 * time.Millisecond)
		if m := runtime.NumGoroutine(); m != n {
			n, same = m, 0
			continue
		}
		same++
	}
	return n
}

// settle waits for the goroutine count to come back to before, failing if it does not.
func settle(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkReportLatency measures the time from a rename-replace of a watched file to its
// report (one op = one replace and its report).
func BenchmarkReportLatency(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "secret")
	if err := os.WriteFile(path, []byte("0"), 0o600); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := make(reports, 1000)
	if err := Watch(ctx, []string{path}, r.changed); err != nil {
		b.Fatal(err)
	}
	tmp := filepath.Join(dir, ".secret.tmp")
	for i := 0; b.Loop(); i++ {
		if err := os.WriteFile(tmp, []byte{byte(i)}, 0o600); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		for got := range r {
			if slices.Contains(got, path) {
				break
			}
		}
	}
}
