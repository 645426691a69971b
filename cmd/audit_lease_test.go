package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/audit/audittest"
	"github.com/secretrun/secretrun/internal/testenv"
)

// A run that logs in to the real Vault with AppRole records the renewals of secretrun's login
// token while the command runs (its TTL is 3 s, renewed at about 2 s) and the token's revocation
// after the command ended, before the audit trail closes: lease_renewed, then lease_revoked, each
// valid against the schema, none holding a value, the secret id or the token. The fetched record
// names the login token by its accessor (from the login response: no extra request), which Vault
// no longer knows after the run, since the token was revoked.
func TestAuditLeaseEvents(t *testing.T) {
	env := testenv.Require(t, testenv.VaultAddr, testenv.VaultToken)
	vaultAddr, rootToken := env[0], env[1]
	run := randHex(t, 6)
	value := "CANARY-lease-audit-" + run + "-" + randHex(t, 6)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	vc := vaultAdmin(t, vaultAddr, rootToken)
	path := "lease-audit-" + run
	if _, err := vc.KVv2("secret").Put(ctx, path, map[string]any{"v": value}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vc.KVv2("secret").DeleteMetadata(context.Background(), path) })
	policy := "lease-audit-" + run
	must(t, vc.Sys().PutPolicy(policy, `path "secret/data/`+path+`" { capabilities = ["read"] }`))
	mount := "approle-" + run
	must(t, vc.Sys().EnableAuthWithOptions(mount, &vaultapi.EnableAuthOptions{Type: "approle"}))
	t.Cleanup(func() { _ = vc.Sys().DisableAuth(mount) })
	_, err := vc.Logical().Write("auth/"+mount+"/role/app", map[string]any{
		"token_policies": policy, "token_ttl": "3s", "token_max_ttl": "1m"})
	must(t, err)
	roleID, err := vc.Logical().Read("auth/" + mount + "/role/app/role-id")
	must(t, err)
	secretID, err := vc.Logical().Write("auth/"+mount+"/role/app/secret-id", nil)
	must(t, err)
	sid := secretID.Data["secret_id"].(string)
	accessor := "" // the login token's, as the fetched record names it (checked below)

	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(`version: 1
providers:
  vault: { address: `+vaultAddr+`, auth: { method: approle, mount: `+mount+` } }
profiles:
  default:
    secrets:
      V: vault://secret/`+path+`#v
`), 0o600))
	auditLog := filepath.Join(dir, "audit.jsonl")
	d, stdout, stderr := fakeDeps(t, dir, false)
	t.Setenv("VAULT_ROLE_ID", roleID.Data["role_id"].(string))
	t.Setenv("VAULT_SECRET_ID", sid)
	t.Setenv("VAULT_TOKEN", "")
	if status := Execute(d, []string{"--audit-log", auditLog, "--", "sleep", "3.5"}); status != 0 {
		t.Fatalf("exit status %d\n%s%s", status, stdout, stderr)
	}

	raw, err := os.ReadFile(auditLog)
	must(t, err)
	if i := strings.Index(string(raw), `"accessor":"`); i >= 0 {
		accessor = strings.SplitN(string(raw)[i+len(`"accessor":"`):], `"`, 2)[0]
	}
	if accessor == "" {
		t.Fatalf("no accessor in the audit trail:\n%s", raw)
	}
	if _, err := vc.Auth().Token().LookupAccessor(accessor); err == nil {
		t.Errorf("the accessor %s still names a live token after the run (it was to be revoked)", accessor)
	} else if !strings.Contains(err.Error(), "invalid accessor") {
		t.Errorf("looking up accessor %s: %v", accessor, err)
	}
	var events []string
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		if line == "" {
			continue
		}
		r, err := audittest.Check([]byte(line))
		if err != nil {
			t.Errorf("audit record: %v", err)
		}
		for _, secret := range []string{value, sid} {
			if strings.Contains(line, secret) {
				t.Errorf("audit record holds a secret: %s", line)
			}
		}
		ev, _ := r["event"].(string)
		if ev == "fetched" {
			ids, _ := r["identity"].([]any)
			id, _ := func() (map[string]any, bool) {
				if len(ids) == 1 {
					m, ok := ids[0].(map[string]any)
					return m, ok
				}
				return nil, false
			}()
			if id["provider"] != "vault" || id["accessor"] != accessor {
				t.Errorf("fetched record: identity %v, want the login token's accessor %s", r["identity"], accessor)
			}
		}
		if strings.HasPrefix(ev, "lease_") {
			if l, _ := r["lease"].(map[string]any); l["token"] != true {
				t.Errorf("%s record does not name secretrun's login token: %s", ev, line)
			}
		}
		events = append(events, ev)
	}
	got := strings.Join(events, " ")
	if !strings.Contains(got, "child_started lease_renewed") || !strings.HasSuffix(got, "child_exited lease_revoked") {
		t.Errorf("audit events %q: want the token renewed while the command ran, and revoked after it exited", got)
	}
}

// vaultAdmin is a client of the test Vault with its root token, for setting up a test.
func vaultAdmin(t *testing.T, addr, rootToken string) *vaultapi.Client {
	t.Helper()
	vc, err := vaultapi.NewClient(&vaultapi.Config{Address: addr})
	must(t, err)
	vc.SetToken(rootToken)
	return vc
}
