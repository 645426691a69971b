package vault

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

func versions(t *testing.T, p *Provider, refs ...providers.Ref) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.Versions(ctx, refs)
}

// metadataReads counts reads of KV v2 metadata.
func (c *counter) metadataReads() int {
	return c.count(func(m, p string) bool { return m == "GET" && strings.Contains(p, "/metadata/") })
}

// all counts every request.
func (c *counter) all() int { return c.count(func(string, string) bool { return true }) }

// A new KV v2 version is reported by Versions with one metadata read per distinct path, however
// many refs and keys share it, no mount lookup and no value read; a pinned ref costs nothing and
// keeps its version. Versions agree with what Fetch returned.
func TestVersionsKV2(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c1, c2, c3 := providertest.Canary(t, "db1"), providertest.Canary(t, "db2"), providertest.Canary(t, "api")
	kvPut(t, admin, mnt+"/data/app/db", map[string]any{"data": map[string]any{"password": c1, "user": "app"}})
	kvPut(t, admin, mnt+"/data/app/api", map[string]any{"data": map[string]any{"value": c3}})
	cnt := newCounter(t, addr)
	p := tokenProvider(t, cnt.URL)
	refs := []providers.Ref{
		mustRef(t, "vault://"+mnt+"/app/db#password"),
		mustRef(t, "vault://"+mnt+"/app/db#user"),
		mustRef(t, "vault://"+mnt+"/app/db"),
		mustRef(t, "vault://"+mnt+"/app/db?version=1#password"), // pinned
		mustRef(t, "vault://"+mnt+"/app/db?version=0#password"), // 0 is the latest
		mustRef(t, "vault://"+mnt+"/app/api"),
	}
	s, err := fetch(t, p, 5*time.Second, refs...)
	if err != nil {
		t.Fatal(err)
	}
	fetchCost := cnt.all()
	for i, r := range refs {
		if s[i].Leased {
			t.Errorf("%s: a KV value is not Leased", r)
		}
	}

	check := func(want ...string) {
		t.Helper()
		before, mountsBefore := cnt.all(), cnt.mountLookups()
		got, err := versions(t, p, refs...)
		if err != nil {
			t.Fatalf("Versions: %v", err)
		}
		providertest.AssertNoValues(t, err, c1, c2, c3)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("Versions = %q; want %q", got, want)
		}
		n := cnt.all() - before
		t.Logf("check of %d refs on 2 paths: %d requests (Fetch of the same refs: %d at first, with login and mount detection)", len(refs), n, fetchCost)
		if n != 2 || cnt.mountLookups() != mountsBefore {
			t.Errorf("check cost %d requests, %d mount lookups; want 2 metadata reads (one per path), none: %s", n, cnt.mountLookups()-mountsBefore, cnt)
		}
	}
	var fetched []string
	for _, sec := range s {
		fetched = append(fetched, sec.Version)
	}
	check(fetched...)
	if fetched[0] != "1" || fetched[3] != "1" || fetched[5] != "1" {
		t.Fatalf("Fetch versions %q", fetched)
	}

	kvPut(t, admin, mnt+"/data/app/db", map[string]any{"data": map[string]any{"password": c2, "user": "app"}})
	check("2", "2", "2", "1", "2", "1")
	if n := cnt.metadataReads(); n != 4 {
		t.Errorf("%d metadata reads in two checks; want 4", n)
	}
	// The new version is what a Fetch now returns.
	s, err = fetch(t, p, 5*time.Second, refs[0])
	if err != nil || s[0].Version != "2" || s[0].Reveal() != c2 {
		t.Errorf("Fetch after the change: version %q, %v", s[0].Version, err)
	}
}

