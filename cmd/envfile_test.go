package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

// In an --env-file, only an unquoted reference with a remote scheme is fetched (and masked);
// a quoted value, and a value with a local scheme, reach the child as written. The registry has a
// remote scheme and a local one, both returning CANARY values, so a wrongly resolved literal
// shows up as *** or as a canary.
func TestEnvFileResolvesOnlyUnquotedRemoteReferences(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "app.env")
	must(t, os.WriteFile(envFile, []byte(strings.Join([]string{
		"DB_PASS=remote://prod-db",
		"QUOTED_REMOTE='remote://prod-db'",
		`DQ_REMOTE="remote://prod-db"`,
		"LOCAL=local://some/file",
		"PLAIN=value",
	}, "\n")+"\n"), 0o600))
	d, stdout, stderr := fakeDeps(t, dir, false)
	d.Registry = func(*config.Config, string) *providers.Registry {
		return providers.NewRegistry(
			providers.Entry{Scheme: "remote", Remote: true, Open: func() (providers.Provider, error) { return staticRemote{}, nil }},
			providers.Entry{Scheme: "local", Open: func() (providers.Provider, error) { return staticRemote{}, nil }},
		)
	}
	args := []string{"--env-file", envFile, "--", "fakechild", "env", "DB_PASS", "QUOTED_REMOTE", "DQ_REMOTE", "LOCAL", "PLAIN"}
	if status := Execute(d, args); status != 0 {
		t.Fatalf("exit status %d\n%s", status, stderr)
	}
	want := "DB_PASS=***\nQUOTED_REMOTE=remote://prod-db\nDQ_REMOTE=remote://prod-db\nLOCAL=local://some/file\nPLAIN=value\n"
	if got := stdout.String(); got != want {
		t.Errorf("the child saw\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(stdout.String()+stderr.String(), "CANARY") {
		t.Errorf("a fetched value reached the output unmasked:\n%s%s", stdout, stderr)
	}
}
