package vault

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// events collects LeaseReporter events.
type events struct {
	mu  sync.Mutex
	evs []providers.LeaseEvent
}

func (e *events) report(ev providers.LeaseEvent) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

func (e *events) count(revoked bool, path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.evs {
		if ev.Revoked == revoked && ev.Ref.Path == path {
			n++
		}
	}
	return n
}

// waitFor polls cond every 50 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// Expiry without a server: a non-renewable lease's expiry at once, zero for a renewable one
// until its end is known, and the end of the login token that obtained a lease when earlier.
// Retire (revoke_on_exit: false) takes the earlier lease out of Keep's renewals without
// warning about it, and Expiry follows the latest fetch.
func TestExpiryAndRetireOffline(t *testing.T) {
	t.Parallel()
	p := &Provider{opts: options{now: time.Now, maxParallel: 4}, leaseAdded: make(chan struct{}, 1)}
	ref := mustRef(t, "vault://db/creds/app#password")
	other := mustRef(t, "vault://db/creds/other")
	start := time.Now()
	p.addLease(ref.Source(), &api.Secret{LeaseID: "db/creds/app/1", LeaseDuration: 1, Renewable: false})
	if e := p.Expiry(ref); e.Before(start.Add(time.Second)) || e.After(time.Now().Add(time.Second)) {
		t.Errorf("non-renewable 1s lease: Expiry +%v; want +1s", e.Sub(start))
	}
	if e := p.Expiry(other); !e.IsZero() {
		t.Errorf("a ref without a lease: Expiry %v; want zero", e)
	}
	p.mu.Lock()
	p.auth = authState{method: "approle", created: true, gen: 1, ttl: time.Hour, expires: time.Now().Add(time.Hour)}
	p.mu.Unlock()
	p.addLease(other.Source(), &api.Secret{LeaseID: "db/creds/other/1", LeaseDuration: 600, Renewable: true})
	if e := p.Expiry(other); !e.IsZero() {
		t.Errorf("renewable lease: Expiry %v; want zero until its end is known", e)
	}
	tokenEnd := time.Now().Add(40 * time.Second)
	p.mu.Lock()
	p.setTokenEnd(1, tokenEnd)
	p.mu.Unlock()
	if e := p.Expiry(other); !e.Equal(tokenEnd) {
		t.Errorf("lease of a login token that ends in 40s: Expiry %v; want the token's end %v", e, tokenEnd)
	}

	// A second fetch of ref: a 3 s lease. Keep warns before each non-renewable lease expires;
	// once the first is retired only the second one's warning comes.
	p.addLease(ref.Source(), &api.Secret{LeaseID: "db/creds/app/2", LeaseDuration: 3, Renewable: false})
	if e := p.Expiry(ref); e.Before(start.Add(3 * time.Second)) {
		t.Errorf("after a re-fetch, Expiry +%v; want the new lease's +3s", e.Sub(start))
	}
	w, stop := startKeep(p)
	defer stop()
	waitFor(time.Second, func() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.leases[0].keeping })
	if err := p.Retire(context.Background(), []providers.Ref{ref}); err != nil {
		t.Fatalf("Retire: %v", err)
	}
	p.mu.Lock()
	n := len(p.leases)
	p.mu.Unlock()
	if n != 2 {
		t.Errorf("%d leases after Retire; want 2 (the retired one dropped)", n)
	}
	select {
	case m := <-w.ch:
		if strings.Contains(m, "creds/app") && time.Since(start) < 1500*time.Millisecond {
			t.Errorf("warning about the retired lease: %q", m)
		}
	case <-time.After(1200 * time.Millisecond):
	}
	select {
	case m := <-w.ch:
		if !strings.Contains(m, "vault://db/creds/app") || !strings.Contains(m, "is not renewable") {
			t.Errorf("warning %q", m)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("warning after the lease expired")
		}
	case <-time.After(3 * time.Second):
		t.Error("no warning before the re-fetched non-renewable lease expired")
	}
}

