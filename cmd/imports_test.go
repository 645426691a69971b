package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/secretrun/secretrun/internal/testenv"
)

// A failed import fails the run even when the other secrets' store is down and a fallback
// snapshot covers them: a snapshot never stands in for an import, and never hides its error.
func TestImportFailureIsNotCoveredByFallback(t *testing.T) {
	env := testenv.Require(t, testenv.VaultAddr, testenv.VaultToken)
	vaultAddr, rootToken := env[0], env[1]
	run := randHex(t, 6)
	password := "CANARY-imp-fb-" + run
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kv := vaultAdmin(t, vaultAddr, rootToken).KVv2("secret")
	path := "import-fb-" + run
	if _, err := kv.Put(ctx, path+"/db", map[string]any{"password": password}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kv.DeleteMetadata(context.Background(), path+"/db") })

	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "key.txt"), []byte(id.String()+"\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "a.env"), []byte("TOKEN=CANARY-imp-a-"+run+"\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(`version: 1
profiles:
  app:
    secrets:
      DB_PASS: vault://secret/`+path+`/db#password
    import:
      - dotenv://a.env
      - {from: dotenv://b.env, optional: true}
    fallback: {path: app.age, identity: file://key.txt}
`), 0o600))
	secretrun := func(addr string) (int, string) {
		t.Helper()
		d, stdout, stderr := fakeDeps(t, dir, false)
		t.Setenv("VAULT_ADDR", addr)
		t.Setenv("VAULT_TOKEN", rootToken)
		status := Execute(d, []string{"--timeout", "5s", "--", "true"})
		if out := stdout.String() + stderr.String(); strings.Contains(out, "CANARY") {
			t.Errorf("a value in secretrun's output:\n%s", out)
		}
		return status, stderr.String()
	}
	if status, stderr := secretrun(vaultAddr); status != 0 {
		t.Fatalf("first run (writes the snapshot): status %d\n%s", status, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "app.age")); err != nil {
		t.Fatalf("no snapshot: %v", err)
	}

	// Vault down (nothing listens on port 1), and b.env now gives TOKEN too.
	must(t, os.WriteFile(filepath.Join(dir, "b.env"), []byte("TOKEN=CANARY-imp-b-"+run+"\n"), 0o600))
	status, stderr := secretrun("http://127.0.0.1:1")
	if status != 125 || !strings.Contains(stderr, `import dotenv://b.env (secretrun.yaml:8): TOKEN: key "TOKEN" gives the same name as key "TOKEN" of import dotenv://a.env (secretrun.yaml:7)`) {
		t.Errorf("collision with the store down: status %d, want 125 naming both imports\n%s", status, stderr)
	}
	if strings.Contains(stderr, "using the fallback snapshot") {
		t.Errorf("fell back although an import failed:\n%s", stderr)
	}
}
