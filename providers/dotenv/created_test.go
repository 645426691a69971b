package dotenv_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/dotenv"
)

// A dotenv file's modification time is the creation time of every variable read from it.
func TestCreatedIsModTime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	if err := os.WriteFile(path, []byte("A=CANARY-a\nB=CANARY-b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	refs := []providers.Ref{mustRef(t, "dotenv://.env#A"), mustRef(t, "dotenv://.env#B"), mustRef(t, "dotenv://.env#C")}
	out, err := dotenv.New(dir).Fetch(context.Background(), refs)
	if err == nil {
		t.Fatal("#C: no error")
	}
	for _, i := range []int{0, 1} {
		if !out[i].Created.Equal(old) {
			t.Errorf("%s: Created = %v, want %v", refs[i], out[i].Created, old)
		}
	}
	if !out[2].Created.IsZero() {
		t.Errorf("missing variable: Created = %v, want zero", out[2].Created)
	}
}
