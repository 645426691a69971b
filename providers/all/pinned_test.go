package all_test

import (
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/awssm"
	"github.com/secretrun/secretrun/providers/azkv"
	"github.com/secretrun/secretrun/providers/env"
	"github.com/secretrun/secretrun/providers/gcpsm"
	"github.com/secretrun/secretrun/providers/ssm"
	"github.com/secretrun/secretrun/providers/vault"
)

// A watcher skips the refs that name a version that cannot change, and checks the ones that
// follow a moving target (the latest version, a staging label, an alias).
func TestPinned(t *testing.T) {
	var (
		v  providers.Pinner = (*vault.Provider)(nil)
		a  providers.Pinner = (*awssm.Provider)(nil)
		g  providers.Pinner = (*gcpsm.Provider)(nil)
		az providers.Pinner = (*azkv.Provider)(nil)
		e  providers.Pinner = (*env.Provider)(nil)
		s  providers.Pinner = (*ssm.Provider)(nil)
	)
	for _, tc := range []struct {
		p      providers.Pinner
		ref    string
		pinned bool
	}{
		{v, "vault://secret/app?version=3#db", true},
		{v, "vault://secret/app#db", false},
		{v, "vault://secret/app?version=0#db", false}, // Vault's "latest"
		{v, "vault://database/creds/app#password", false},
		{a, "awssm://prod/db?version_id=a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", true},
		{a, "awssm://prod/db?version_stage=AWSPREVIOUS", false},
		{a, "awssm://prod/db", false},
		{g, "gcpsm://projects/p/secrets/s/versions/7", true},
		{g, "gcpsm://projects/p/secrets/s/versions/latest", false},
		{g, "gcpsm://projects/p/secrets/s/versions/prod", false}, // an alias moves
		{g, "gcpsm://s", false},
		{az, "azkv://kv/name/0123456789abcdef0123456789abcdef", true},
		{az, "azkv://kv/name", false},
		{e, "env://HOME", true},
		{s, "ssm:///app/db?version=4", true},
		{s, "ssm:///app/db?label=prod", false},
		{s, "ssm:///app/db", false},
		{a, "awssm://prod/db?version_id=not%20an%20id", false}, // invalid: never pinned
	} {
		ref, err := providers.ParseRef(tc.ref)
		if err != nil {
			t.Fatalf("%s: %v", tc.ref, err)
		}
		if got := tc.p.Pinned(ref); got != tc.pinned {
			t.Errorf("Pinned(%s) = %v, want %v", tc.ref, got, tc.pinned)
		}
	}
}
