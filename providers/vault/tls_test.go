package vault

import (
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TLS settings against an HTTPS reverse proxy (httptest's certificate for 127.0.0.1) in front of
// the dev server: untrusted by default (a clear, unretried error with a hint), trusted with
// ca_cert or VAULT_CACERT, or with VAULT_SKIP_VERIFY.
func TestTLS(t *testing.T) {
	admin := adminClient(t)
	addr, root := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "tls")
	kvPut(t, admin, mnt+"/data/x", map[string]any{"data": map[string]any{"k": c}})
	u, _ := url.Parse(addr)
	var mu sync.Mutex
	requests := 0
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	ref := mustRef(t, "vault://"+mnt+"/x#k")
	tok := map[string]string{"VAULT_TOKEN": root}

	_, err := fetch(t, newProvider(t, Settings{Address: srv.URL}, tok), 5*time.Second, ref)
	if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") || !strings.Contains(providers.Hint(err), "ca_cert") {
		t.Errorf("untrusted certificate: %v (hint %q)", err, providers.Hint(err))
	}
	// The TLS handshake fails before any request reaches the server, and is not retried: the
	// test server sees no request at all.
	mu.Lock()
	if requests != 0 {
		t.Errorf("%d requests reached the server through an untrusted certificate", requests)
	}
	mu.Unlock()

	for name, p := range map[string]*Provider{
		"ca_cert":           newProvider(t, Settings{Address: srv.URL, CACert: ca}, tok),
		"VAULT_CACERT":      newProvider(t, Settings{Address: srv.URL}, map[string]string{"VAULT_TOKEN": root, "VAULT_CACERT": ca}),
		"VAULT_SKIP_VERIFY": newProvider(t, Settings{Address: srv.URL}, map[string]string{"VAULT_TOKEN": root, "VAULT_SKIP_VERIFY": "true"}),
		"tls_skip_verify":   newProvider(t, Settings{Address: srv.URL, TLSSkipVerify: true}, tok),
	} {
		s, err := fetch(t, p, 5*time.Second, ref)
		if err != nil || s[0].Reveal() != c {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The namespace from config or VAULT_NAMESPACE is sent as X-Vault-Namespace on every request.
func TestNamespaceHeader(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("X-Vault-Namespace")]++
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		cfg  Settings
		env  map[string]string
		want string
	}{
		{Settings{Address: srv.URL, Namespace: "team-a"}, map[string]string{"VAULT_TOKEN": "t", "VAULT_NAMESPACE": "other"}, "team-a"},
		{Settings{Address: srv.URL}, map[string]string{"VAULT_TOKEN": "t", "VAULT_NAMESPACE": "team-b"}, "team-b"},
	} {
		p := newProvider(t, tc.cfg, tc.env)
		_, _ = fetch(t, p, 5*time.Second, mustRef(t, "vault://secret/x#k"))
		mu.Lock()
		if seen[tc.want] == 0 {
			t.Errorf("no request with X-Vault-Namespace %q (seen %v)", tc.want, seen)
		}
		mu.Unlock()
	}
}
