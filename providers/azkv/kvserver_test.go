package azkv

import (
	"testing"

	"github.com/secretrun/secretrun/providers/azkv/azkvtest"
)

// The HTTPS tests run against azkvtest's Key Vault stand-in: an HTTPS server on 127.0.0.1 with a
// certificate for *.vault.azure.net from a CA made in the test, speaking the bearer-challenge
// protocol. Clients keep the production URL https://NAME.vault.azure.net; only their dialer is
// pointed at the server, so the SDK's challenge verification runs unchanged.

// newProvider returns a provider whose clients reach addr (default: the server itself), with
// default vault test-kv.
func newProvider(t *testing.T, s *azkvtest.Server, cred *azkvtest.Cred, addr string) *Provider {
	t.Helper()
	p, err := New(Settings{Vault: "test-kv"}, WithHTTPClient(s.Client(addr)), WithCredential(cred))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
