package cmd

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
	vaultapi "github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/audit/audittest"
	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers/providertest/toxitest"
	"github.com/secretrun/secretrun/redact"
)

// fallbackConfig has four profiles on the same Vault secrets: prod (an X25519 identity), pass (a
// passphrase from the environment), short (max_age 1ms) and other (prod's key and secrets, its
// own snapshot: for a snapshot swapped between profiles).
const fallbackConfig = `version: 1
profiles:
  prod:
    secrets:
      DB_PASS: vault://secret/FBPATH/db#password
      DB_USER: vault://secret/FBPATH/db#user
    fallback: {path: prod.age, identity: file://key.txt, max_age: 1h}
  pass:
    secrets:
      DB_PASS: vault://secret/FBPATH/db#password
      DB_USER: vault://secret/FBPATH/db#user
    fallback: {path: pass.age, passphrase: env://SNAP_PASS}
  short:
    secrets:
      DB_PASS: vault://secret/FBPATH/db#password
      DB_USER: vault://secret/FBPATH/db#user
    fallback: {path: short.age, identity: file://key.txt, max_age: 1ms}
  other:
    secrets:
      DB_PASS: vault://secret/FBPATH/db#password
      DB_USER: vault://secret/FBPATH/db#user
    fallback: {path: other.age, identity: file://key.txt}
`

