package azkv

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/azkv/azkvtest"
	"github.com/secretrun/secretrun/providers/providertest"
)

func TestHTTPSConformance(t *testing.T) {
	s := azkvtest.New(t)
	var n atomic.Int64
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return newProvider(t, s, &azkvtest.Cred{}, "") },
		Put: func(t *testing.T, value []byte) providers.Ref {
			name := fmt.Sprintf("conformance-%d", n.Add(1))
			s.Put("test-kv", name, string(value))
			return providers.Ref{Scheme: Scheme, Path: "test-kv/" + name}
		},
		Missing: func(t *testing.T) providers.Ref {
			return providers.Ref{Scheme: Scheme, Path: "test-kv/does-not-exist"}
		},
		Reads:   func(t *testing.T) int { return s.Reads() },
		Binary:  false, // Key Vault secrets are JSON strings
		Timeout: 20 * time.Second,
	})
}

// One challenge and one client per vault, one token for the run, one GET per distinct source.
func TestHTTPSChallengeAndCounting(t *testing.T) {
	s := azkvtest.New(t)
	a, b, c := providertest.Canary(t, "a"), providertest.Canary(t, "b"), providertest.Canary(t, "c")
	verA := s.Put("test-kv", "alpha", `{"user":"u","password":"`+a+`","port":1}`)
	s.Put("test-kv", "beta", b)
	oldC := s.Put("other-kv", "gamma", "old-"+c)
	verC := s.Put("other-kv", "gamma", c)
	cred := &azkvtest.Cred{}
	p := newProvider(t, s, cred, "")
	var refs []string
	for i := 0; i < 5; i++ {
		refs = append(refs, "azkv://alpha#user", "azkv://test-kv/alpha#password", "azkv://test-kv.vault.azure.net/ALPHA#port",
			"azkv://test-kv/beta", "azkv://other-kv/gamma", "azkv://other-kv/gamma/"+oldC)
	}
	secrets, err := fetch(t, p, 10*time.Second, refs...)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(refs); i += 6 {
		got := []string{secrets[i].Reveal(), secrets[i+1].Reveal(), secrets[i+2].Reveal(), secrets[i+3].Reveal(), secrets[i+4].Reveal(), secrets[i+5].Reveal()}
		if want := []string{"u", a, "1", b, c, "old-" + c}; !reflect.DeepEqual(got, want) {
			t.Fatalf("wrong values at %d", i)
		}
	}
	if secrets[0].Version != verA || secrets[4].Version != verC || secrets[5].Version != oldC {
		t.Errorf("versions %q %q %q; want %q %q %q", secrets[0].Version, secrets[4].Version, secrets[5].Version, verA, verC, oldC)
	}
	if got := s.Reads(); got != 4 {
		t.Errorf("%d refs cost %d GETs; want 4 (alpha, beta, gamma, gamma/old)", len(refs), got)
	}
	if got := s.Challenges(); !reflect.DeepEqual(got, map[string]int{"test-kv": 1, "other-kv": 1}) {
		t.Errorf("challenges = %v; want one per vault", got)
	}
	if cred.Calls() != 1 {
		t.Errorf("credential asked for %d tokens; want 1 for the run", cred.Calls())
	}
	if !reflect.DeepEqual(cred.Scopes()[0], []string{"https://vault.azure.net/.default"}) || cred.Tenants()[0] != azkvtest.Tenant {
		t.Errorf("token asked for scopes %v tenant %q; want the challenge's resource and tenant", cred.Scopes()[0], cred.Tenants()[0])
	}
	// A second Fetch on the same provider reuses clients and token: no new challenge.
	if _, err := fetch(t, p, 10*time.Second, "azkv://test-kv/beta", "azkv://other-kv/gamma"); err != nil {
		t.Fatal(err)
	}
	if got := s.Challenges(); got["test-kv"] != 1 || got["other-kv"] != 1 || cred.Calls() != 1 {
		t.Errorf("second fetch: challenges %v, token calls %d; want no new ones", got, cred.Calls())
	}
}

// A challenge whose resource is not the vault's domain is refused by the SDK's verification,
// before any token is sent.
func TestHTTPSChallengeMismatch(t *testing.T) {
	s := azkvtest.New(t)
	s.Put("test-kv", "x", "v")
	evil := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/`+azkvtest.Tenant+`", resource="https://evil.example.com"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	s.SetHandler(evil)
	cred := &azkvtest.Cred{}
	_, err := fetch(t, newProvider(t, s, cred, ""), 10*time.Second, "azkv://test-kv/x")
	if !errors.Is(err, providers.ErrDenied) || cred.Calls() != 0 {
		t.Fatalf("err = %v, token calls %d; want ErrDenied and no token", err, cred.Calls())
	}
	t.Logf("%v (hint: %s)", err, providers.Hint(err))
}

