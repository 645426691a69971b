package gcpsm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
)

// Endpoint mix-ups end as unavailable with a hint that names the likely mistake.
func TestTransportHints(t *testing.T) {
	_, plainAddr := startFake(t)
	serverCreds, _ := testTLS(t)
	_, tlsAddr := startFake(t, grpc.Creds(serverCreds))

	tests := []struct {
		name string
		p    func(t *testing.T) *Provider
		hint string
	}{
		{name: "TLS client, plaintext server", hint: "does not speak TLS",
			p: func(t *testing.T) *Provider {
				return newTestProvider(t, Settings{Project: "acme"}, WithClientOptions(option.WithEndpoint(plainAddr), option.WithoutAuthentication()))
			}},
		{name: "plaintext client, TLS server", hint: "may expect TLS",
			p: func(t *testing.T) *Provider {
				return newTestProvider(t, Settings{Project: "acme", Endpoint: tlsAddr, Plaintext: true})
			}},
		{name: "REST port", hint: "looks like a REST port",
			p: func(t *testing.T) *Provider {
				rest := strings.TrimPrefix(testenv.Get(t, testenv.GCPSMREST), "http://")
				return newTestProvider(t, Settings{Project: "acme", Endpoint: rest, Plaintext: true})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p(t)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			_, err := p.Fetch(ctx, []providers.Ref{mustRef(t, "gcpsm://s")})
			t.Logf("%v in %v\nhint: %s", err, time.Since(start).Round(time.Millisecond), providers.Hint(err))
			if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(providers.Hint(err), tt.hint) {
				t.Fatalf("want ErrUnavailable with hint %q", tt.hint)
			}
		})
	}
}

func TestUnauthenticatedOnPlaintext(t *testing.T) {
	f, addr := startFake(t)
	f.setFault(func(context.Context, string, int64) error {
		return status.Error(codes.Unauthenticated, "missing credentials")
	})
	p := newTestProvider(t, Settings{Project: "acme", Endpoint: addr, Plaintext: true})
	_, err := p.Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://s")})
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), "never sends credentials in plaintext") {
		t.Fatalf("err = %v, hint %q", err, providers.Hint(err))
	}
}

// A TLS server drops a plaintext client's connection; depending on timing the client reads EOF
// or a reset, with or without the socket operation in front. Every form gets the TLS hint.
func TestTransportHintServerPrefaceForms(t *testing.T) {
	p := &Provider{cfg: Settings{Project: "acme", Endpoint: "127.0.0.1:8443", Plaintext: true}}
	for _, cause := range []string{
		`connection error: desc = "error reading server preface: EOF"`,
		`connection error: desc = "error reading server preface: connection reset by peer"`,
		`connection error: desc = "error reading server preface: read tcp 127.0.0.1:50000->127.0.0.1:8443: read: connection reset by peer"`,
	} {
		err := p.transportHint(providers.ErrUnavailable, status.Error(codes.Unavailable, cause))
		if !strings.Contains(providers.Hint(err), "127.0.0.1:8443 may expect TLS") {
			t.Errorf("cause %q: hint %q, want the TLS hint", cause, providers.Hint(err))
		}
	}
	p.cfg.Plaintext = false
	err := p.transportHint(providers.ErrUnavailable, status.Error(codes.Unavailable, `connection error: desc = "error reading server preface: EOF"`))
	if h := providers.Hint(err); h != "" {
		t.Errorf("TLS client got hint %q; the TLS hint is only for plaintext clients", h)
	}
}
