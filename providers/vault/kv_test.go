package vault

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// conformance runs the shared suite against a KV mount of the given version, through a counting
// proxy so that the suite also checks one read per distinct source.
func conformance(t *testing.T, version string) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, version)
	cnt := newCounter(t, addr)
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return tokenProvider(t, cnt.URL) },
		Put: func(t *testing.T, value []byte) providers.Ref {
			name := uniq("conf")
			api := mnt + "/" + name
			data := map[string]any{"value": string(value)}
			if version == "2" {
				api = mnt + "/data/" + name
				data = map[string]any{"data": data}
			}
			kvPut(t, admin, api, data)
			return providers.Ref{Scheme: Scheme, Path: mnt + "/" + name}
		},
		Missing: func(t *testing.T) providers.Ref {
			return providers.Ref{Scheme: Scheme, Path: mnt + "/" + uniq("missing")}
		},
		Reads:   func(t *testing.T) int { return cnt.reads() },
		Timeout: 10 * time.Second,
	})
}

func TestConformanceKV2(t *testing.T) { conformance(t, "2") }
func TestConformanceKV1(t *testing.T) { conformance(t, "1") }

func TestKV2Versions(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c1, c2 := providertest.Canary(t, "v1"), providertest.Canary(t, "v2")
	kvPut(t, admin, mnt+"/data/app/db", map[string]any{"data": map[string]any{"password": c1, "user": "app"}})
	kvPut(t, admin, mnt+"/data/app/db", map[string]any{"data": map[string]any{"password": c2, "user": "app"}})
	p := tokenProvider(t, addr)

	latest, v1, whole := mustRef(t, "vault://"+mnt+"/app/db#password"), mustRef(t, "vault://"+mnt+"/app/db?version=1#password"), mustRef(t, "vault://"+mnt+"/app/db")
	s, err := fetch(t, p, 5*time.Second, latest, v1, whole)
	if err != nil {
		t.Fatal(err)
	}
	if s[0].Reveal() != c2 || s[0].Version != "2" {
		t.Errorf("latest: got version %q, value match %v", s[0].Version, s[0].Reveal() == c2)
	}
	if s[1].Reveal() != c1 || s[1].Version != "1" {
		t.Errorf("?version=1: got version %q, value match %v", s[1].Version, s[1].Reveal() == c1)
	}
	if want := `{"password":"` + c2 + `","user":"app"}`; s[2].Reveal() != want {
		t.Errorf("no key: want the whole data as JSON, got %d bytes", s[2].Len())
	}

	// The API path with data/ is a common mistake: a hint shows the ref to write.
	_, err = fetch(t, p, 5*time.Second, mustRef(t, "vault://"+mnt+"/data/app/db#password"))
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(providers.Hint(err), "vault://"+mnt+"/app/db") {
		t.Errorf("data/ path: want ErrNotFound with a hint naming vault://%s/app/db, got %v (hint %q)", mnt, err, providers.Hint(err))
	}

	// Soft-delete the latest version: a clear not-found naming the version and when.
	if _, err := admin.Logical().Write(mnt+"/delete/app/db", map[string]any{"versions": []int{2}}); err != nil {
		t.Fatal(err)
	}
	p = tokenProvider(t, addr)
	s, err = fetch(t, p, 5*time.Second, latest, v1)
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "version 2") || !strings.Contains(err.Error(), "deleted at") {
		t.Errorf("deleted latest: want ErrNotFound naming version 2 and its deletion time, got %v", err)
	}
	if res := providertest.RefErrors(err); len(res) != 1 || res[0].Ref != latest {
		t.Errorf("want one RefError for %s, got %v", latest, err)
	}
	if h := providers.Hint(err); !strings.Contains(h, "undelete") {
		t.Errorf("hint %q does not mention undelete", h)
	}
	providertest.AssertNoValues(t, err, c1, c2)
	if s[1].Reveal() != c1 {
		t.Errorf("version 1 still readable after deleting version 2")
	}
	// Destroyed version.
	if _, err := admin.Logical().Write(mnt+"/destroy/app/db", map[string]any{"versions": []int{1}}); err != nil {
		t.Fatal(err)
	}
	_, err = fetch(t, tokenProvider(t, addr), 5*time.Second, v1)
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "destroyed") {
		t.Errorf("destroyed version: want ErrNotFound saying destroyed, got %v", err)
	}
	// A version that never existed.
	_, err = fetch(t, tokenProvider(t, addr), 5*time.Second, mustRef(t, "vault://"+mnt+"/app/db?version=99"))
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("?version=99: want ErrNotFound, got %v", err)
	}
}

