package vault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
)

func TestSelectValue(t *testing.T) {
	for _, tc := range []struct {
		data, key, want string
		err             error
	}{
		{`{"password":"p","user":"u"}`, "", `{"password":"p","user":"u"}`, nil},
		{`{"password":"p","user":"u"}`, "user", "u", nil},
		{`{"port":5432}`, "port", "5432", nil},
		{`{"value":"plain"}`, "", "plain", nil},
		{`{"value":"plain"}`, "value", "plain", nil},
		{`{"value":"{\"a\":{\"b\":\"c\"}}"}`, "/a/b", "c", nil},
		{`{"value":"{\"a\":\"x\"}"}`, "a", "x", nil},
		{`{"value":"plain"}`, "other", "", providers.ErrKeyNotFound},
		{`{"value":"v","other":"o"}`, "", `{"value":"v","other":"o"}`, nil},
		{`{"value":3}`, "", `{"value":3}`, nil},
		{`{"a":"b"}`, "missing", "", providers.ErrKeyNotFound},
	} {
		got, err := selectValue([]byte(tc.data), tc.key)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("selectValue(%s, %q) err = %v; want %v", tc.data, tc.key, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("selectValue(%s, %q) = %q, %v; want %q", tc.data, tc.key, got, err, tc.want)
		}
	}
}

func TestRenewAt(t *testing.T) {
	now := time.Now()
	for i := 0; i < 100; i++ {
		at := renewAt(now.Add(30*time.Second), 30*time.Second)
		d := at.Sub(now)
		if d < 17*time.Second || d > 23*time.Second {
			t.Fatalf("renewAt for a 30s TTL = +%v; want about 2/3 (20s ± 3s)", d)
		}
	}
}

// keepAlive with a fake renewal: why it stops for non-renewable grants, the max TTL and refused
// renewals, transient failures retried, and each renewal passed on.
func TestKeepAlive(t *testing.T) {
	t.Parallel()
	p := &Provider{}
	run := func(renewable bool, ttl time.Duration, renew renewFunc) (grant, string, int, time.Duration) {
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		renewed := 0
		start := time.Now()
		g, why := p.keepAlive(ctx, providers.Ref{}, grant{renewable: renewable, ttl: ttl, expires: time.Now().Add(ttl)}, renew,
			func(grant) { renewed++ })
		return g, why, renewed, time.Since(start)
	}
	t.Run("not renewable", func(t *testing.T) {
		t.Parallel()
		_, why, _, d := run(false, 1500*time.Millisecond, nil)
		if why != "is not renewable" || d > 100*time.Millisecond {
			t.Errorf("why %q after %v; want at once", why, d)
		}
	})
	t.Run("max TTL", func(t *testing.T) {
		t.Parallel()
		calls := 0
		g, why, renewed, d := run(true, 1500*time.Millisecond, func(ctx context.Context, inc time.Duration) (time.Duration, error) {
			calls++
			if calls == 1 {
				return inc, nil
			}
			return inc / 3, nil
		})
		if calls != 2 || renewed != 2 || !strings.Contains(why, "max TTL") || g.ttl != 500*time.Millisecond || time.Until(g.expires) > 500*time.Millisecond {
			t.Errorf("%d renewals (%d passed on), why %q, last grant %v until +%v, after %v", calls, renewed, why, g.ttl, time.Until(g.expires), d)
		}
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		_, why, _, _ := run(true, 1500*time.Millisecond, func(ctx context.Context, inc time.Duration) (time.Duration, error) {
			return 0, &api.ResponseError{StatusCode: 400, Errors: []string{"lease not found"}}
		})
		if why != "could not be renewed (lease not found (HTTP 400))" {
			t.Errorf("why %q", why)
		}
	})
	t.Run("past the max TTL", func(t *testing.T) {
		t.Parallel()
		calls := 0
		_, why, _, _ := run(true, 1500*time.Millisecond, func(ctx context.Context, inc time.Duration) (time.Duration, error) {
			calls++
			return 0, &api.ResponseError{StatusCode: 500, Errors: []string{"past the max TTL, cannot renew"}}
		})
		if calls != 1 || !strings.Contains(why, "max TTL") {
			t.Errorf("%d renewals, why %q; want one (Vault's 500 here is final) and the max TTL", calls, why)
		}
	})
	t.Run("rounded grant", func(t *testing.T) {
		t.Parallel()
		// Vault rounds grants to whole seconds: a grant is counted as ending up to 500 ms
		// earlier than it says, so that the next renewal comes before a hidden max TTL.
		calls := 0
		g, why, _, _ := run(true, 2*time.Second, func(ctx context.Context, inc time.Duration) (time.Duration, error) {
			calls++
			if calls == 2 {
				return inc / 2, nil
			}
			return inc, nil
		})
		if left := time.Until(g.expires); why == "" || left > 750*time.Millisecond || left < 600*time.Millisecond {
			t.Errorf("a 1 s grant counted as ending in %v (why %q); want 750 ms minus the time since", left, why)
		}
	})
	t.Run("superseded", func(t *testing.T) {
		t.Parallel()
		_, why, _, _ := run(true, 1500*time.Millisecond, func(ctx context.Context, inc time.Duration) (time.Duration, error) {
			return 0, errSuperseded
		})
		if why != "" {
			t.Errorf("why %q; a token replaced by a newer login stops quietly", why)
		}
	})
	t.Run("transient then ok", func(t *testing.T) {
		t.Parallel()
		calls := 0
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		_, why := p.keepAlive(ctx, providers.Ref{}, grant{renewable: true, ttl: 3 * time.Second, expires: time.Now().Add(3 * time.Second)},
			func(ctx context.Context, inc time.Duration) (time.Duration, error) {
				calls++
				if calls == 1 {
					return 0, &api.ResponseError{StatusCode: 503}
				}
				if calls == 2 {
					cancel() // renewed: stop here
				}
				return inc, nil
			}, func(grant) {})
		if calls != 2 || why != "" {
			t.Errorf("%d renewals, why %q; want a retry and no reason to stop", calls, why)
		}
	})
}

func TestRefusedConnectionHintNamesTheAddress(t *testing.T) {
	// A port nobody listens on: take a free one and close it again.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close()
	p, err := New(Settings{Address: addr}, WithGetenv(func(name string) string {
		if name == "VAULT_TOKEN" {
			return "CANARY-token-not-for-errors"
		}
		return ""
	}), WithAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := providers.ParseRef("vault://secret/app#password")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = p.Fetch(ctx, []providers.Ref{ref})
	if !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if h := providers.Hint(err); !strings.Contains(h, l.Addr().String()) || !strings.Contains(h, "VAULT_ADDR") {
		t.Errorf("hint = %q, want the address and where it came from", h)
	}
	if strings.Contains(fmt.Sprintf("%v %s", err, providers.Hint(err)), "CANARY") {
		t.Errorf("the token reached the error: %v", err)
	}
}

// A bad address is named without its user information, and not at all when it does not parse:
// VAULT_ADDR set to a token by mistake must not be echoed.
func TestCheckAddressNeverEchoesCredentials(t *testing.T) {
	for addr, want := range map[string]string{
		"ftp://app:CANARY-pw@vault.example.com": "address ftp://vault.example.com: scheme must be",
		"hvs.CANARY-token:x/y":                  "address (url): scheme must be",
		"::CANARY-not-a-url":                    "address (url) is not a URL",
	} {
		err := checkAddress(addr, false)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "CANARY") {
			t.Errorf("checkAddress(%q) = %v, want %q and no credential", addr, err, want)
		}
	}
}
