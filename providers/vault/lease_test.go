package vault

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
	"github.com/secretrun/secretrun/providers/providertest/toxitest"
)

// setupDatabase mounts the database secrets engine at a unique path, connected to the test
// PostgreSQL, with a role "app" of the given TTLs, and returns the mount.
func setupDatabase(t *testing.T, admin *api.Client, defaultTTL, maxTTL string) string {
	t.Helper()
	pg := testenv.Require(t, testenv.PGHost, testenv.PGPort, testenv.PGUser, testenv.PGPassword)
	mnt := uniq("database")
	if err := admin.Sys().Mount(mnt, &api.MountInput{Type: "database"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Sys().Unmount(mnt) })
	if _, err := admin.Logical().Write(mnt+"/config/pg", map[string]any{
		"plugin_name":    "postgresql-database-plugin",
		"allowed_roles":  "*",
		"connection_url": "postgresql://{{username}}:{{password}}@" + pg[0] + ":" + pg[1] + "/postgres?sslmode=disable",
		"username":       pg[2],
		"password":       pg[3],
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Logical().Write(mnt+"/roles/app", map[string]any{
		"db_name": "pg", "default_ttl": defaultTTL, "max_ttl": maxTTL,
		"creation_statements": []string{`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`},
	}); err != nil {
		t.Fatal(err)
	}
	return mnt
}

func leaseExpiry(t *testing.T, admin *api.Client, id string) time.Time {
	t.Helper()
	s, err := admin.Logical().Write("sys/leases/lookup", map[string]any{"lease_id": id})
	if err != nil {
		t.Fatalf("lease lookup: %v", err)
	}
	exp, err := time.Parse(time.RFC3339Nano, s.Data["expire_time"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

type warnings struct {
	mu   sync.Mutex
	msgs []string
	ch   chan string
}

func newWarnings() *warnings { return &warnings{ch: make(chan string, 16)} }

func (w *warnings) warn(m string) {
	w.mu.Lock()
	w.msgs = append(w.msgs, m)
	w.mu.Unlock()
	w.ch <- m
}

// startKeep runs p.Keep in the background, its warnings collected in w. stop cancels it and
// waits until Keep has returned; calling stop again does nothing more.
func startKeep(p *Provider) (w *warnings, stop func()) {
	w = newWarnings()
	ctx, cancel := context.WithCancel(context.Background())
	kept := make(chan struct{})
	go func() { p.Keep(ctx, w.warn); close(kept) }()
	return w, func() { cancel(); <-kept }
}

// TestDatabaseLeases: dynamic PostgreSQL credentials from the real database secrets engine log
// in; Keep renews the lease (a later expiry), warns before it reaches its max TTL, and Close
// revokes it, which drops the role from PostgreSQL.
func TestDatabaseLeases(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := setupDatabase(t, admin, "4s", "9s")
	cnt := newCounter(t, addr)
	p := tokenProvider(t, cnt.URL)
	user, pass := mustRef(t, "vault://"+mnt+"/creds/app#username"), mustRef(t, "vault://"+mnt+"/creds/app#password")
	s, err := fetch(t, p, 10*time.Second, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	if n := cnt.reads(); n != 1 {
		t.Errorf("username and password cost %d reads of creds/app; want 1 (one lease)", n)
	}
	u, pw := s[0].Reveal(), s[1].Reveal()
	if out, err := psql(t, u, pw, "select current_user"); err != nil || out != u {
		t.Fatalf("dynamic credentials do not log in: %v %s", err, out)
	}
	if len(p.leases) != 1 {
		t.Fatalf("%d leases recorded; want 1", len(p.leases))
	}
	id := p.leases[0].id
	first := leaseExpiry(t, admin, id)

	var evMu sync.Mutex
	var events []providers.LeaseEvent
	p.ReportLeases(func(ev providers.LeaseEvent) { evMu.Lock(); events = append(events, ev); evMu.Unlock() })
	w, stop := startKeep(p)

	// Renewed at about 2/3 of 4 s (±10%): the expiry moves later before the first one passes.
	// Polled rather than slept for, so that a slow machine costs time, not the test.
	for later := first; !later.After(first.Add(time.Second)); later = leaseExpiry(t, admin, id) {
		if time.Now().After(first) {
			t.Fatalf("lease not renewed before it expired: expiry %v, first %v", later, first)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The max TTL (9 s) is reached: a warning before expiry names the ref, never a value.
	select {
	case m := <-w.ch:
		t.Logf("warning: %s", m)
		if !strings.Contains(m, mnt+"/creds/app") || !strings.Contains(m, "max TTL") {
			t.Errorf("warning %q does not name the ref and the max TTL", m)
		}
		if strings.Contains(m, pw) || strings.Contains(m, u) {
			t.Errorf("warning contains a value")
		}
		if time.Now().After(first.Add(5 * time.Second)) {
			t.Errorf("warning came after the lease's max TTL")
		}
	case <-time.After(8 * time.Second):
		t.Fatal("no warning before the lease reached its max TTL")
	}
	stop()

	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	if err := p.Close(cctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if out, err := psql(t, "", "", "select count(*) from pg_roles where rolname='"+u+"'"); err != nil || out != "0" {
		t.Errorf("role still in PostgreSQL after Close: count=%q err=%v", out, err)
	}
	if _, err := psql(t, u, pw, "select 1"); err == nil {
		t.Errorf("revoked credentials still log in")
	}
	// Each renewal and the revocation were reported (for the audit trail), naming the lease's
	// reference, never a value: renewals while the child ran, then one revocation, last.
	evMu.Lock()
	defer evMu.Unlock()
	var renewed int
	for _, ev := range events[:max(len(events)-1, 0)] {
		if ev.Revoked || ev.Ref.Path != user.Path || ev.TTL <= 0 {
			t.Errorf("event %+v: want a renewal of %s with its TTL", ev, user)
		}
		renewed++
	}
	if renewed == 0 || len(events) == 0 || !events[len(events)-1].Revoked || events[len(events)-1].Ref.Path != user.Path {
		t.Errorf("lease events %+v: want renewals of %s, then its revocation", events, user)
	}
}

// A login token with a short TTL is renewed while the child runs; an AppRole login's leases are
// revoked with it at Close.
func TestLoginTokenRenewedAndLeasesRevoked(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	db := setupDatabase(t, admin, "1m", "5m")
	pol := uniq("dbread")
	if err := admin.Sys().PutPolicy(pol, `path "`+db+`/creds/app" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	am := uniq("approle")
	if err := admin.Sys().EnableAuthWithOptions(am, &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Sys().DisableAuth(am) })
	if _, err := admin.Logical().Write("auth/"+am+"/role/ci", map[string]any{"token_policies": pol, "token_ttl": "3s", "token_max_ttl": "1m", "bind_secret_id": false, "token_bound_cidrs": "127.0.0.1/32"}); err != nil {
		t.Fatal(err)
	}
	rs, err := admin.Logical().Read("auth/" + am + "/role/ci/role-id")
	if err != nil {
		t.Fatal(err)
	}
	roleID := rs.Data["role_id"].(string)
	p := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "approle", Mount: am}}, map[string]string{"VAULT_ROLE_ID": roleID})
	s, err := fetch(t, p, 10*time.Second, mustRef(t, "vault://"+db+"/creds/app#username"))
	if err != nil {
		t.Fatal(err)
	}
	u := s[0].Reveal()
	token := p.client.Token()
	w, stop := startKeep(p)
	time.Sleep(4 * time.Second) // past the token's first 3 s TTL
	if code := lookupSelfStatus(t, token); code != 200 {
		t.Errorf("login token expired while Keep ran (HTTP %d): not renewed", code)
	}
	stop()
	if len(w.msgs) != 0 {
		t.Errorf("unexpected warnings: %q", w.msgs)
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	// The role's policy does not allow sys/leases/revoke: revoking the login token revokes the
	// lease anyway, and Close reports no error.
	if err := p.Close(cctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if code := lookupSelfStatus(t, token); code != 403 {
		t.Errorf("login token alive after Close (HTTP %d)", code)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		out, err := psql(t, "", "", "select count(*) from pg_roles where rolname='"+u+"'")
		if err == nil && out == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("role still in PostgreSQL after Close: count=%q err=%v", out, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A renewal that Vault refuses (the lease was revoked behind secretrun's back) is reported
// through warn before the lease would have expired, naming the ref, never a value.
func TestRenewalRefusedWarns(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := setupDatabase(t, admin, "3s", "1m")
	p := tokenProvider(t, addr)
	ref := mustRef(t, "vault://"+mnt+"/creds/app#password")
	s, err := fetch(t, p, 10*time.Second, ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Logical().Write("sys/leases/revoke", map[string]any{"lease_id": p.leases[0].id}); err != nil {
		t.Fatal(err)
	}
	w := newWarnings()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Keep(ctx, w.warn)
	select {
	case m := <-w.ch:
		t.Logf("warning: %s", m)
		if !strings.Contains(m, ref.Source().String()) || !strings.Contains(m, "could not be renewed") {
			t.Errorf("warning %q does not name the ref and the failed renewal", m)
		}
		if strings.Contains(m, s[0].Reveal()) {
			t.Error("warning contains the value")
		}
	case <-time.After(4 * time.Second):
		t.Fatal("no warning for a refused renewal")
	}
}

// Close is bounded by its context even when Vault does not answer, and reports which lease it
// could not revoke.
func TestCloseBoundedByDeadline(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	mnt := setupDatabase(t, admin, "1m", "5m")
	px, u := toxic(t)
	p := tokenProvider(t, u)
	ref := mustRef(t, "vault://"+mnt+"/creds/app#password")
	s, err := fetch(t, p, 10*time.Second, ref)
	if err != nil {
		t.Fatal(err)
	}
	toxitest.Toxic(t, px, "timeout", "upstream", map[string]any{"timeout": 0})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err = p.Close(ctx)
	elapsed := time.Since(start)
	t.Logf("Close against a black hole: %v after %v", err, elapsed.Round(time.Millisecond))
	if elapsed > 1500*time.Millisecond {
		t.Errorf("Close took %v with a 1s deadline", elapsed)
	}
	if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), ref.Source().String()) {
		t.Errorf("want ErrUnavailable naming %s, got %v", ref.Source(), err)
	}
	providertest.AssertNoValues(t, err, s[0].Reveal())
}