func TestKVDetectionOncePerMount(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	m1, m2 := mountKV(t, admin, "1"), mountKV(t, admin, "2")
	var refs []providers.Ref
	var want []string
	for i := 0; i < 10; i++ {
		v1, v2 := providertest.Canary(t, "kv1"), providertest.Canary(t, "kv2")
		name := uniq("p")
		kvPut(t, admin, m1+"/"+name, map[string]any{"k": v1})
		kvPut(t, admin, m2+"/data/"+name, map[string]any{"data": map[string]any{"k": v2}})
		refs = append(refs, mustRef(t, "vault://"+m1+"/"+name+"#k"), mustRef(t, "vault://"+m2+"/"+name+"#k"))
		want = append(want, v1, v2)
	}
	cnt := newCounter(t, addr)
	p := tokenProvider(t, cnt.URL)
	s, err := fetch(t, p, 5*time.Second, refs...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range refs {
		if s[i].Reveal() != want[i] {
			t.Errorf("%s: wrong value", refs[i])
		}
	}
	if n := cnt.mountLookups(); n != 2 {
		t.Errorf("mount detection: %d lookups for 2 mounts; want 2 (%s)", n, cnt)
	}
	if n := cnt.reads(); n != 20 {
		t.Errorf("%d reads for 20 distinct paths", n)
	}
	// ?version= on KV v1 is a clear error.
	_, err = fetch(t, p, 5*time.Second, mustRef(t, "vault://"+refs[0].Path+"?version=1"))
	if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error(), "KV v1") {
		t.Errorf("?version= on KV v1: want ErrInvalidRef naming KV v1, got %v", err)
	}
	// A second Fetch in the same run does not detect again.
	if _, err := fetch(t, p, 5*time.Second, refs[0], refs[1]); err != nil {
		t.Fatal(err)
	}
	if n := cnt.mountLookups(); n != 2 {
		t.Errorf("a second Fetch detected mounts again: %d lookups", n)
	}
}