// A deleted or destroyed current version, or a secret whose metadata is gone, is the not-found
// error Fetch gives (the watcher keeps the last value and warns); undeleted, the version is back.
// A deletion scheduled for later (delete_version_after) is not one yet.
func TestVersionsDeletedCurrent(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c1, c2 := providertest.Canary(t, "v1"), providertest.Canary(t, "v2")
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"password": c1}})
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"password": c2}})
	p := tokenProvider(t, addr)
	ref := mustRef(t, "vault://"+mnt+"/app#password")
	if _, err := fetch(t, p, 5*time.Second, ref); err != nil {
		t.Fatal(err)
	}
	wantGone := func(what, words string) {
		t.Helper()
		v, err := versions(t, p, ref)
		if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), words) || v[0] != "" {
			t.Errorf("%s: want ErrNotFound saying %q, got %q, %v", what, words, v, err)
		}
		if res := providertest.RefErrors(err); len(res) != 1 || res[0].Ref != ref {
			t.Errorf("%s: want one RefError for %s, got %v", what, ref, err)
		}
		providertest.AssertNoValues(t, err, c1, c2)
	}
	if _, err := admin.Logical().Write(mnt+"/delete/app", map[string]any{"versions": []int{2}}); err != nil {
		t.Fatal(err)
	}
	wantGone("deleted", "version 2 of "+mnt+"/app was deleted at")
	if _, err := admin.Logical().Write(mnt+"/undelete/app", map[string]any{"versions": []int{2}}); err != nil {
		t.Fatal(err)
	}
	if v, err := versions(t, p, ref); err != nil || v[0] != "2" {
		t.Errorf("undeleted: %q, %v; want 2", v, err)
	}
	if _, err := admin.Logical().Write(mnt+"/destroy/app", map[string]any{"versions": []int{2}}); err != nil {
		t.Fatal(err)
	}
	wantGone("destroyed", "version 2 of "+mnt+"/app was destroyed")
	// A new version with a deletion scheduled an hour from now is the current one.
	if _, err := admin.Logical().Write(mnt+"/metadata/app", map[string]any{"delete_version_after": "1h"}); err != nil {
		t.Fatal(err)
	}
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"password": c1}})
	if v, err := versions(t, p, ref); err != nil || v[0] != "3" {
		t.Errorf("scheduled deletion: %q, %v; want 3", v, err)
	}
	if _, err := admin.Logical().Delete(mnt + "/metadata/app"); err != nil {
		t.Fatal(err)
	}
	wantGone("metadata deleted", "nothing at "+mnt+"/metadata/app")
}

// KV v1 and dynamic secrets have no version: "" without a request. Dynamic values are Leased.
func TestVersionsUnversioned(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	kv1 := mountKV(t, admin, "1")
	db := setupDatabase(t, admin, "1m", "5m")
	c := providertest.Canary(t, "kv1")
	kvPut(t, admin, kv1+"/app", map[string]any{"password": c})
	cnt := newCounter(t, addr)
	p := tokenProvider(t, cnt.URL)
	kvRef, dbRef := mustRef(t, "vault://"+kv1+"/app#password"), mustRef(t, "vault://"+db+"/creds/app#username")
	s, err := fetch(t, p, 10*time.Second, kvRef, dbRef)
	if err != nil {
		t.Fatal(err)
	}
	if s[0].Leased || !s[1].Leased {
		t.Errorf("Leased: KV v1 %v, database creds %v; want false, true", s[0].Leased, s[1].Leased)
	}
	before := cnt.all()
	v, err := versions(t, p, kvRef, dbRef)
	if err != nil || v[0] != "" || v[1] != "" {
		t.Errorf("Versions = %q, %v; want two empty versions", v, err)
	}
	if n := cnt.all() - before; n != 0 {
		t.Errorf("Versions of unversioned refs cost %d requests; want 0: %s", n, cnt)
	}
}