// A database role with a short max TTL (ttl 2s, max_ttl 5s): Expiry becomes known from Keep's
// renewals, a re-fetch returns other credentials whose lease Keep (already running) renews,
// Retire revokes the old lease (its PostgreSQL role is gone, before it would have expired) and
// keeps the new one, which logs in; Close revokes the new one. Nothing holds a value.
func TestDynamicSecretReplaced(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := setupDatabase(t, admin, "2s", "5s")
	cnt := newCounter(t, addr)
	p := tokenProvider(t, cnt.URL)
	ev := &events{}
	p.ReportLeases(ev.report)
	user, pass := mustRef(t, "vault://"+mnt+"/creds/app#username"), mustRef(t, "vault://"+mnt+"/creds/app#password")
	fetched := time.Now()
	s, err := fetch(t, p, 10*time.Second, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	if !s[0].Leased || !s[1].Leased {
		t.Fatal("database credentials are not Leased")
	}
	oldUser, oldPass := s[0].Reveal(), s[1].Reveal()
	oldID := p.leases[0].id
	if e := p.Expiry(user); !e.IsZero() {
		t.Errorf("renewable lease: Expiry %v before any renewal; want zero", e)
	}
	w, stop := startKeep(p)
	defer stop()

	// Keep's renewals are granted short near the max TTL: the end is known before it comes.
	if !waitFor(6*time.Second, func() bool { return !p.Expiry(user).IsZero() }) {
		t.Fatal("Expiry still unknown after the lease's max TTL")
	}
	end := p.Expiry(user)
	t.Logf("Expiry known %v after the fetch: +%v", time.Since(fetched).Round(time.Millisecond), end.Sub(fetched).Round(time.Millisecond))
	if left := time.Until(end); left <= 0 {
		t.Errorf("Expiry known only after it passed (%v ago)", -left)
	}
	// Vault counts the max TTL from its own clock and rounds grants to seconds: about 5 s, and
	// never after Vault's own expire_time (below).
	if d := end.Sub(fetched); d < 3500*time.Millisecond || d > 6*time.Second {
		t.Errorf("Expiry +%v after the fetch; want about the max TTL, 5s", d)
	}
	if vaultEnd := leaseExpiry(t, admin, oldID); end.After(vaultEnd.Add(100 * time.Millisecond)) {
		t.Errorf("Expiry %v is after Vault's expire_time %v", end, vaultEnd)
	}

	// The watcher fetches again: other credentials, a lease Keep takes up.
	s, err = fetch(t, p, 10*time.Second, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	newUser, newPass := s[0].Reveal(), s[1].Reveal()
	if newUser == oldUser || !s[0].Leased {
		t.Fatalf("re-fetch returned the same user (or not Leased)")
	}
	if e := p.Expiry(user); !e.IsZero() {
		t.Errorf("after the re-fetch Expiry is %v; want the new renewable lease's (zero)", e)
	}
	newID := p.leases[len(p.leases)-1].id
	beforeRetire := leaseExpiry(t, admin, oldID)

	if err := p.Retire(context.Background(), []providers.Ref{user, pass}); err != nil {
		t.Fatalf("Retire: %v", err)
	}
	if time.Now().After(beforeRetire) {
		t.Logf("Retire came after the old lease's expiry: the check below proves less")
	}
	if out, err := psql(t, "", "", "select count(*) from pg_roles where rolname='"+oldUser+"'"); err != nil || out != "0" {
		t.Errorf("old role still in PostgreSQL after Retire: count=%q err=%v", out, err)
	}
	if _, err := psql(t, oldUser, oldPass, "select 1"); err == nil {
		t.Error("retired credentials still log in")
	}
	if out, err := psql(t, newUser, newPass, "select current_user"); err != nil || out != newUser {
		t.Errorf("new credentials do not log in after Retire: %v", err)
	}
	if n := ev.count(true, user.Path); n != 1 {
		t.Errorf("%d revocations reported by Retire; want 1", n)
	}
	if len(p.leases) != 1 || p.leases[0].id != newID {
		t.Errorf("after Retire %d leases remembered; want the new one only", len(p.leases))
	}
	if err := p.Retire(context.Background(), []providers.Ref{user}); err != nil || cnt.count(func(m, path string) bool { return strings.HasPrefix(path, "sys/leases/revoke") }) != 1 {
		t.Errorf("a second Retire revoked again (or failed: %v): %s", err, cnt)
	}

	// Keep renews the new lease: Vault's expiry for it moves later.
	first := leaseExpiry(t, admin, newID)
	if !waitFor(3*time.Second, func() bool { return leaseExpiry(t, admin, newID).After(first.Add(500 * time.Millisecond)) }) {
		t.Errorf("the re-fetched lease was not renewed by the running Keep: %s", cnt)
	}
	stop()
	for _, m := range w.msgs {
		for _, v := range []string{oldUser, oldPass, newUser, newPass} {
			if strings.Contains(m, v) {
				t.Errorf("warning holds a value: %q", m)
			}
		}
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	if err := p.Close(cctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if out, err := psql(t, "", "", "select count(*) from pg_roles where rolname='"+newUser+"'"); err != nil || out != "0" {
		t.Errorf("new role still in PostgreSQL after Close: count=%q err=%v", out, err)
	}
}

// appRole enables AppRole at a unique mount with a role whose tokens get policy pol and the
// given TTLs, and returns the mount and the role id (bind_secret_id off).
func appRole(t *testing.T, admin *api.Client, pol, ttl, maxTTL string) (mount, roleID string) {
	t.Helper()
	mount = uniq("approle")
	if err := admin.Sys().EnableAuthWithOptions(mount, &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Sys().DisableAuth(mount) })
	if _, err := admin.Logical().Write("auth/"+mount+"/role/app", map[string]any{"token_policies": pol, "token_ttl": ttl,
		"token_max_ttl": maxTTL, "bind_secret_id": false, "token_bound_cidrs": "127.0.0.1/32"}); err != nil {
		t.Fatal(err)
	}
	rs, err := admin.Logical().Read("auth/" + mount + "/role/app/role-id")
	if err != nil {
		t.Fatal(err)
	}
	return mount, rs.Data["role_id"].(string)
}

// secretrun's AppRole token has a max TTL of 4 s: Keep renews it, then logs in again before it
// expires, so that reads and version checks after it succeed; a dynamic secret obtained with
// the first token has its Expiry at that token's end (its lease ends with the token).
func TestLoginTokenReloggedBeforeMaxTTL(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "relogin")
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"password": c}})
	db := setupDatabase(t, admin, "1m", "5m")
	pol := uniq("app")
	if err := admin.Sys().PutPolicy(pol, `path "`+mnt+`/*" { capabilities = ["read"] }
path "`+db+`/creds/app" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	am, roleID := appRole(t, admin, pol, "2s", "4s")
	cnt := newCounter(t, addr)
	p := newProvider(t, Settings{Address: cnt.URL, Auth: AuthSettings{Method: "approle", Mount: am}}, map[string]string{"VAULT_ROLE_ID": roleID})
	var mu sync.Mutex
	var traces []string
	relogged := make(chan time.Time, 4)
	p.ReportTraces(func(m string) {
		mu.Lock()
		traces = append(traces, m)
		mu.Unlock()
		relogged <- time.Now()
	})
	login := time.Now()
	// The timeline of the token's renewals, shown when the test fails.
	p.ReportLeases(func(ev providers.LeaseEvent) {
		if ev.Ref.Path == "" && !ev.Revoked {
			t.Logf("+%v: token renewed for %v", time.Since(login).Round(time.Millisecond), ev.TTL)
		}
	})
	kv, dbRef := mustRef(t, "vault://"+mnt+"/app#password"), mustRef(t, "vault://"+db+"/creds/app#password")
	s, err := fetch(t, p, 10*time.Second, kv, dbRef)
	if err != nil {
		t.Fatal(err)
	}
	firstToken := p.client.Token()
	w, stop := startKeep(p)
	defer stop()

	// Logged in again while the first token still works.
	select {
	case at := <-relogged:
		code := lookupSelfStatus(t, firstToken)
		t.Logf("+%v: logged in again; the first token answers HTTP %d", at.Sub(login).Round(time.Millisecond), code)
		if code != 200 {
			t.Errorf("logged in again only after the first token expired (HTTP %d)", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no second login before the first token's max TTL: %s", cnt)
	}
	if n := cnt.logins(); n != 2 {
		t.Errorf("%d logins; want 2", n)
	}
	if e := p.Expiry(dbRef); e.IsZero() || e.Sub(login) > 4500*time.Millisecond || e.Before(login.Add(2*time.Second)) {
		t.Errorf("Expiry of a lease obtained with the first token: +%v; want that token's end, about +4s", e.Sub(login))
	}
	time.Sleep(time.Until(login.Add(5 * time.Second))) // past the first token's max TTL
	if code := lookupSelfStatus(t, firstToken); code != 403 {
		t.Errorf("first token alive after its max TTL (HTTP %d)", code)
	}
	s2, err := fetch(t, p, 5*time.Second, kv)
	if err != nil || s2[0].Reveal() != s[0].Reveal() {
		t.Fatalf("read after the first token's max TTL: %v", err)
	}
	if v, err := versions(t, p, kv); err != nil || v[0] != "1" {
		t.Errorf("version check after the first token's max TTL: %q, %v", v, err)
	}
	if n := cnt.logins(); n != 2 {
		t.Errorf("%d logins; want 2 (the re-login, none more)", n)
	}
	stop()
	if len(w.msgs) != 0 {
		t.Errorf("warnings: %q", w.msgs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(traces) != 1 || !strings.Contains(traces[0], "logged in again (approle)") {
		t.Errorf("traces %q; want one saying it logged in again", traces)
	}
	providertest.AssertNoValues(t, errorsOf(traces), c, firstToken, p.client.Token(), s[1].Reveal())
}

// Without Keep (nothing renews it), a request past 4/5 of the login token's TTL logs in again
// first; the old token lives on until its TTL and Close revokes it with the new one.
func TestLoginTokenRefreshedBeforeRequest(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"password": providertest.Canary(t, "lazy")}})
	pol := uniq("app")
	if err := admin.Sys().PutPolicy(pol, `path "`+mnt+`/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	am, roleID := appRole(t, admin, pol, "6s", "1m")
	cnt := newCounter(t, addr)
	p := newProvider(t, Settings{Address: cnt.URL, Auth: AuthSettings{Method: "approle", Mount: am}}, map[string]string{"VAULT_ROLE_ID": roleID})
	ev := &events{}
	p.ReportLeases(ev.report)
	ref := mustRef(t, "vault://"+mnt+"/app#password")
	login := time.Now()
	if _, err := fetch(t, p, 5*time.Second, ref); err != nil {
		t.Fatal(err)
	}
	first := p.client.Token()
	if _, err := fetch(t, p, 5*time.Second, ref); err != nil || cnt.logins() != 1 {
		t.Fatalf("a fresh token was replaced (%d logins, %v)", cnt.logins(), err)
	}
	time.Sleep(time.Until(login.Add(5 * time.Second))) // past 4/5 of 6 s
	if _, err := fetch(t, p, 5*time.Second, ref); err != nil {
		t.Fatalf("read near the token's TTL: %v", err)
	}
	second := p.client.Token()
	if cnt.logins() != 2 || second == first {
		t.Fatalf("%d logins; want a second one before the read", cnt.logins())
	}
	if time.Since(login) > 5800*time.Millisecond {
		t.Skip("too slow to see the first token alive before its TTL")
	}
	if code := lookupSelfStatus(t, first); code != 200 {
		t.Fatalf("first token dead before its TTL (HTTP %d)", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for name, tok := range map[string]string{"first": first, "second": second} {
		if code := lookupSelfStatus(t, tok); code != 403 {
			t.Errorf("%s login token alive after Close (HTTP %d)", name, code)
		}
	}
	if n := ev.count(true, ""); n != 2 {
		t.Errorf("%d token revocations reported; want 2", n)
	}
}

// errorsOf joins messages into one error, for AssertNoValues.
func errorsOf(msgs []string) error { return &msgError{strings.Join(msgs, "\n")} }

type msgError struct{ s string }

func (e *msgError) Error() string { return e.s }

// Retiring needs sys/leases/revoke even with a login token (revoking the token at exit covers
// its leases, retiring one lease does not): without it Retire reports the ref as denied, with no
// value, stops renewing the old lease, and Close still ends both (revoke-self).
func TestRetireDenied(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	db := setupDatabase(t, admin, "1m", "5m")
	pol := uniq("dbread")
	if err := admin.Sys().PutPolicy(pol, `path "`+db+`/creds/app" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	am, roleID := appRole(t, admin, pol, "1m", "5m")
	p := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "approle", Mount: am}}, map[string]string{"VAULT_ROLE_ID": roleID})
	ref := mustRef(t, "vault://"+db+"/creds/app#password")
	s1, err := fetch(t, p, 10*time.Second, ref)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := fetch(t, p, 10*time.Second, ref)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Retire(context.Background(), []providers.Ref{ref})
	res := providertest.RefErrors(err)
	if len(res) != 1 || res[0].Ref != ref.Source() || !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("Retire without sys/leases/revoke: %v; want one access-denied RefError for %s", err, ref.Source())
	}
	providertest.AssertNoValues(t, err, s1[0].Reveal(), s2[0].Reveal())
	p.mu.Lock()
	retired := p.leases[0].retired
	p.mu.Unlock()
	if !retired {
		t.Error("the lease Retire could not revoke is still renewed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}