// Many refs with several keys of one path cost one read; identical refs are read once.
func TestOneReadPerPath(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	u, pw, h := providertest.Canary(t, "u"), providertest.Canary(t, "p"), providertest.Canary(t, "h")
	kvPut(t, admin, mnt+"/data/db", map[string]any{"data": map[string]any{"user": u, "password": pw, "host": h}})
	cnt := newCounter(t, addr)
	p := tokenProvider(t, cnt.URL)
	var refs []providers.Ref
	for i := 0; i < 4; i++ {
		for _, k := range []string{"user", "password", "host"} {
			refs = append(refs, mustRef(t, "vault://"+mnt+"/db#"+k))
		}
	}
	s, err := fetch(t, p, 5*time.Second, refs...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range refs {
		if want := map[string]string{"user": u, "password": pw, "host": h}[refs[i].Key]; s[i].Reveal() != want {
			t.Errorf("%s: wrong value", refs[i])
		}
	}
	if n := cnt.reads(); n != 1 {
		t.Errorf("12 refs (3 keys) of one path cost %d reads; want 1 (%s)", n, cnt)
	}
	if n := cnt.mountLookups(); n != 1 {
		t.Errorf("%d mount lookups; want 1", n)
	}
}

func TestValidate(t *testing.T) {
	p, err := New(Settings{Address: "https://vault.example:8200"}, envMap(nil), noHome())
	if err != nil {
		t.Fatal(err)
	}
	good := []string{"vault://secret/app", "vault://secret/a/b/c#k", "vault://secret/app?version=3#/a/b", "vault://database/creds/ro"}
	bad := []string{"vault://secret", "vault:///secret/app", "vault://secret/app/", "vault://secret//app", "vault://secret/../sys/x",
		"vault://secret/app?version=x", "vault://secret/app?version=-1", "vault://secret/app?ver=1", "vault://secret/app?version=1&version=2"}
	for _, s := range good {
		if err := p.Validate(mustRef(t, s)); err != nil {
			t.Errorf("Validate(%s) = %v", s, err)
		}
	}
	for _, s := range bad {
		r, perr := providers.ParseRef(s)
		if perr != nil {
			continue
		}
		if err := p.Validate(r); !errors.Is(err, providers.ErrInvalidRef) {
			t.Errorf("Validate(%s) = %v; want ErrInvalidRef", s, err)
		}
	}
	// A URL's user information pasted into the reference is refused without being quoted.
	for _, s := range []string{"vault://hvs.CANARYtoken@vault.example.com/secret/app", "vault://u:CANARYpw@vault.example.com/secret/app#k", "vault://u:CANARY@pw@h/secret/x"} {
		err := p.Validate(mustRef(t, s))
		if !errors.Is(err, providers.ErrInvalidRef) {
			t.Errorf("Validate(%s) = %v; want ErrInvalidRef", s, err)
		}
		if err != nil && strings.Contains(err.Error()+providers.Hint(err), "CANARY") {
			t.Errorf("Validate(%s) quotes the credential: %v", s, err)
		}
	}
}

func TestPlainHTTPRefused(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		allow bool
		ok    bool
	}{
		{"http://10.1.2.3:8200", false, false},
		{"http://vault.example.com:8200", false, false},
		{"http://vault.example.com:8200", true, true},
		{"http://127.0.0.1:8200", false, true},
		{"http://[::1]:8200", false, true},
		{"http://localhost:8200", false, true},
		{"https://vault.example.com:8200", false, true},
		{"unix:///run/vault-agent.sock", false, true},
		{"ftp://vault.example.com", false, false},
	} {
		_, err := New(Settings{Address: tc.addr, AllowHTTP: tc.allow}, envMap(nil), noHome())
		if (err == nil) != tc.ok {
			t.Errorf("New(%s, allow_http=%v) = %v; want ok=%v", tc.addr, tc.allow, err, tc.ok)
		}
		if err != nil && tc.ok == false && strings.HasPrefix(tc.addr, "http:") && !strings.Contains(providers.Hint(err), "allow_http") {
			t.Errorf("hint %q does not mention allow_http", providers.Hint(err))
		}
	}
	// From VAULT_ADDR too.
	if _, err := New(Settings{}, envMap(map[string]string{"VAULT_ADDR": "http://10.0.0.1:8200"}), noHome()); err == nil {
		t.Error("VAULT_ADDR=http://10.0.0.1:8200 accepted")
	}
}

func TestEntry(t *testing.T) {
	e := Entry(Settings{Auth: AuthSettings{Method: "jwt", JWTEnv: "CI_ID_TOKEN"}})
	if e.Scheme != "vault" || !e.Remote || e.Open == nil || e.Summary == "" {
		t.Errorf("Entry = %+v", e)
	}
	for _, v := range []string{"VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID", "CI_ID_TOKEN"} {
		found := false
		for _, c := range e.Credentials {
			found = found || c == v
		}
		if !found {
			t.Errorf("Credentials %v lacks %s", e.Credentials, v)
		}
	}
}

