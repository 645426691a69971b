// Package azkvtest is an in-process Azure Key Vault stand-in for tests, since no Key Vault
// emulator exists: an HTTPS server on 127.0.0.1 with a certificate for *.vault.azure.net (and
// *.vault.azure.cn, login.microsoftonline.com) from a CA made for the server. It speaks the
// bearer-challenge protocol (a request without a token gets 401 and WWW-Authenticate naming the
// tenant and resource) and GET /secrets/{name}[/{version}], and it counts what it serves.
//
// Clients keep the production URL https://NAME.vault.azure.net; only their dialer is pointed at
// the server (see [NewClient]), so the Azure SDK's challenge verification runs unchanged. [Cred]
// is a static azcore.TokenCredential whose token the server accepts.
//
// The server also answers for login.microsoftonline.com with a minimal Microsoft Entra ID token
// endpoint ([Entra]), enough for azidentity's ClientSecretCredential.
package azkvtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
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
)

const (
	// Tenant is the Microsoft Entra tenant the server's challenges name.
	Tenant = "72f988bf-0000-0000-0000-000000000001"
	// Token is the only access token the server accepts (what [Cred] and [Entra] hand out).
	Token = "test-access-token"
)

// Server is the Key Vault stand-in. Its methods are safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	pool  *x509.CertPool
	caPEM []byte

	// Entra is the fake Microsoft Entra sign-in endpoint at login.microsoftonline.com.
	Entra Entra

	mu         sync.Mutex
	secrets    map[string]map[string]map[string]string // vault -> name -> version -> value
	latest     map[string]map[string]string            // vault -> name -> current version
	created    map[string]time.Time                    // "vault/name/version" -> attributes.created
	challenges map[string]int                          // vault -> 401 challenges sent
	gets       map[string]int                          // "vault/name/version" -> authorised GETs
	fault      map[string]func(w http.ResponseWriter)  // name -> answer instead of the secret
	badToken   bool                                    // answer every token with 401
	handler    http.Handler                            // replaces the whole server when set
	nextVer    int
}

// New starts a server; it is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (the caller closes it).
func Start() (*Server, error) {
	s := &Server{
		secrets: map[string]map[string]map[string]string{}, latest: map[string]map[string]string{}, created: map[string]time.Time{},
		challenges: map[string]int{}, gets: map[string]int{}, fault: map[string]func(http.ResponseWriter){},
	}
	caCert, caKey, err := newCA()
	if err != nil {
		return nil, err
	}
	leaf, err := newLeaf(caCert, caKey, "*.vault.azure.net", "*.vault.azure.cn", "login.microsoftonline.com")
	if err != nil {
		return nil, err
	}
	s.pool = x509.NewCertPool()
	s.pool.AddCert(caCert)
	s.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw})
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // fault tests cut TLS handshakes on purpose
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	s.srv.StartTLS()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Addr is the host:port the server listens on (127.0.0.1).
func (s *Server) Addr() string { return s.srv.Listener.Addr().String() }

// CertPool holds the server's CA certificate.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// CAPEM is the server's CA certificate, PEM-encoded.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.caPEM...) }

// Client returns an HTTP client that sends every connection, whatever the host, to addr (the
// server, or a proxy in front of it; "" means the server) and trusts the server's CA.
func (s *Server) Client(addr string) *http.Client {
	if addr == "" {
		addr = s.Addr()
	}
	return NewClient(addr, s.pool)
}

// NewClient returns an HTTP client that sends every connection to addr and trusts the CAs in
// pool: how a process other than the server's reaches it (see [PoolFromPEM]).
func NewClient(addr string, pool *x509.CertPool) *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: pool},
	}}
}

// PoolFromPEM returns a pool holding the certificates of a PEM document such as [Server.CAPEM].
func PoolFromPEM(data []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, errors.New("azkvtest: no certificate in the PEM data")
	}
	return pool, nil
}

// Put stores a new current version of vault/name (vault is the vault's name, e.g. "test-kv")
// and returns its version id (32 hex digits). The version is created now.
func (s *Server) Put(vault, name, value string) string {
	return s.PutAt(vault, name, value, time.Now())
}

