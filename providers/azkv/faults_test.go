package azkv

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/azkv/azkvtest"
	"github.com/secretrun/secretrun/providers/providertest"
	"github.com/secretrun/secretrun/providers/providertest/toxitest"
)

// newProxy puts a toxiproxy proxy in front of the test server and returns it with its listen
// address.
func newProxy(t *testing.T, s *azkvtest.Server) (*toxiproxy.Proxy, string) {
	t.Helper()
	proxy := toxitest.Proxy(t, "azkv", s.Addr())
	return proxy, proxy.Listen
}

// Every network fault between secretrun and Key Vault ends within the deadline (plus a small
// margin) with a value-free error naming the ref.
func TestFaults(t *testing.T) {
	const margin = 500 * time.Millisecond
	cases := []struct {
		name     string
		deadline time.Duration
		setup    func(t *testing.T, p *toxiproxy.Proxy, s *azkvtest.Server)
		want     error // nil: success
		text     string
	}{
		{"latency-below-deadline", 3 * time.Second, func(t *testing.T, p *toxiproxy.Proxy, _ *azkvtest.Server) {
			toxitest.Toxic(t, p, "latency", "downstream", toxiproxy.Attributes{"latency": 200})
		}, nil, ""},
		{"latency-above-deadline", 1 * time.Second, func(t *testing.T, p *toxiproxy.Proxy, _ *azkvtest.Server) {
			toxitest.Toxic(t, p, "latency", "downstream", toxiproxy.Attributes{"latency": 3000})
		}, providers.ErrUnavailable, "timed out"},
		{"black-hole", 1500 * time.Millisecond, func(t *testing.T, p *toxiproxy.Proxy, _ *azkvtest.Server) {
			toxitest.Toxic(t, p, "timeout", "downstream", toxiproxy.Attributes{"timeout": 0})
		}, providers.ErrUnavailable, "timed out"},
		{"reset-peer", 10 * time.Second, func(t *testing.T, p *toxiproxy.Proxy, _ *azkvtest.Server) {
			toxitest.Toxic(t, p, "reset_peer", "upstream", toxiproxy.Attributes{"timeout": 0})
		}, providers.ErrUnavailable, "4 attempts"},
		{"reset-peer-short-deadline", 1 * time.Second, func(t *testing.T, p *toxiproxy.Proxy, _ *azkvtest.Server) {
			toxitest.Toxic(t, p, "reset_peer", "upstream", toxiproxy.Attributes{"timeout": 0})
		}, providers.ErrUnavailable, "timed out"},
		{"refused", 10 * time.Second, func(t *testing.T, p *toxiproxy.Proxy, _ *azkvtest.Server) {
			if err := p.Disable(); err != nil {
				t.Fatal(err)
			}
		}, providers.ErrUnavailable, "connection refused (4 attempts)"},
		{"truncated-body", 10 * time.Second, func(t *testing.T, p *toxiproxy.Proxy, _ *azkvtest.Server) {
			// Handshake, challenge and headers fit in 16 KiB; the 64 KiB value does not.
			toxitest.Toxic(t, p, "limit_data", "downstream", toxiproxy.Attributes{"bytes": 16 << 10})
		}, providers.ErrUnavailable, "connection closed before the whole answer arrived"},
		{"503-until-deadline", 2 * time.Second, func(t *testing.T, _ *toxiproxy.Proxy, s *azkvtest.Server) {
			s.SetFault("big", func(w http.ResponseWriter) { azkvtest.ErrorBody(w, 503, "ServiceUnavailable", "busy", "") })
		}, providers.ErrUnavailable, "last: HTTP 503"},
		{"429-until-deadline", 2 * time.Second, func(t *testing.T, _ *toxiproxy.Proxy, s *azkvtest.Server) {
			s.SetFault("big", func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "1")
				azkvtest.ErrorBody(w, 429, "Throttled", "slow down", "")
			})
		}, providers.ErrUnavailable, "last: HTTP 429"},
		{"403", 2 * time.Second, func(t *testing.T, _ *toxiproxy.Proxy, s *azkvtest.Server) {
			s.SetFault("big", func(w http.ResponseWriter) { azkvtest.ErrorBody(w, 403, "Forbidden", "no", "ForbiddenByRbac") })
		}, providers.ErrDenied, "HTTP 403"},
		{"401", 2 * time.Second, func(t *testing.T, _ *toxiproxy.Proxy, s *azkvtest.Server) {
			s.SetBadToken(true)
		}, providers.ErrDenied, "HTTP 401"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := azkvtest.New(t)
			proxy, addr := newProxy(t, s)
			canary := providertest.Canary(t, c.name)
			inner := canary + strings.Repeat("x", 64<<10) + canary
			value := `{"k":"` + inner + `"}`
			s.Put("test-kv", "big", value)
			c.setup(t, proxy, s)
			p := newProvider(t, s, &azkvtest.Cred{}, addr)
			start := time.Now()
			secrets, err := fetch(t, p, c.deadline, "azkv://test-kv/big", "azkv://test-kv/big#k")
			d := time.Since(start)
			if d > c.deadline+margin {
				t.Errorf("took %v; deadline %v", d, c.deadline)
			}
			if c.want == nil {
				if err != nil || secrets[0].Reveal() != value || secrets[1].Reveal() != inner {
					t.Fatalf("err = %v (or wrong value); want success", err)
				}
				t.Logf("FAULT %s: ok in %v", c.name, d.Round(time.Millisecond))
				return
			}
			if !errors.Is(err, c.want) || secrets[0].Len() != 0 {
				t.Fatalf("err = %v; want %v and no value", err, c.want)
			}
			first := providertest.RefErrors(err)[0]
			if first.Ref.String() != "azkv://test-kv/big" || !strings.Contains(err.Error(), c.text) {
				t.Errorf("err %q does not name the ref and %q", err, c.text)
			}
			providertest.AssertNoValues(t, err, canary, value)
			t.Logf("FAULT %s: %v in %v (deadline %v)", c.name, first, d.Round(time.Millisecond), c.deadline)
		})
	}
}
