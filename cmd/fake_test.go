package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

const fakeConfig = `version: 1
default_profile: prod
profiles:
  prod:
    secrets:
      DATABASE_URL: {ref: vault://secret/app#db, validate: {require_tls: true}}
      API_KEY: dotenv://.env#API_KEY
`

// --fake opens no provider (each Open fails the test), fetches nothing, and still runs the
// command and fills check's table; inherited references get fake values too.
func TestFakeOpensNoProvider(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(fakeConfig), 0o600))
	for _, args := range [][]string{{"run", "--fake", "--", "true"}, {"--fake", "--", "true"}, {"check", "--fake", "--json"}} {
		d, stdout, stderr := fakeDeps(t, dir, false)
		d.Environ = append(d.Environ, "INHERITED=vault://secret/other#key")
		opened := 0
		d.Registry = func(*config.Config, string) *providers.Registry {
			open := func() (providers.Provider, error) {
				opened++
				t.Errorf("%v: a provider was opened", args)
				return nil, os.ErrPermission
			}
			return providers.NewRegistry(
				providers.Entry{Scheme: "vault", Remote: true, Open: open},
				providers.Entry{Scheme: "dotenv", Open: open},
			)
		}
		if status := Execute(d, args); status != 0 {
			t.Fatalf("%v: exit status %d\n%s", args, status, stderr)
		}
		if opened != 0 {
			t.Errorf("%v: %d providers opened", args, opened)
		}
		if args[0] != "check" {
			if !strings.Contains(stderr.String(), "secretrun: warning: --fake: the command runs with fake values\n") {
				t.Errorf("%v: no warning: %q", args, stderr)
			}
			continue
		}
		var rows []checkRow
		must(t, json.Unmarshal(stdout.Bytes(), &rows))
		if len(rows) != 3 {
			t.Fatalf("check: %d rows, want 3: %s", len(rows), stdout)
		}
		for _, r := range rows {
			if r.Status != "fake" || !r.Fake || r.Error != "" || len(r.Validation) > 0 {
				t.Errorf("check row %+v, want status fake", r)
			}
		}
	}
}

// SECRETRUN_FAKE does not turn --fake on: a variable left in production must not replace the
// real secrets.
func TestFakeNotFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(fakeConfig), 0o600))
	d, stdout, _ := fakeDeps(t, dir, false)
	d.Environ = append(d.Environ, "SECRETRUN_FAKE=1")
	opened := 0
	d.Registry = func(*config.Config, string) *providers.Registry {
		open := func() (providers.Provider, error) { opened++; return nil, os.ErrPermission }
		return providers.NewRegistry(providers.Entry{Scheme: "vault", Remote: true, Open: open}, providers.Entry{Scheme: "dotenv", Open: open})
	}
	if status := Execute(d, []string{"check", "--json"}); status != ExitUsage {
		t.Errorf("exit status %d, want %d (the real, failing fetch)", status, ExitUsage)
	}
	if opened == 0 || strings.Contains(stdout.String(), `"fake"`) {
		t.Errorf("SECRETRUN_FAKE turned --fake on: %s", stdout)
	}
}