// Error answers, even ones that (wrongly) quote the value, never reach the error text.
func TestHTTPSErrorAnswers(t *testing.T) {
	s := azkvtest.New(t)
	canary := providertest.Canary(t, "value")
	cases := []struct {
		name   string
		fault  func(w http.ResponseWriter)
		want   error
		text   string
		hint   string
		reads  int
		within time.Duration
	}{
		{"rbac", func(w http.ResponseWriter) {
			azkvtest.ErrorBody(w, 403, "Forbidden", "Caller is not authorized to perform action on resource.\r\n"+
				"Caller: appid=11111111-2222-3333-4444-555555555555;oid=66666666-7777-8888-9999-000000000000;iss=https://sts.windows.net/"+azkvtest.Tenant+"/\r\n"+
				"Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\n"+canary, "ForbiddenByRbac")
		}, providers.ErrDenied, "HTTP 403 Forbidden/ForbiddenByRbac", "appid=11111111-2222-3333-4444-555555555555", 1, 3 * time.Second},
		{"disabled", func(w http.ResponseWriter) {
			azkvtest.ErrorBody(w, 403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled")
		}, providers.ErrDenied, "is disabled", "set-attributes", 1, 3 * time.Second},
		{"deleted", func(w http.ResponseWriter) {
			azkvtest.ErrorBody(w, 404, "SecretNotFound", "Secret deleted is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.", "")
		}, providers.ErrNotFound, "is deleted", "az keyvault secret recover", 1, 3 * time.Second},
		{"firewall", func(w http.ResponseWriter) {
			azkvtest.ErrorBody(w, 403, "Forbidden", "Client address is not authorized and caller is not a trusted service.\r\nClient address: 203.0.113.7", "ForbiddenByFirewall")
		}, providers.ErrDenied, "ForbiddenByFirewall", "network rules", 1, 3 * time.Second},
		{"unavailable-quoting", func(w http.ResponseWriter) {
			azkvtest.ErrorBody(w, 503, canary, "the value is "+canary, canary)
		}, providers.ErrUnavailable, "4 attempts", "", 4, 6 * time.Second},
		{"throttled-long-retry-after", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "30")
			azkvtest.ErrorBody(w, 429, "Throttled", "Rate limit exceeded", "")
		}, providers.ErrUnavailable, "HTTP 429 Throttled", "30 seconds", 1, 3 * time.Second},
		{"truncated-json", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"value":"%s","id":"https://test-kv.vault.azure.net/secrets/x/`, canary)
		}, providers.ErrUnavailable, "unreadable answer", "", 1, 3 * time.Second},
		{"teapot", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprint(w, canary)
		}, providers.ErrUnavailable, "HTTP 418", "", 1, 3 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.Put("test-kv", c.name, canary)
			s.SetFault(c.name, c.fault)
			before := s.Reads()
			start := time.Now()
			secrets, err := fetch(t, newProvider(t, s, &azkvtest.Cred{}, ""), 10*time.Second, "azkv://test-kv/"+c.name)
			d := time.Since(start)
			if !errors.Is(err, c.want) || secrets[0].Len() != 0 {
				t.Fatalf("err = %v; want %v and no value", err, c.want)
			}
			if !strings.Contains(err.Error(), "azkv://test-kv/"+c.name) || !strings.Contains(err.Error(), c.text) {
				t.Errorf("err %q does not name the ref and %q", err, c.text)
			}
			if !strings.Contains(providers.Hint(err), c.hint) {
				t.Errorf("hint %q does not contain %q", providers.Hint(err), c.hint)
			}
			if got := s.Reads() - before; got != c.reads {
				t.Errorf("%d GETs; want %d", got, c.reads)
			}
			if d > c.within {
				t.Errorf("took %v; want under %v", d, c.within)
			}
			providertest.AssertNoValues(t, err, canary)
			t.Logf("%v (hint: %s) in %v", err, providers.Hint(err), d.Round(time.Millisecond))
		})
	}
}