// TestFallbackAgainstVault stops Vault (a disabled toxiproxy proxy in front of the real server)
// and checks that a run uses the snapshot with a warning, and that a denied access, a missing
// secret, an expired, tampered, swapped or undecryptable snapshot never does.
func TestFallbackAgainstVault(t *testing.T) {
	env := testenv.Require(t, testenv.VaultAddr, testenv.VaultToken, testenv.Toxiproxy)
	vaultAddr, rootToken := env[0], env[1]
	run := randHex(t, 6)
	password := "CANARY-fb-password-" + run + "-" + randHex(t, 6)
	user := "CANARY-fb-user-" + run + "-" + randHex(t, 6)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	vc := vaultAdmin(t, vaultAddr, rootToken)
	kv := vc.KVv2("secret")
	path := "fallback-" + run
	if _, err := kv.Put(ctx, path+"/db", map[string]any{"password": password, "user": user}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kv.DeleteMetadata(context.Background(), path+"/db") })
	// A token that authenticates but may read nothing (only the default policy).
	limited, err := vc.Auth().Token().Create(&vaultapi.TokenCreateRequest{Policies: []string{"default"}, TTL: "10m"})
	must(t, err)

	px := toxitest.Proxy(t, "fallback-vault", strings.TrimPrefix(vaultAddr, "http://"))
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(strings.ReplaceAll(fallbackConfig, "FBPATH", path)), 0o600))
	writeKey := func() {
		id, err := age.GenerateX25519Identity()
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, "key.txt"), []byte(id.String()+"\n"), 0o600))
	}
	writeKey()
	sum := sha256.Sum256([]byte(password))
	// The child exits 7 when DB_PASS is the password (compared by hash), 3 otherwise.
	child := []string{"--", "sh", "-c", `[ "$(printf %s "$DB_PASS" | sha256sum | cut -d' ' -f1)" = "` + hex.EncodeToString(sum[:]) + `" ] && exit 7; exit 3`}
	secretrun := func(token string, args ...string) (int, string, string) {
		t.Helper()
		d, stdout, stderr := fakeDeps(t, dir, false)
		// The Vault client and the env provider read the process environment.
		t.Setenv("VAULT_ADDR", "http://"+px.Listen)
		t.Setenv("VAULT_TOKEN", token)
		t.Setenv("SNAP_PASS", "fallback test passphrase "+run)
		d.Environ = append(d.Environ, "SNAP_PASS=fallback test passphrase "+run)
		status := Execute(d, append([]string{"--timeout", "5s"}, args...))
		for _, out := range []string{stdout.String(), stderr.String()} {
			if strings.Contains(out, password) || strings.Contains(out, user) {
				t.Errorf("secretrun %s printed a value:\n%s", args, out)
			}
		}
		return status, stdout.String(), stderr.String()
	}
	const warning = "secretrun: warning: vault unavailable; using the fallback snapshot from "
	expect := func(what string, status int, stderr string, wantStatus int, wantStderr ...string) {
		t.Helper()
		if status != wantStatus {
			t.Errorf("%s: exit status %d, want %d\n%s", what, status, wantStatus, stderr)
		}
		for _, w := range wantStderr {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", what, w, stderr)
			}
		}
		if wantStatus == 125 && strings.Contains(stderr, warning) {
			t.Errorf("%s: fell back:\n%s", what, stderr)
		}
		if len(wantStderr) == 0 && stderr != "" {
			t.Errorf("%s: stderr is not empty:\n%s", what, stderr)
		}
	}
	snapshot := func(profile string) *checkRow {
		t.Helper()
		status, stdout, stderr := secretrun(rootToken, "check", "-p", profile, "--json")
		var rows []checkRow
		if err := json.Unmarshal([]byte(stdout), &rows); err != nil || len(rows) != 2 {
			t.Fatalf("check --json: status %d, %v:\n%s\n%s", status, err, stdout, stderr)
		}
		return &rows[0]
	}
	enable := func(on bool) {
		t.Helper()
		px.Enabled = on
		if err := px.Save(); err != nil {
			t.Fatal(err)
		}
	}

	// No snapshot yet: check says so; with the server down, the run fails closed.
	if r := snapshot("prod"); r.Fallback == nil || r.Fallback.Status != "none" || r.Status != "ok" {
		t.Errorf("check before any run: %+v, fallback %+v", r, r.Fallback)
	}
	enable(false)
	status, _, stderr := secretrun(rootToken, append([]string{"-p", "prod"}, child...)...)
	expect("down, no snapshot yet", status, stderr, 125, "fallback: no snapshot at "+filepath.Join(dir, "prod.age"))
	enable(true)

	// A successful run writes the snapshot: 0600, nothing the redactor (or base64, hex) finds.
	for _, profile := range []string{"prod", "pass"} {
		status, _, stderr = secretrun(rootToken, append([]string{"-p", profile}, child...)...)
		expect(profile+" up", status, stderr, 7)
		snap := filepath.Join(dir, profile+".age")
		fi, err := os.Stat(snap)
		if err != nil {
			t.Fatalf("%s: no snapshot written: %v", profile, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: snapshot mode %v, want 0600", profile, fi.Mode().Perm())
		}
		raw, _ := os.ReadFile(snap)
		m, _ := redact.Compile([]redact.Secret{{Name: "DB_PASS", Value: password}, {Name: "DB_USER", Value: user}}, redact.Options{})
		if rs := m.Find(raw); len(rs) > 0 {
			t.Errorf("%s: the redactor finds a value in the snapshot at %v", profile, rs)
		}
		for _, v := range []string{password, user} {
			for _, enc := range []string{v, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)), hex.EncodeToString([]byte(v))} {
				if strings.Contains(string(raw), enc) {
					t.Errorf("%s: the snapshot holds %q", profile, enc)
				}
			}
		}
	}
	if r := snapshot("prod"); r.Fallback == nil || r.Fallback.Status != "ok" || r.Fallback.Age == nil || *r.Fallback.Age > 60 || !r.Fallback.HasValue {
		t.Errorf("check after a run: fallback %+v", r.Fallback)
	}

	// Server down: the run uses the snapshot, announces it (on stderr and in the audit trail),
	// and exits with the child's status.
	enable(false)
	for _, profile := range []string{"prod", "pass"} {
		auditLog := filepath.Join(dir, profile+"-audit.jsonl")
		status, _, stderr = secretrun(rootToken, append([]string{"--audit-log", auditLog, "-p", profile}, child...)...)
		expect(profile+" down", status, stderr, 7, warning, "ago for DB_PASS, DB_USER (fallback: "+filepath.Join(dir, profile+".age")+")")
		expectFallbackRecord(t, auditLog, filepath.Join(dir, profile+".age"), password, user)
	}
	if r := snapshot("prod"); r.Status != "error" || r.Fallback == nil || r.Fallback.Status != "ok" {
		t.Errorf("check with the server down must report the failure and the snapshot: %+v, fallback %+v", r, r.Fallback)
	}
	// A black hole (the server accepts connections and never answers): the fetch times out
	// under --timeout, which is unavailability too.
	enable(true)
	if _, err := px.AddToxic("blackhole", "timeout", "downstream", 1, toxiproxy.Attributes{"timeout": 0}); err != nil {
		t.Fatal(err)
	}
	status, _, stderr = secretrun(rootToken, append([]string{"--timeout", "1s", "-p", "prod"}, child...)...)
	expect("black hole", status, stderr, 7, warning)
	must(t, px.RemoveToxic("blackhole"))
	enable(false)

	// Tampered: one byte of the payload flipped.
	prod := filepath.Join(dir, "prod.age")
	good, _ := os.ReadFile(prod)
	bad := append([]byte(nil), good...)
	bad[len(bad)-20] ^= 0x40
	must(t, os.WriteFile(prod, bad, 0o600))
	status, _, stderr = secretrun(rootToken, append([]string{"-p", "prod"}, child...)...)
	expect("tampered", status, stderr, 125, "snapshot cannot be decrypted")
	if r := snapshot("prod"); r.Fallback == nil || r.Fallback.Status != "unreadable" {
		t.Errorf("check of a tampered snapshot: %+v", r.Fallback)
	}
	must(t, os.WriteFile(prod, good, 0o600))

	// Swapped: prod's snapshot (same key) in place of other's.
	must(t, os.WriteFile(filepath.Join(dir, "other.age"), good, 0o600))
	status, _, stderr = secretrun(rootToken, append([]string{"-p", "other"}, child...)...)
	expect("swapped", status, stderr, 125, "snapshot belongs to another configuration or profile")

	// Wrong identity.
	key, _ := os.ReadFile(filepath.Join(dir, "key.txt"))
	writeKey()
	status, _, stderr = secretrun(rootToken, append([]string{"-p", "prod"}, child...)...)
	expect("wrong identity", status, stderr, 125, "snapshot cannot be decrypted")
	must(t, os.WriteFile(filepath.Join(dir, "key.txt"), key, 0o600))

	// Expired: written while up, older than max_age (1ms) when the server is down.
	enable(true)
	status, _, stderr = secretrun(rootToken, append([]string{"-p", "short"}, child...)...)
	expect("short up", status, stderr, 7)
	time.Sleep(5 * time.Millisecond)
	if r := snapshot("short"); r.Fallback == nil || r.Fallback.Status != "expired" {
		t.Errorf("check of an expired snapshot: %+v", r.Fallback)
	}
	enable(false)
	status, _, stderr = secretrun(rootToken, append([]string{"-p", "short"}, child...)...)
	expect("expired", status, stderr, 125, "older than max_age 1ms")
	enable(true)

	// Denied (a token without the policy) and missing (the secret deleted): the server answers,
	// so the snapshot is never used.
	status, _, stderr = secretrun(limited.Auth.ClientToken, append([]string{"-p", "prod"}, child...)...)
	expect("denied", status, stderr, 125, "DB_PASS")
	must(t, kv.DeleteMetadata(ctx, path+"/db"))
	status, _, stderr = secretrun(rootToken, append([]string{"-p", "prod"}, child...)...)
	expect("missing", status, stderr, 125, "not found")
	if t.Failed() {
		return
	}
	// The snapshot is still the good one: a failed run never replaces it.
	if now, _ := os.ReadFile(prod); string(now) != string(good) {
		t.Error("a failed run replaced the snapshot")
	}
}

func TestRoundAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1500 * time.Millisecond:                       "2s",
		5 * time.Minute:                               "5m",
		2*time.Hour + 13*time.Minute + 20*time.Second: "2h13m",
		24 * time.Hour:                                "24h",
	} {
		if got := roundAge(d); got != want {
			t.Errorf("roundAge(%v) = %q, want %q", d, got, want)
		}
	}
}

// A run whose values fail validation fails, and keeps the last good snapshot; the key and the
// snapshot path follow `~/` and the config file's directory.
func TestFallbackSnapshotOnlyOfValidValues(t *testing.T) {
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	must(t, err)
	must(t, os.MkdirAll(filepath.Join(dir, ".config"), 0o700))
	must(t, os.WriteFile(filepath.Join(dir, ".config", "key.txt"), []byte(id.String()+"\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(`version: 1
profiles:
  p:
    secrets:
      TOKEN: {ref: env://FB_TOKEN, validate: {min_length: 20}}
    fallback: {path: ~/snap/p.age, identity: file://~/.config/key.txt}
`), 0o600))
	snap := filepath.Join(dir, "snap", "p.age")
	runWith := func(token string) int {
		t.Setenv("FB_TOKEN", token)
		d, _, _ := fakeDeps(t, dir, false)
		return Execute(d, []string{"--", "true"})
	}
	if status := runWith("CANARY-valid-token-0123456789"); status != 0 {
		t.Fatalf("valid run: exit status %d", status)
	}
	good, err := os.ReadFile(snap)
	if err != nil {
		t.Fatalf("no snapshot under ~/: %v", err)
	}
	if status := runWith("CANARY-short"); status != ExitUsage {
		t.Fatalf("invalid run: exit status %d, want %d", status, ExitUsage)
	}
	if now, _ := os.ReadFile(snap); string(now) != string(good) {
		t.Error("a value that fails validation replaced the snapshot")
	}
}

// expectFallbackRecord checks that the audit log holds one fallback_used record, valid against
// the schema, naming the variables and the snapshot, and that no record holds a value.
func expectFallbackRecord(t *testing.T, auditLog, snapshot string, values ...string) {
	t.Helper()
	raw, err := os.ReadFile(auditLog)
	if err != nil {
		t.Fatalf("no audit log: %v", err)
	}
	var found int
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		if line == "" {
			continue
		}
		r, err := audittest.Check([]byte(line))
		if err != nil {
			t.Errorf("audit record: %v", err)
		}
		for _, v := range values {
			if strings.Contains(line, v) {
				t.Errorf("audit record holds a value: %s", line)
			}
		}
		if r["event"] != "fallback_used" {
			continue
		}
		found++
		fb, _ := r["fallback"].(map[string]any)
		if fmt.Sprint(fb["vars"]) != "[DB_PASS DB_USER]" || fmt.Sprint(fb["stores"]) != "[vault]" || fb["path"] != snapshot {
			t.Errorf("fallback_used record: %s", line)
		}
	}
	if found != 1 {
		t.Errorf("%d fallback_used records, want 1:\n%s", found, raw)
	}
}