// When mount detection is blocked (a proxy refuses sys/internal/ui/mounts), Fetch finds KV v2
// by reading; Versions then reads metadata with the mount Fetch found, and answers "" for a KV
// v1 path that Fetch read as is, without any mount lookup.
func TestVersionsWithoutMountDetection(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	kv2, kv1 := mountKV(t, admin, "2"), mountKV(t, admin, "1")
	kvPut(t, admin, kv2+"/data/app", map[string]any{"data": map[string]any{"password": providertest.Canary(t, "a")}})
	kvPut(t, admin, kv1+"/app", map[string]any{"password": providertest.Canary(t, "b")})
	cnt := newInterceptingCounter(t, addr, func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/") {
			http.Error(w, `{"errors":["blocked by the gateway"]}`, http.StatusForbidden)
			return true
		}
		return false
	})
	p := tokenProvider(t, cnt.URL)
	refs := []providers.Ref{mustRef(t, "vault://"+kv2+"/app#password"), mustRef(t, "vault://"+kv1+"/app#password")}
	s, err := fetch(t, p, 5*time.Second, refs...)
	if err != nil {
		t.Fatal(err)
	}
	before := cnt.all()
	v, err := versions(t, p, refs...)
	if err != nil || v[0] != s[0].Version || v[0] != "1" || v[1] != "" {
		t.Errorf("Versions = %q, %v; want [1 \"\"]", v, err)
	}
	if n := cnt.all() - before; n != 1 || cnt.metadataReads() != 1 {
		t.Errorf("check cost %d requests; want 1 metadata read: %s", n, cnt)
	}
}

// A policy that allows reading a secret but not its metadata: Versions answers "" for it (the
// watcher compares values), traces it once, and does not ask again.
func TestVersionsMetadataDenied(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "pw")
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"password": c}})
	pol := uniq("dataonly")
	if err := admin.Sys().PutPolicy(pol, `path "`+mnt+`/data/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	tok, err := admin.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{pol}, TTL: "5m"})
	if err != nil {
		t.Fatal(err)
	}
	cnt := newCounter(t, addr)
	p := newProvider(t, Settings{Address: cnt.URL}, map[string]string{"VAULT_TOKEN": tok.Auth.ClientToken})
	var mu sync.Mutex
	var traces []string
	p.ReportTraces(func(m string) { mu.Lock(); traces = append(traces, m); mu.Unlock() })
	ref := mustRef(t, "vault://"+mnt+"/app#password")
	if _, err := fetch(t, p, 5*time.Second, ref); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 0} {
		before := cnt.all()
		v, err := versions(t, p, ref)
		if err != nil || v[0] != "" {
			t.Errorf("check %d: Versions = %q, %v; want \"\" and no error", i+1, v, err)
		}
		if n := cnt.all() - before; n != want {
			t.Errorf("check %d cost %d requests; want %d", i+1, n, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(traces) != 1 || !strings.Contains(traces[0], "refused") || !strings.Contains(traces[0], mnt+"/metadata/app") {
		t.Errorf("traces %q; want one naming the refused metadata path", traces)
	}
	providertest.AssertNoValues(t, errors.New(strings.Join(traces, "\n")), c, tok.Auth.ClientToken)
}

// Versions fails like Fetch: one *RefError per ref, the class of the failure, no value and no
// token in the message; an invalid ref is reported without any request.
func TestVersionsErrors(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close() // nobody listens there any more
	const token = "CANARY-token-not-for-errors"
	p := newProvider(t, Settings{Address: addr}, map[string]string{"VAULT_TOKEN": token}, WithAttempts(1))
	refs := []providers.Ref{mustRef(t, "vault://secret/a#x"), mustRef(t, "vault://secret/b"), mustRef(t, "vault://nomount")}
	v, err := versions(t, p, refs...)
	res := providertest.RefErrors(err)
	if len(res) != 3 || len(v) != 3 {
		t.Fatalf("want 3 RefErrors and 3 versions, got %d, %q: %v", len(res), v, err)
	}
	for _, re := range res {
		want := providers.ErrUnavailable
		if re.Ref == refs[2] {
			want = providers.ErrInvalidRef
		}
		if !errors.Is(re, want) {
			t.Errorf("%s: %v; want %v", re.Ref, re, want)
		}
	}
	providertest.AssertNoValues(t, err, token)
}
