//go:build unix

package cmd

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

// hangingProvider announces each Fetch on entered and returns only when ctx is done.
type hangingProvider struct{ entered chan struct{} }

func (h hangingProvider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	h.entered <- struct{}{}
	<-ctx.Done()
	return make([]providers.Secret, len(refs)), ctx.Err()
}

// A SIGTERM while secrets are being fetched stops secretrun with 143 (128+15), as it would stop
// the command, with one message instead of a "context canceled" per variable, and the command
// never starts.
func TestSignalDuringFetchExits128PlusN(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  p:\n    secrets:\n      A: slow://a\n      B: slow://b\n"), 0o600))
	d, stdout, stderr := fakeDeps(t, dir, false)
	h := hangingProvider{entered: make(chan struct{}, 1)}
	d.Registry = func(*config.Config, string) *providers.Registry {
		return providers.NewRegistry(providers.Entry{Scheme: "slow", Open: func() (providers.Provider, error) { return h, nil }})
	}
	done := make(chan int, 1)
	go func() { done <- Execute(d, []string{"--", "fakechild", "say", "must-not-run"}) }()
	select {
	case <-h.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the fetch never started")
	}
	must(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	var status int
	select {
	case status = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("secretrun did not stop on SIGTERM during the fetch")
	}
	if status != 128+int(syscall.SIGTERM) {
		t.Errorf("exit status %d, want %d", status, 128+int(syscall.SIGTERM))
	}
	if want := "secretrun: error: stopped by a signal (terminated) before the command started\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("the command ran: %q", stdout.String())
	}
}
