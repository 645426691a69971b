package cmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

// absent is a provider that finds nothing: every ref is ErrNotFound.
type absent struct{}

func (absent) Fetch(_ context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	var errs []error
	for _, r := range refs {
		errs = append(errs, &providers.RefError{Ref: r, Err: providers.ErrNotFound})
	}
	return make([]providers.Secret, len(refs)), errors.Join(errs...)
}

// The credentials a provider authenticated with are scrubbed even when every secret asked of it
// was optional and absent: the provider still logged in with them.
func TestCredentialsOfAProviderWithOnlyAbsentSecretsAreScrubbed(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(`version: 1
profiles:
  p:
    secrets:
      FEATURE: { ref: store://feature, optional: true }
`), 0o600))
	d, stdout, stderr := fakeDeps(t, dir, false)
	d.Environ = append(d.Environ, "STORE_TOKEN=CANARY-store-login-77", "STORE_ROLE_ID=CANARY-role-78", "UNRELATED=kept")
	d.Registry = func(*config.Config, string) *providers.Registry {
		return providers.NewRegistry(providers.Entry{Scheme: "store", Remote: true, Credentials: []string{"STORE_TOKEN", "STORE_*_ID"},
			Open: func() (providers.Provider, error) { return absent{}, nil }})
	}
	if status := Execute(d, []string{"--", "sh", "-c", `echo "token=${STORE_TOKEN-unset} role=${STORE_ROLE_ID-unset} feature=${FEATURE-unset} unrelated=$UNRELATED"`}); status != 0 {
		t.Fatalf("exit status %d\n%s", status, stderr)
	}
	if got, want := strings.TrimSpace(stdout.String()), "token=unset role=unset feature=unset unrelated=kept"; got != want {
		t.Errorf("the child saw %q, want %q", got, want)
	}
}
