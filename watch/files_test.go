package watch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/file"
	"github.com/secretrun/secretrun/watch"
)

// With the real file provider and real filesystem events, a file rewritten in place and a
// Kubernetes-style ..data swap are each one change with the new value.
func TestRealFileChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ref    string
		setup  func(dir string)
		rotate func(dir string, n int) // the n-th write of the new value (n ≥ 2)
	}{
		{"rewritten in place", "file://token",
			func(dir string) { write(t, filepath.Join(dir, "token"), "old") },
			func(dir string, _ int) { write(t, filepath.Join(dir, "token"), "new") }},
		{"kubernetes ..data swap", "file://mount/token",
			func(dir string) {
				swap(t, filepath.Join(dir, "mount"), 1, "old")
				must(t, os.Symlink("..data/token", filepath.Join(dir, "mount", "token")))
			},
			func(dir string, n int) { swap(t, filepath.Join(dir, "mount"), n, "new") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(dir)
			prov := file.New(dir)
			ref, err := providers.ParseRef(tc.ref)
			must(t, err)
			secrets, err := prov.Fetch(context.Background(), []providers.Ref{ref})
			must(t, err)
			w := watch.New([]watch.Item{{Name: "TOKEN", Ref: ref, Provider: prov, Secret: secrets[0]}}, watch.Options{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { w.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			// Run sets the watch up in the background: the new value is written again until
			// it is seen (the same value written twice is one change).
			for n := 2; ; n++ {
				tc.rotate(dir, n)
				select {
				case cs := <-w.Changes():
					if len(cs) != 1 || cs[0].Secret.Reveal() != "new" || cs[0].Names[0] != "TOKEN" {
						t.Fatalf("changes %+v", cs)
					}
				case <-time.After(500 * time.Millisecond):
					if n < 10 {
						continue
					}
					t.Fatal("no change seen")
				}
				break
			}
			select {
			case cs := <-w.Changes():
				t.Errorf("a second change: %+v", cs)
			case <-time.After(300 * time.Millisecond):
			}
		})
	}
}

func swap(t *testing.T, mount string, n int, value string) {
	gen := fmt.Sprintf("..2026_12_06_%02d", n)
	must(t, os.MkdirAll(filepath.Join(mount, gen), 0o700))
	write(t, filepath.Join(mount, gen, "token"), value)
	must(t, os.Symlink(gen, filepath.Join(mount, "..data_tmp")))
	must(t, os.Rename(filepath.Join(mount, "..data_tmp"), filepath.Join(mount, "..data")))
	if n > 1 {
		must(t, os.RemoveAll(filepath.Join(mount, fmt.Sprintf("..2026_12_06_%02d", n-1))))
	}
}

func write(t *testing.T, path, value string) { must(t, os.WriteFile(path, []byte(value), 0o600)) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
