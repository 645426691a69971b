package file_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/file"
)

// waitRefs returns the first report from ch that holds want, failing after a generous bound.
func waitRefs(t *testing.T, ch <-chan []providers.Ref, want providers.Ref) []providers.Ref {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-ch:
			if slices.Contains(got, want) {
				return got
			}
		case <-deadline:
			t.Fatalf("no change reported for %s", want)
			return nil
		}
	}
}

// Notify reports every ref naming a changed file (relative paths resolved against the base
// directory, two refs of one file both reported) and none of another file; a deleted file is
// reported too, and Fetch then fails for it (the watcher keeps the last value).
func TestNotify(t *testing.T) {
	dir := t.TempDir()
	for name, v := range map[string]string{"tls.key": "old\n", "other": "x\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := file.New(dir)
	key, keyRaw, other := mustRef(t, "file://tls.key"), mustRef(t, "file://tls.key?trim=false"), mustRef(t, "file://"+filepath.Join(dir, "other"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan []providers.Ref, 100)
	if err := p.Notify(ctx, []providers.Ref{key, keyRaw, other}, func(r []providers.Ref) { ch <- r }); err != nil {
		t.Fatal(err)
	}

	tmp := filepath.Join(dir, ".tls.key.new")
	if err := os.WriteFile(tmp, []byte("new\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "tls.key")); err != nil {
		t.Fatal(err)
	}
	got := waitRefs(t, ch, key)
	if !slices.Contains(got, keyRaw) || slices.Contains(got, other) {
		t.Errorf("reported %v, want both refs of tls.key and not %s", got, other)
	}
	if s, err := p.Fetch(ctx, []providers.Ref{key}); err != nil || s[0].Reveal() != "new" {
		t.Fatalf("after the change Fetch = %v", err)
	}

	if err := os.Remove(filepath.Join(dir, "other")); err != nil {
		t.Fatal(err)
	}
	waitRefs(t, ch, other)
	if _, err := p.Fetch(ctx, []providers.Ref{other}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Fetch of the deleted file: %v, want ErrNotFound", err)
	}
}

// A file in a directory that does not exist cannot be watched: Notify says so.
func TestNotifyMissingDirectory(t *testing.T) {
	p := file.New(t.TempDir())
	err := p.Notify(context.Background(), []providers.Ref{mustRef(t, "file://nodir/secret")}, func([]providers.Ref) {})
	if err == nil {
		t.Fatal("Notify succeeded for a missing directory")
	}
}