// Without a token: ErrDenied with the documented hint, and no network call at all.
func TestNoToken(t *testing.T) {
	addr, _ := vaultEnv(t)
	cnt := newCounter(t, addr)
	p := newProvider(t, Settings{Address: cnt.URL}, nil)
	_, err := fetch(t, p, 5*time.Second, mustRef(t, "vault://secret/x#k"), mustRef(t, "vault://secret/y"))
	if !errors.Is(err, providers.ErrDenied) || len(providertest.RefErrors(err)) != 2 {
		t.Fatalf("want 2 RefErrors wrapping ErrDenied, got %v", err)
	}
	if h := providers.Hint(err); h != "VAULT_TOKEN is not set (or set providers.vault.auth.method)" {
		t.Errorf("hint = %q", h)
	}
	if n := cnt.count(func(string, string) bool { return true }); n != 0 {
		t.Errorf("%d requests without a token", n)
	}
}

func TestTokenSources(t *testing.T) {
	admin := adminClient(t)
	addr, root := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "tok")
	kvPut(t, admin, mnt+"/data/x", map[string]any{"data": map[string]any{"k": c}})
	ref := mustRef(t, "vault://"+mnt+"/x#k")
	dir := t.TempDir()
	writeFile(t, dir+"/tok", root+"\n")
	writeFile(t, dir+"/.vault-token", root)
	cases := []struct {
		name string
		cfg  Settings
		env  map[string]string
		home bool
	}{
		{"token_file", Settings{Address: addr, Auth: AuthSettings{TokenFile: dir + "/tok"}}, nil, false},
		{"VAULT_TOKEN", Settings{Address: addr}, map[string]string{"VAULT_TOKEN": root}, false},
		{"~/.vault-token", Settings{Address: addr}, nil, true},
		{"VAULT_ADDR", Settings{}, map[string]string{"VAULT_TOKEN": root, "VAULT_ADDR": addr}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []Option
			if tc.home {
				opts = append(opts, WithHomeDir(func() (string, error) { return dir, nil }))
			}
			p := newProvider(t, tc.cfg, tc.env, opts...)
			s, err := fetch(t, p, 5*time.Second, ref)
			if err != nil || s[0].Reveal() != c {
				t.Fatalf("fetch: %v", err)
			}
		})
	}
}