// A token Key Vault rejects (wrong tenant, wrong audience) is ErrDenied after one retry of the
// challenge, not a loop.
func TestHTTPSTokenRejected(t *testing.T) {
	s := azkvtest.New(t)
	s.Put("test-kv", "x", "v")
	s.SetBadToken(true)
	_, err := fetch(t, newProvider(t, s, &azkvtest.Cred{}, ""), 10*time.Second, "azkv://test-kv/x")
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("err = %v; want ErrDenied with HTTP 401", err)
	}
	if c := s.Challenges()["test-kv"]; c != 1 {
		t.Errorf("%d challenges; want 1", c)
	}
	t.Logf("%v (hint: %s)", err, providers.Hint(err))
}

// Retries of 503 and 429 stop at the caller's deadline, not after the SDK's own schedule.
func TestHTTPSRetriesStopAtDeadline(t *testing.T) {
	for _, status := range []int{503, 429} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s := azkvtest.New(t)
			name := fmt.Sprintf("busy%d", status)
			s.Put("test-kv", name, "v")
			s.SetFault(name, func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "1")
				azkvtest.ErrorBody(w, status, "Busy", "try later", "")
			})
			const deadline = 1500 * time.Millisecond
			start := time.Now()
			_, err := fetch(t, newProvider(t, s, &azkvtest.Cred{}, ""), deadline, "azkv://test-kv/"+name)
			d := time.Since(start)
			if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "timed out") ||
				!strings.Contains(err.Error(), fmt.Sprintf("last: HTTP %d", status)) {
				t.Fatalf("err = %v; want ErrUnavailable, timed out, last HTTP %d", err, status)
			}
			if d > deadline+500*time.Millisecond {
				t.Errorf("took %v; deadline was %v", d, deadline)
			}
			if n := s.Reads(); n < 1 || n > 2 {
				t.Errorf("%d GETs in %v with Retry-After 1s; want 2 (1 on a slow machine)", n, deadline)
			}
			t.Logf("%v in %v", err, d.Round(time.Millisecond))
		})
	}
}

// A vault host that does not exist (DNS "not found") and an untrusted certificate are not retried.
func TestHTTPSNotRetried(t *testing.T) {
	s := azkvtest.New(t)
	s.Put("test-kv", "x", "v")
	var dials atomic.Int64
	dnsClient := &http.Client{Transport: &http.Transport{
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
			dials.Add(1)
			host, _, _ := net.SplitHostPort(addr)
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
		},
	}}
	p, err := New(Settings{}, WithHTTPClient(dnsClient), WithCredential(&azkvtest.Cred{}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = fetch(t, p, 10*time.Second, "azkv://no-such-kv/x")
	if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "not found (DNS)") ||
		!strings.Contains(providers.Hint(err), "check the vault name") || dials.Load() != 1 {
		t.Errorf("err = %v (hint %q) after %d dials; want ErrUnavailable naming DNS, one dial", err, providers.Hint(err), dials.Load())
	}

	// A client that does not trust the test CA.
	untrusting := s.Client(s.Addr())
	untrusting.Transport.(*http.Transport).TLSClientConfig.RootCAs = x509.NewCertPool()
	p, err = New(Settings{}, WithHTTPClient(untrusting), WithCredential(&azkvtest.Cred{}))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = fetch(t, p, 10*time.Second, "azkv://test-kv/x")
	if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "TLS certificate not trusted") || time.Since(start) > 3*time.Second {
		t.Errorf("err = %v after %v; want an immediate ErrUnavailable naming TLS", err, time.Since(start))
	}
	if s.Challenges()["test-kv"] != 0 {
		t.Error("a request got through an untrusted TLS connection")
	}
}

// In Azure China the vault host, the challenge's resource and the token scope all follow the cloud.
func TestHTTPSSovereignCloud(t *testing.T) {
	s := azkvtest.New(t)
	value := providertest.Canary(t, "cn")
	ver := s.Put("cn-kv", "db", value)
	cred := &azkvtest.Cred{}
	p, err := New(Settings{Cloud: "china", Vault: "cn-kv"}, WithHTTPClient(s.Client(s.Addr())), WithCredential(cred))
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := fetch(t, p, 10*time.Second, "azkv://db", "azkv://cn-kv.vault.azure.cn/db")
	if err != nil {
		t.Fatal(err)
	}
	if secrets[0].Reveal() != value || secrets[0].Version != ver || s.Reads() != 1 {
		t.Errorf("wrong value/version or %d reads", s.Reads())
	}
	if !reflect.DeepEqual(cred.Scopes(), [][]string{{"https://vault.azure.cn/.default"}}) {
		t.Errorf("token scopes %v; want the China resource", cred.Scopes())
	}
}
