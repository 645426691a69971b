package file_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/file"
)

// A file's modification time is its secret's creation time, for every #key read from it.
func TestCreatedIsModTime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cfg.json")
	write(t, path, `{"a":"CANARY-a","b":"CANARY-b"}`)
	old := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	refs := []providers.Ref{mustRef(t, "file://cfg.json#a"), mustRef(t, "file://cfg.json#b"), mustRef(t, "file://missing")}
	out, err := file.New(dir).Fetch(context.Background(), refs)
	if err == nil {
		t.Fatal("file://missing: no error")
	}
	for _, i := range []int{0, 1} {
		if !out[i].Created.Equal(old) {
			t.Errorf("%s: Created = %v, want %v", refs[i], out[i].Created, old)
		}
	}
	if !out[2].Created.IsZero() {
		t.Errorf("missing file: Created = %v, want zero", out[2].Created)
	}
}