// PutAt is Put with the version's creation time (answered as attributes.created, in whole
// Unix seconds as Key Vault does).
func (s *Server) PutAt(vault, name, value string, created time.Time) string {
	name = strings.ToLower(name)
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
	s.created[vault+"/"+name+"/"+ver] = created
	return ver
}

// SetFault makes authorised requests for secret name (in any vault) answered by f.
func (s *Server) SetFault(name string, f func(w http.ResponseWriter)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault[strings.ToLower(name)] = f
}

// SetBadToken makes the server reject every token with 401, as Key Vault does a token for the
// wrong tenant or audience.
func (s *Server) SetBadToken(bad bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.badToken = bad
}

// SetHandler makes h answer every request instead of the Key Vault stand-in (nil: back to it).
func (s *Server) SetHandler(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = h
}

// Reads returns the number of authorised GETs served so far.
func (s *Server) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.gets {
		n += c
	}
	return n
}

// Gets returns the authorised GETs served so far by "vault/name/version" (version "" for the
// current one).
func (s *Server) Gets() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.gets))
	for k, v := range s.gets {
		out[k] = v
	}
	return out
}

// Challenges returns the 401 challenges sent so far, by vault.
func (s *Server) Challenges() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.challenges))
	for k, v := range s.challenges {
		out[k] = v
	}
	return out
}

// ErrorBody writes a Key Vault error answer.
func ErrorBody(w http.ResponseWriter, status int, code, msg, inner string) {
	body := map[string]any{"code": code, "message": msg}
	if inner != "" {
		body["innererror"] = map[string]string{"code": inner}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": body})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.handler
	s.mu.Unlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	host, _, _ := strings.Cut(r.Host, ":")
	if host == "login.microsoftonline.com" {
		s.Entra.serve(w, r)
		return
	}
	suffix := "vault.azure.net"
	if strings.HasSuffix(host, ".vault.azure.cn") {
		suffix = "vault.azure.cn" // Azure China
	}
	vault, ok := strings.CutSuffix(host, "."+suffix)
	if !ok || r.URL.Query().Get("api-version") == "" || r.Method != http.MethodGet {
		ErrorBody(w, http.StatusBadRequest, "BadParameter", "bad request", "")
		return
	}
	auth := r.Header.Get("Authorization")
	challenge := `Bearer authorization="https://login.microsoftonline.com/` + Tenant + `", resource="https://` + suffix + `"`
	if auth == "" {
		s.mu.Lock()
		s.challenges[vault]++
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", challenge)
		ErrorBody(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", "")
		return
	}
	s.mu.Lock()
	badToken := s.badToken
	s.mu.Unlock()
	if auth != "Bearer "+Token || badToken {
		w.Header().Set("WWW-Authenticate", challenge)
		ErrorBody(w, http.StatusUnauthorized, "Unauthorized", "AKV10032: Invalid issuer.", "")
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
	created := s.created[vault+"/"+name+"/"+version].Unix()
	s.mu.Unlock()
	if fault != nil {
		fault(w)
		return
	}
	if !found {
		ErrorBody(w, http.StatusNotFound, "SecretNotFound",
			fmt.Sprintf("A secret with (name/id) %s was not found in this key vault.", name), "")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"value": value,
		"id":    fmt.Sprintf("https://%s.%s/secrets/%s/%s", vault, suffix, name, version),
		"attributes": map[string]any{
			"enabled": true, "created": created, "updated": created, "recoveryLevel": "Recoverable+Purgeable",
		},
	})
}

// Cred is an azcore.TokenCredential that returns [Token] and records what it was asked for.
// The zero value is ready to use.
type Cred struct {
	mu      sync.Mutex
	calls   int
	scopes  [][]string
	tenants []string
}

var _ azcore.TokenCredential = (*Cred)(nil)

// GetToken implements azcore.TokenCredential.
func (c *Cred) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.scopes = append(c.scopes, opts.Scopes)
	c.tenants = append(c.tenants, opts.TenantID)
	return azcore.AccessToken{Token: Token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Calls is the number of tokens asked for.
func (c *Cred) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// Scopes are the scopes of each token request, in order.
func (c *Cred) Scopes() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]string(nil), c.scopes...)
}

// Tenants are the tenant ids of each token request, in order.
func (c *Cred) Tenants() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.tenants...)
}

func newCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
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
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func newLeaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, dnsNames ...string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
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
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
