package azkv

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// entra is a minimal Microsoft Entra ID token endpoint (instance discovery, OpenID
// configuration, client-credentials token), enough for azidentity's ClientSecretCredential.
type entra struct {
	mu           sync.Mutex
	clientSecret string   // the accepted secret
	tokenCalls   int      // POSTs to the token endpoint
	unknown      []string // paths it did not know
}

func (e *entra) serve(w http.ResponseWriter, r *http.Request) {
	base := "https://login.microsoftonline.com/" + testTenant
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	switch {
	case strings.HasSuffix(r.URL.Path, "/discovery/instance"):
		_ = enc.Encode(map[string]any{
			"tenant_discovery_endpoint": base + "/v2.0/.well-known/openid-configuration",
			"api-version":               "1.1",
			"metadata": []any{map[string]any{
				"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
				"aliases": []string{"login.microsoftonline.com", "login.windows.net"},
			}},
		})
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		_ = enc.Encode(map[string]any{
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/v2.0",
			"jwks_uri":               base + "/discovery/v2.0/keys",
		})
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") && r.Method == http.MethodPost:
		_ = r.ParseForm()
		e.mu.Lock()
		e.tokenCalls++
		ok := r.PostForm.Get("client_secret") == e.clientSecret && e.clientSecret != ""
		e.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			_ = enc.Encode(map[string]any{
				"error":             "invalid_client",
				"error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
				"error_codes":       []int{7000215},
			})
			return
		}
		_ = enc.Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": testToken})
	default:
		e.mu.Lock()
		e.unknown = append(e.unknown, r.Method+" "+r.URL.Path)
		e.mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
	}
}

// azureEnv sets exactly the given AZURE_* variables for the test and clears the others.
func azureEnv(t *testing.T, vars map[string]string) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AZURE_") {
			t.Setenv(name, "") // restores the old value after the test
			os.Unsetenv(name)
		}
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

// The production credential path: DefaultAzureCredential (narrowed to EnvironmentCredential, so
// no IMDS probe or az CLI runs) signs in at the fake Entra endpoint with a client secret, for
// the tenant and resource Key Vault's challenge named, then reads the secret.
func TestDefaultCredentialClientSecret(t *testing.T) {
	s := newKVServer(t)
	value := providertest.Canary(t, "value")
	s.put("test-kv", "db", value)
	clientSecret := providertest.Canary(t, "client-secret")
	s.entra.clientSecret = clientSecret
	azureEnv(t, map[string]string{
		"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
		"AZURE_TENANT_ID":         testTenant,
		"AZURE_CLIENT_ID":         "11111111-2222-3333-4444-555555555555",
		"AZURE_CLIENT_SECRET":     clientSecret,
	})
	p, err := New(config.Azure{Vault: "test-kv"}, WithHTTPClient(s.client(s.srv.Listener.Addr().String())))
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := fetch(t, p, 20*time.Second, "azkv://db", "azkv://test-kv/db", "azkv://other-kv/db")
	if len(s.entra.unknown) > 0 {
		t.Logf("entra: unknown requests %v", s.entra.unknown)
	}
	if secrets[0].Reveal() != value || secrets[1].Reveal() != value {
		t.Fatalf("wrong value(s); err = %v", err)
	}
	if !errors.Is(err, providers.ErrNotFound) || len(providertest.RefErrors(err)) != 1 {
		t.Errorf("err = %v; want one ErrNotFound for other-kv", err)
	}
	if s.entra.tokenCalls != 1 {
		t.Errorf("%d token requests for two vaults in one tenant; want 1", s.entra.tokenCalls)
	}
	providertest.AssertNoValues(t, err, value, clientSecret)
}

// A wrong client secret is ErrDenied with the AADSTS code and no secret in the text.
func TestDefaultCredentialBadSecret(t *testing.T) {
	s := newKVServer(t)
	s.put("test-kv", "db", "v")
	s.entra.clientSecret = "the-right-one"
	clientSecret := providertest.Canary(t, "wrong-client-secret")
	azureEnv(t, map[string]string{
		"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
		"AZURE_TENANT_ID":         testTenant,
		"AZURE_CLIENT_ID":         "11111111-2222-3333-4444-555555555555",
		"AZURE_CLIENT_SECRET":     clientSecret,
	})
	p, err := New(config.Azure{Vault: "test-kv"}, WithHTTPClient(s.client(s.srv.Listener.Addr().String())))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = fetch(t, p, 20*time.Second, "azkv://db")
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("err = %v; want ErrDenied", err)
	}
	if h := providers.Hint(err); !strings.Contains(h, "AADSTS7000215: Invalid client secret provided") || !strings.Contains(h, "ClientSecretCredential") {
		t.Errorf("hint %q lacks the credential and the AADSTS code", h)
	}
	if s.reads() != 0 {
		t.Error("a GET was sent without a token")
	}
	providertest.AssertNoValues(t, err, clientSecret)
	t.Logf("%v\nhint: %s\n(in %v)", err, providers.Hint(err), time.Since(start).Round(time.Millisecond))
}

// With no credential configured at all, the error says what was tried and how to fix it.
func TestDefaultCredentialNothingConfigured(t *testing.T) {
	s := newKVServer(t)
	s.put("test-kv", "db", "v")
	azureEnv(t, map[string]string{"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential"})
	p, err := New(config.Azure{Vault: "test-kv"}, WithHTTPClient(s.client(s.srv.Listener.Addr().String())))
	if err != nil {
		t.Fatal(err)
	}
	_, err = fetch(t, p, 20*time.Second, "azkv://db")
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("err = %v; want ErrDenied", err)
	}
	if h := providers.Hint(err); !strings.Contains(h, "EnvironmentCredential") || !strings.Contains(h, "az login") {
		t.Errorf("hint %q does not say what was tried and what to do", h)
	}
	t.Logf("%v\nhint: %s", err, providers.Hint(err))
}

// When the sign-in service cannot be reached, the error is ErrUnavailable, not ErrDenied.
func TestDefaultCredentialSignInUnreachable(t *testing.T) {
	s := newKVServer(t)
	s.put("test-kv", "db", "v")
	clientSecret := providertest.Canary(t, "client-secret")
	azureEnv(t, map[string]string{
		"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
		"AZURE_TENANT_ID":         testTenant,
		"AZURE_CLIENT_ID":         "11111111-2222-3333-4444-555555555555",
		"AZURE_CLIENT_SECRET":     clientSecret,
	})
	// A port with nothing listening.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	c := s.client(s.srv.Listener.Addr().String())
	tr := c.Transport.(*http.Transport)
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, _, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "login.microsoftonline.com:") {
			return d.DialContext(ctx, "tcp", dead)
		}
		return d.DialContext(ctx, "tcp", s.srv.Listener.Addr().String())
	}
	p, err := New(config.Azure{Vault: "test-kv"}, WithHTTPClient(c))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = fetch(t, p, 5*time.Second, "azkv://db")
	d2 := time.Since(start)
	t.Logf("%v\nhint: %s\n(in %v)", err, providers.Hint(err), d2.Round(time.Millisecond))
	if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "signing in to Azure") {
		t.Errorf("err = %v; want ErrUnavailable while signing in", err)
	}
	if d2 > 5*time.Second+400*time.Millisecond {
		t.Errorf("took %v; deadline 5s", d2)
	}
	providertest.AssertNoValues(t, err, clientSecret)
}
