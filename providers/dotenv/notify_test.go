package dotenv_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/dotenv"
)

// A dotenv file mounted from a Kubernetes secret (a symlink through ..data) and updated by the
// kubelet's ..data swap is reported for every ref into it, and Fetch then reads the new values.
func TestNotifyKubernetesSwap(t *testing.T) {
	dir := t.TempDir()
	mkdata := func(stamp, content string) {
		if err := os.Mkdir(filepath.Join(dir, stamp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, stamp, "app.env"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(stamp, filepath.Join(dir, "..data_tmp")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	mkdata("..2026_12_06_01", "A=1\nB=1\n")
	if err := os.Symlink("..data/app.env", filepath.Join(dir, "app.env")); err != nil {
		t.Fatal(err)
	}
	p := dotenv.New(dir)
	a, b := mustRef(t, "dotenv://app.env#A"), mustRef(t, "dotenv://app.env#B")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan []providers.Ref, 100)
	if err := p.Notify(ctx, []providers.Ref{a, b}, func(r []providers.Ref) { ch <- r }); err != nil {
		t.Fatal(err)
	}
	mkdata("..2026_12_06_02", "A=2\nB=1\n")
	select {
	case got := <-ch:
		if !slices.Contains(got, a) || !slices.Contains(got, b) {
			t.Errorf("reported %v, want both refs", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the ..data swap was not reported")
	}
	s, err := p.Fetch(ctx, []providers.Ref{a})
	if err != nil || s[0].Reveal() != "2" {
		t.Fatalf("Fetch after the swap: %v", err)
	}
}
