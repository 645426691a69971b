//go:build unix

package cmd

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/secretrun/secretrun/config"
)

// watchSettings applies the profile's block, then the flags, and resolves signal names.
func TestWatchSettings(t *testing.T) {
	const yaml = `
profiles:
  none:
    secrets: {DB: dotenv://.env#DB}
  usr2:
    secrets: {DB: dotenv://.env#DB}
    watch: {on_change: signal:usr2, interval: 1m, jitter: 0}
  exits:
    secrets: {DB: dotenv://.env#DB}
    watch: {on_change: exit, exit_code: 42, debounce: 1s, min_interval: 10s}
`
	cfg, err := config.Parse("secretrun.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		profile string
		args    []string
		want    watchSettings
	}{
		{"none", nil, watchSettings{false, 5 * time.Minute, 0.1, 5 * time.Second, time.Minute, "restart", 75, 0, ""}},
		{"none", []string{"--watch"}, watchSettings{true, 5 * time.Minute, 0.1, 5 * time.Second, time.Minute, "restart", 75, 0, "--watch"}},
		{"none", []string{"--on-change", "signal:HUP"}, watchSettings{true, 5 * time.Minute, 0.1, 5 * time.Second, time.Minute, "signal:HUP", 75, syscall.SIGHUP, "--on-change"}},
		{"none", []string{"--watch-interval", "250ms", "--watch=false"}, watchSettings{false, 250 * time.Millisecond, 0.1, 5 * time.Second, time.Minute, "restart", 75, 0, "--watch"}},
		{"usr2", nil, watchSettings{true, time.Minute, 0, 5 * time.Second, time.Minute, "signal:USR2", 75, syscall.SIGUSR2, "profile"}},
		{"usr2", []string{"--on-change", "restart", "--watch-interval", "2m"}, watchSettings{true, 2 * time.Minute, 0, 5 * time.Second, time.Minute, "restart", 75, 0, "profile"}},
		{"exits", nil, watchSettings{true, 5 * time.Minute, 0.1, time.Second, 10 * time.Second, "exit", 42, 0, "profile"}},
		{"exits", []string{"--watch=false"}, watchSettings{false, 5 * time.Minute, 0.1, time.Second, 10 * time.Second, "exit", 42, 0, "--watch"}},
	}
	for _, tt := range tests {
		deps := SystemDeps()
		var stderr bytes.Buffer
		deps.Streams.Err, deps.Streams.ErrTTY = &stderr, false
		root, a := newRootCommand(deps)
		if err := root.ParseFlags(tt.args); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		prof, err := cfg.Profile(tt.profile)
		if err != nil {
			t.Fatal(err)
		}
		p := &plan{cfg: cfg, profile: prof, registry: deps.Registry(cfg, t.TempDir())}
		got, err := a.watchSettings(p)
		if err != nil {
			t.Errorf("%s %v: %v", tt.profile, tt.args, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s %v:\n got %+v\nwant %+v", tt.profile, tt.args, got, tt.want)
		}
	}
}
