package azkv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/secretrun/secretrun/config"
)

// kvServer is a Key Vault stand-in: an HTTPS server on 127.0.0.1 with a certificate for
// *.vault.azure.net from a CA made in the test. It speaks the bearer-challenge protocol (a
// request without a token gets 401 and WWW-Authenticate naming the tenant and resource) and
// GET /secrets/{name}[/{version}]. Clients keep the production URL https://NAME.vault.azure.net;
// only their dialer is pointed here, so the SDK's challenge verification runs unchanged.
type kvServer struct {
	srv  *httptest.Server
	pool *x509.CertPool

	mu         sync.Mutex
	secrets    map[string]map[string]map[string]string // vault -> name -> version -> value
	latest     map[string]map[string]string            // vault -> name -> current version
	challenges map[string]int                          // vault -> 401 challenges sent
	gets       map[string]int                          // "vault/name/version" -> authorised GETs
	fault      map[string]func(w http.ResponseWriter)  // name -> answer instead of the secret
	badToken   bool                                    // answer every token with 401
	entra      entra                                   // the fake Microsoft Entra sign-in endpoint
	nextVer    int
}

const (
	testTenant = "72f988bf-0000-0000-0000-000000000001"
	testToken  = "test-access-token"
)

func newKVServer(t *testing.T) *kvServer {
	t.Helper()
	s := &kvServer{
		secrets: map[string]map[string]map[string]string{}, latest: map[string]map[string]string{},
		challenges: map[string]int{}, gets: map[string]int{}, fault: map[string]func(http.ResponseWriter){},
	}
	caCert, caKey := newCA(t)
	s.pool = x509.NewCertPool()
	s.pool.AddCert(caCert)
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // fault tests cut TLS handshakes on purpose
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{newLeaf(t, caCert, caKey, "*.vault.azure.net", "*.vault.azure.cn", "login.microsoftonline.com")}}
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	return s
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "secretrun azkv test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func newLeaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, dnsNames ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: dnsNames[0]},
		DNSNames:     dnsNames,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// put stores a new current version of vault/name and returns its version id.
func (s *kvServer) put(vault, name, value string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextVer++
	ver := fmt.Sprintf("%032x", s.nextVer)
	if s.secrets[vault] == nil {
		s.secrets[vault] = map[string]map[string]string{}
		s.latest[vault] = map[string]string{}
	}
	if s.secrets[vault][name] == nil {
		s.secrets[vault][name] = map[string]string{}
	}
	s.secrets[vault][name][ver] = value
	s.latest[vault][name] = ver
	return ver
}

func (s *kvServer) setFault(name string, f func(w http.ResponseWriter)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault[name] = f
}

// reads returns the number of authorised GETs served so far.
func (s *kvServer) reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.gets {
		n += c
	}
	return n
}

func (s *kvServer) challengeCount() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.challenges {
		out[k] = v
	}
	return out
}

func kvErrorBody(w http.ResponseWriter, status int, code, msg, inner string) {
	body := map[string]any{"code": code, "message": msg}
	if inner != "" {
		body["innererror"] = map[string]string{"code": inner}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": body})
}

func (s *kvServer) serve(w http.ResponseWriter, r *http.Request) {
	host, _, _ := strings.Cut(r.Host, ":")
	if host == "login.microsoftonline.com" {
		s.entra.serve(w, r)
		return
	}
	suffix := "vault.azure.net"
	if strings.HasSuffix(host, ".vault.azure.cn") {
		suffix = "vault.azure.cn" // Azure China
	}
	vault, ok := strings.CutSuffix(host, "."+suffix)
	if !ok || r.URL.Query().Get("api-version") == "" || r.Method != http.MethodGet {
		kvErrorBody(w, http.StatusBadRequest, "BadParameter", "bad request", "")
		return
	}
	auth := r.Header.Get("Authorization")
	challenge := `Bearer authorization="https://login.microsoftonline.com/` + testTenant + `", resource="https://` + suffix + `"`
	if auth == "" {
		s.mu.Lock()
		s.challenges[vault]++
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", challenge)
		kvErrorBody(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", "")
		return
	}
	s.mu.Lock()
	badToken := s.badToken
	s.mu.Unlock()
	if auth != "Bearer "+testToken || badToken {
		w.Header().Set("WWW-Authenticate", challenge)
		kvErrorBody(w, http.StatusUnauthorized, "Unauthorized", "AKV10032: Invalid issuer.", "")
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/secrets/"), "/")
	name, version := strings.ToLower(parts[0]), ""
	if len(parts) > 1 {
		version = parts[1]
	}
	s.mu.Lock()
	s.gets[vault+"/"+name+"/"+version]++
	fault := s.fault[name]
	vs := s.secrets[vault][name]
	if version == "" {
		version = s.latest[vault][name]
	}
	value, found := vs[version]
	s.mu.Unlock()
	if fault != nil {
		fault(w)
		return
	}
	if !found {
		kvErrorBody(w, http.StatusNotFound, "SecretNotFound",
			fmt.Sprintf("A secret with (name/id) %s was not found in this key vault.", name), "")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"value": value,
		"id":    fmt.Sprintf("https://%s.%s/secrets/%s/%s", vault, suffix, name, version),
		"attributes": map[string]any{
			"enabled": true, "created": 1700000000, "updated": 1700000000, "recoveryLevel": "Recoverable+Purgeable",
		},
	})
}

// client returns an HTTP client that reaches addr (the server, or a proxy in front of it) for
// every host and trusts the test CA.
func (s *kvServer) client(addr string) *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: s.pool},
	}}
}

// testCred is a TokenCredential that returns a static token and records what it was asked for.
type testCred struct {
	mu     sync.Mutex
	calls  int
	scopes [][]string
	tenant []string
}

func (c *testCred) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.scopes = append(c.scopes, opts.Scopes)
	c.tenant = append(c.tenant, opts.TenantID)
	return azcore.AccessToken{Token: testToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// provider returns a provider whose clients reach addr (default: the server itself).
func (s *kvServer) provider(t *testing.T, cred *testCred, addr string) *Provider {
	t.Helper()
	if addr == "" {
		addr = s.srv.Listener.Addr().String()
	}
	p, err := New(config.Azure{Vault: "test-kv"}, WithHTTPClient(s.client(addr)), WithCredential(cred))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
