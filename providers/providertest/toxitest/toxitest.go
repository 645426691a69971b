// Package toxitest puts toxiproxy proxies in front of the test servers of the providers' fault
// tests. It is for tests only, like package providertest; it reaches toxiproxy at the address
// the test command exports (internal/testenv).
package toxitest

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"

	"github.com/secretrun/secretrun/internal/testenv"
)

// Proxy creates a proxy named prefix plus a random suffix, listening on 127.0.0.1:0 in front of
// upstream (host:port), and deletes it when the test ends. Its Listen field holds the address it
// actually listens on. Without toxiproxy the test is skipped (or fails, under the test command).
func Proxy(t testing.TB, prefix, upstream string) *toxiproxy.Proxy {
	t.Helper()
	api := testenv.Get(t, testenv.Toxiproxy)
	var b [6]byte
	_, _ = rand.Read(b[:])
	px, err := toxiproxy.NewClient(api).CreateProxy(prefix+"-"+hex.EncodeToString(b[:]), "127.0.0.1:0", upstream)
	if err != nil {
		t.Fatalf("toxiproxy: create a proxy in front of %s: %v", upstream, err)
	}
	t.Cleanup(func() { _ = px.Delete() })
	if px.Listen == "" || strings.HasSuffix(px.Listen, ":0") {
		t.Fatalf("toxiproxy: proxy listen address %q was not read back", px.Listen)
	}
	return px
}

// Toxic adds a toxic of type typ on stream ("upstream" or "downstream") to every connection of px.
func Toxic(t testing.TB, px *toxiproxy.Proxy, typ, stream string, attrs toxiproxy.Attributes) {
	t.Helper()
	if _, err := px.AddToxic("", typ, stream, 1, attrs); err != nil {
		t.Fatalf("toxiproxy: add a %s toxic: %v", typ, err)
	}
}
