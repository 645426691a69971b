package azkv

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/azkv/azkvtest"
	"github.com/secretrun/secretrun/providers/providertest"
)

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
	s := azkvtest.New(t)
	value := providertest.Canary(t, "value")
	s.Put("test-kv", "db", value)
	clientSecret := providertest.Canary(t, "client-secret")
	s.Entra.SetClientSecret(clientSecret)
	azureEnv(t, map[string]string{
		"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
		"AZURE_TENANT_ID":         azkvtest.Tenant,
		"AZURE_CLIENT_ID":         "11111111-2222-3333-4444-555555555555",
		"AZURE_CLIENT_SECRET":     clientSecret,
	})
	p, err := New(Settings{Vault: "test-kv"}, WithHTTPClient(s.Client(s.Addr())))
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := fetch(t, p, 20*time.Second, "azkv://db", "azkv://test-kv/db", "azkv://other-kv/db")
	if len(s.Entra.Unknown()) > 0 {
		t.Logf("entra: unknown requests %v", s.Entra.Unknown())
	}
	if secrets[0].Reveal() != value || secrets[1].Reveal() != value {
		t.Fatalf("wrong value(s); err = %v", err)
	}
	if !errors.Is(err, providers.ErrNotFound) || len(providertest.RefErrors(err)) != 1 {
		t.Errorf("err = %v; want one ErrNotFound for other-kv", err)
	}
	if s.Entra.TokenCalls() != 1 {
		t.Errorf("%d token requests for two vaults in one tenant; want 1", s.Entra.TokenCalls())
	}
	providertest.AssertNoValues(t, err, value, clientSecret)
}

// A wrong client secret is ErrDenied with the AADSTS code and no secret in the text.
func TestDefaultCredentialBadSecret(t *testing.T) {
	s := azkvtest.New(t)
	s.Put("test-kv", "db", "v")
	s.Entra.SetClientSecret("the-right-one")
	clientSecret := providertest.Canary(t, "wrong-client-secret")
	azureEnv(t, map[string]string{
		"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
		"AZURE_TENANT_ID":         azkvtest.Tenant,
		"AZURE_CLIENT_ID":         "11111111-2222-3333-4444-555555555555",
		"AZURE_CLIENT_SECRET":     clientSecret,
	})
	p, err := New(Settings{Vault: "test-kv"}, WithHTTPClient(s.Client(s.Addr())))
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
	if s.Reads() != 0 {
		t.Error("a GET was sent without a token")
	}
	providertest.AssertNoValues(t, err, clientSecret)
	t.Logf("%v\nhint: %s\n(in %v)", err, providers.Hint(err), time.Since(start).Round(time.Millisecond))
}

// With no credential configured at all, the error says what was tried and how to fix it.
func TestDefaultCredentialNothingConfigured(t *testing.T) {
	s := azkvtest.New(t)
	s.Put("test-kv", "db", "v")
	azureEnv(t, map[string]string{"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential"})
	p, err := New(Settings{Vault: "test-kv"}, WithHTTPClient(s.Client(s.Addr())))
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
	s := azkvtest.New(t)
	s.Put("test-kv", "db", "v")
	clientSecret := providertest.Canary(t, "client-secret")
	azureEnv(t, map[string]string{
		"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
		"AZURE_TENANT_ID":         azkvtest.Tenant,
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
	c := s.Client(s.Addr())
	tr := c.Transport.(*http.Transport)
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, _, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "login.microsoftonline.com:") {
			return d.DialContext(ctx, "tcp", dead)
		}
		return d.DialContext(ctx, "tcp", s.Addr())
	}
	p, err := New(Settings{Vault: "test-kv"}, WithHTTPClient(c))
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