// A wrong token and a policy that does not cover the path are both ErrDenied, with a hint naming
// the auth method and the token's source, and no value in the error.
func TestDenied(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "denied")
	kvPut(t, admin, mnt+"/data/allowed", map[string]any{"data": map[string]any{"k": c}})
	kvPut(t, admin, mnt+"/data/forbidden", map[string]any{"data": map[string]any{"k": c}})
	pol := uniq("pol")
	if err := admin.Sys().PutPolicy(pol, `path "`+mnt+`/data/allowed" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	tok, err := admin.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{pol}, TTL: "5m"})
	if err != nil {
		t.Fatal(err)
	}
	limited := tok.Auth.ClientToken

	t.Run("wrong token", func(t *testing.T) {
		p := newProvider(t, Settings{Address: addr}, map[string]string{"VAULT_TOKEN": "hvs.not-a-real-token"})
		_, err := fetch(t, p, 5*time.Second, mustRef(t, "vault://"+mnt+"/allowed#k"))
		if !errors.Is(err, providers.ErrDenied) {
			t.Fatalf("want ErrDenied, got %v", err)
		}
		if h := providers.Hint(err); !strings.Contains(h, "VAULT_TOKEN") || !strings.Contains(h, "auth method token") {
			t.Errorf("hint %q does not name the token source and method", h)
		}
		providertest.AssertNoValues(t, err, c, "hvs.not-a-real-token")
	})
	t.Run("policy", func(t *testing.T) {
		cnt := newCounter(t, addr)
		p := newProvider(t, Settings{Address: cnt.URL}, map[string]string{"VAULT_TOKEN": limited})
		ok, denied := mustRef(t, "vault://"+mnt+"/allowed#k"), mustRef(t, "vault://"+mnt+"/forbidden#k")
		s, err := fetch(t, p, 5*time.Second, ok, denied)
		if s[0].Reveal() != c {
			t.Errorf("allowed path not read with a non-root token (mount detection must work for it)")
		}
		res := providertest.RefErrors(err)
		if len(res) != 1 || res[0].Ref != denied || !errors.Is(err, providers.ErrDenied) {
			t.Fatalf("want one ErrDenied RefError for %s, got %v", denied, err)
		}
		if !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("error %q does not carry Vault's message", err)
		}
		providertest.AssertNoValues(t, err, c, limited)
		// 403 is never retried.
		if n := cnt.count(func(m, p string) bool { return m == "GET" && strings.HasSuffix(p, "/data/forbidden") }); n != 1 {
			t.Errorf("the denied read was sent %d times; want 1 (no retry on 403)", n)
		}
	})
}

func TestConcurrentFetchLogsInOnce(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	kvPut(t, admin, mnt+"/data/x", map[string]any{"data": map[string]any{"k": "v"}})
	role := setupAppRole(t, admin, mnt)
	cnt := newCounter(t, addr)
	p := newProvider(t, Settings{Address: cnt.URL, Auth: AuthSettings{Method: "approle", Mount: role.mount, RoleIDFile: role.roleIDFile, SecretIDFile: role.secretIDFile}}, nil)
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := fetch(t, p, 5*time.Second, mustRef(t, "vault://"+mnt+"/x#k")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := cnt.logins(); n != 1 {
		t.Errorf("%d logins for 5 concurrent Fetch calls; want 1", n)
	}
}

// flaky is a reverse proxy in front of the dev server that answers the first n reads of data
// paths with 503.
func flaky(t *testing.T, target string, n int) (*counter, *atomicInt) {
	t.Helper()
	cnt := newCounter(t, target)
	left := &atomicInt{n: n}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/data/") && left.take() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`{"errors":["Vault is sealed"]}`))
			return
		}
		u, _ := url.Parse(cnt.URL)
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cnt.front = srv.URL
	return cnt, left
}

type atomicInt struct {
	mu sync.Mutex
	n  int
}

func (a *atomicInt) take() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n > 0 {
		a.n--
		return true
	}
	return false
}

// 5xx is retried with backoff within the deadline; a store that keeps failing ends in
// ErrUnavailable after 3 attempts.
func TestRetryOn5xx(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "retry")
	kvPut(t, admin, mnt+"/data/x", map[string]any{"data": map[string]any{"k": c}})
	ref := mustRef(t, "vault://"+mnt+"/x#k")

	cnt, _ := flaky(t, addr, 1)
	p := tokenProvider(t, cnt.front)
	s, err := fetch(t, p, 5*time.Second, ref)
	if err != nil || s[0].Reveal() != c {
		t.Fatalf("one 503 then success: %v", err)
	}

	cnt, left := flaky(t, addr, 1000)
	p = tokenProvider(t, cnt.front)
	start := time.Now()
	_, err = fetch(t, p, 5*time.Second, ref)
	if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "Vault is sealed (HTTP 503)") {
		t.Fatalf("want ErrUnavailable with Vault's message, got %v", err)
	}
	if tries := 1000 - left.n; tries != 3 {
		t.Errorf("%d attempts; want 3", tries)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("3 attempts took %v", d)
	}
}

// A write-only endpoint (pki/issue/ROLE) is read with GET as is: Vault answers 405, reported as
// an invalid reference with a hint.
func TestWriteOnlyEndpoint(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	pki := uniq("pki")
	if err := admin.Sys().Mount(pki, &api.MountInput{Type: "pki"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Sys().Unmount(pki) })
	if _, err := admin.Logical().Write(pki+"/roles/web", map[string]any{"allow_any_name": true}); err != nil {
		t.Fatal(err)
	}
	ref := mustRef(t, "vault://"+pki+"/issue/web#private_key")
	_, err := fetch(t, tokenProvider(t, addr), 5*time.Second, ref)
	if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error(), "unsupported operation (HTTP 405)") || !strings.Contains(providers.Hint(err), "Vault Agent") {
		t.Errorf("pki/issue: %v (hint %q)", err, providers.Hint(err))
	}
}
