package gcpsm

import (
	"context"
	"fmt"
	"maps"
	"net"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/secretrun/secretrun/providers"
)

// countingProxy is a gRPC server in front of the emulator that forwards the Secret Manager read
// methods and counts the calls that reach the emulator, by method. Any other method is
// answered Unimplemented, so a provider calling one fails the test visibly.
type countingProxy struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	up secretmanagerpb.SecretManagerServiceClient

	mu    sync.Mutex
	calls map[string]int
}

func startCountingProxy(t *testing.T, upstream string) (*countingProxy, string) {
	t.Helper()
	conn, err := grpc.NewClient(upstream, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &countingProxy{up: secretmanagerpb.NewSecretManagerServiceClient(conn), calls: map[string]int{}}
	srv := grpc.NewServer()
	secretmanagerpb.RegisterSecretManagerServiceServer(srv, c)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return c, lis.Addr().String()
}

func (c *countingProxy) count(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[method]++
}

func (c *countingProxy) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

func (c *countingProxy) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[string]int{}
}

func (c *countingProxy) AccessSecretVersion(ctx context.Context, in *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	c.count("AccessSecretVersion")
	return c.up.AccessSecretVersion(ctx, in)
}

func (c *countingProxy) GetSecretVersion(ctx context.Context, in *secretmanagerpb.GetSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	c.count("GetSecretVersion")
	return c.up.GetSecretVersion(ctx, in)
}

// A watch check without a Versioner is a Fetch: one AccessSecretVersion per distinct secret
// version, counted at the emulator, and a new version added to a secret shows as a different
// Secret.Version (its version number) for the refs that follow "latest", while a ref pinned to
// a version number keeps it.
func TestWatchCheckEmulator(t *testing.T) {
	e := startEmulator(t)
	proxy, addr := startCountingProxy(t, e.addr)
	p := newTestProvider(t, Settings{Project: emuProject, Endpoint: addr, Plaintext: true})

	const n = 12
	secrets := make([]string, n)
	var refs []providers.Ref
	for i := range n {
		secrets[i] = e.newSecret(t)
		e.addVersion(t, secrets[i], fmt.Appendf(nil, `{"v":"value-%d"}`, i))
		refs = append(refs, mustRef(t, "gcpsm://"+secrets[i]))
	}
	// Two keys of one secret and the same secret spelled in full: still one read.
	full := "projects/" + emuProject + "/secrets/" + secrets[0]
	refs = append(refs, mustRef(t, "gcpsm://"+secrets[0]+"#v"), mustRef(t, "gcpsm://"+full+"/versions/latest"))
	pinned := mustRef(t, "gcpsm://"+full+"/versions/1")
	refs = append(refs, pinned)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first, err := p.Fetch(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range first {
		if s.Version != "1" {
			t.Fatalf("%s: Version = %q, want 1", refs[i], s.Version)
		}
	}

	proxy.reset()
	if _, err := p.Fetch(ctx, refs); err != nil {
		t.Fatal(err)
	}
	// n secrets' "latest", and version 1 of secret 0 (a different resource name): n+1 reads.
	if got, want := proxy.snapshot(), map[string]int{"AccessSecretVersion": n + 1}; !maps.Equal(got, want) {
		t.Errorf("one check of %d refs (%d secrets) made %v, want %v", len(refs), n, got, want)
	}

	e.addVersion(t, secrets[0], []byte(`{"v":"rotated"}`))
	after, err := p.Fetch(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range after {
		want := "1"
		if r := refs[i]; r != pinned && (i == 0 || i >= n) {
			want = "2"
		}
		if s.Version != want {
			t.Errorf("%s: Version after a new version = %q, want %q", refs[i], s.Version, want)
		}
	}
	if after[n].Reveal() != "rotated" {
		t.Error("the #v key of the new version was not read")
	}
}
