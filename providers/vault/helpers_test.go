package vault

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
)

// vaultEnv returns the dev server's address and root token (skipping without a server).
func vaultEnv(t *testing.T) (addr, root string) {
	t.Helper()
	v := testenv.Require(t, testenv.VaultAddr, testenv.VaultToken)
	return v[0], v[1]
}

// adminClient is a root client for setting up the dev server.
func adminClient(t *testing.T) *api.Client {
	t.Helper()
	addr, root := vaultEnv(t)
	conf := api.DefaultConfig()
	conf.Address = addr
	conf.MaxRetries = 0
	c, err := api.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(root)
	return c
}

func uniq(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// envMap is a getenv backed by a map, so tests never see the process's VAULT_* variables.
func envMap(m map[string]string) Option {
	return WithGetenv(func(k string) string { return m[k] })
}

func noHome() Option {
	return WithHomeDir(func() (string, error) { return "", errors.New("no home in tests") })
}

// newProvider builds a provider with an isolated environment and registers Close.
func newProvider(t *testing.T, cfg Settings, env map[string]string, opts ...Option) *Provider {
	t.Helper()
	opts = append([]Option{envMap(env), noHome()}, opts...)
	p, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	return p
}

// tokenProvider is a provider that uses the root token from VAULT_TOKEN against addr.
func tokenProvider(t *testing.T, addr string, opts ...Option) *Provider {
	t.Helper()
	_, root := vaultEnv(t)
	return newProvider(t, Settings{Address: addr}, map[string]string{"VAULT_TOKEN": root}, opts...)
}

func mustRef(t *testing.T, s string) providers.Ref {
	t.Helper()
	r, err := providers.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func fetch(t *testing.T, p providers.Provider, timeout time.Duration, refs ...providers.Ref) ([]providers.Secret, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.Fetch(ctx, refs)
}

func kvPut(t *testing.T, c *api.Client, path string, data map[string]any) {
	t.Helper()
	if _, err := c.Logical().Write(path, data); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

// mountKV enables a KV mount of the given version at a unique path and returns the path.
func mountKV(t *testing.T, c *api.Client, version string) string {
	t.Helper()
	path := uniq("kv" + version)
	if err := c.Sys().Mount(path, &api.MountInput{Type: "kv", Options: map[string]string{"version": version}}); err != nil {
		t.Fatalf("mount kv v%s: %v", version, err)
	}
	t.Cleanup(func() { _ = c.Sys().Unmount(path) })
	if version == "2" {
		// the KV v2 upgrade is asynchronous: wait until the mount answers
		for i := 0; i < 100; i++ {
			if _, err := c.Logical().Read(path + "/config"); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return path
}

// counter is a counting reverse proxy in front of the dev server.
type counter struct {
	URL   string
	front string // a proxy in front of this one, when there is one
	mu    sync.Mutex
	hits  map[string]int // "METHOD /v1/path" -> count
}

func newCounter(t *testing.T, target string) *counter {
	t.Helper()
	return newInterceptingCounter(t, target, nil)
}

// newInterceptingCounter is newCounter whose proxy lets answer answer a request itself (when it
// returns true) instead of passing it on; every request is counted.
func newInterceptingCounter(t *testing.T, target string, answer func(http.ResponseWriter, *http.Request) bool) *counter {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{hits: make(map[string]int)}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits[r.Method+" "+r.URL.Path]++
		c.mu.Unlock()
		if answer != nil && answer(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// count returns the number of requests whose "METHOD /v1/path" satisfies match.
func (c *counter) count(match func(method, path string) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.hits {
		m, p, _ := strings.Cut(k, " ")
		if match(m, strings.TrimPrefix(p, "/v1/")) {
			n += v
		}
	}
	return n
}

// reads counts reads of secrets (GETs outside sys/).
func (c *counter) reads() int {
	return c.count(func(m, p string) bool { return m == "GET" && !strings.HasPrefix(p, "sys/") })
}

func (c *counter) mountLookups() int {
	return c.count(func(m, p string) bool { return strings.HasPrefix(p, "sys/internal/ui/mounts/") })
}

func (c *counter) logins() int {
	return c.count(func(m, p string) bool { return strings.HasPrefix(p, "auth/") && strings.HasSuffix(p, "/login") })
}

func (c *counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for k, v := range c.hits {
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(strings.Repeat("I", v))
		b.WriteString(" ")
	}
	return b.String()
}

// psql runs a query as the PostgreSQL superuser (or as user/pass when given) and returns the
// trimmed output.
func psql(t *testing.T, user, pass, query string) (string, error) {
	t.Helper()
	pg := testenv.Require(t, testenv.PGHost, testenv.PGPort, testenv.PGUser, testenv.PGPassword)
	if user == "" {
		user, pass = pg[2], pg[3]
	}
	cmd := exec.Command("psql", "-h", pg[0], "-p", pg[1], "-U", user, "-d", "postgres", "-Atc", query)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+pass, "PGCONNECT_TIMEOUT=5")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
