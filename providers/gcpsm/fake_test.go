package gcpsm

import (
	"context"
	"fmt"
	"hash/crc32"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fakeServer is an in-process Secret Manager built from the generated server interface. The
// real client talks to it over gRPC on 127.0.0.1, so retries, deadlines and error mapping run
// through the SDK unchanged; faults are injected at the RPC layer.
type fakeServer struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer

	// number is the project number the server puts in returned names, as real Secret Manager
	// does whatever project ID the request used.
	number string

	mu       sync.Mutex
	secrets  map[string][][]byte // projects/P/secrets/S -> versions 1..n
	disabled map[string]bool     // projects/P/secrets/S/versions/N
	byName   map[string]int      // requests per requested name
	auth     []string            // the authorization header of each request
	fault    func(ctx context.Context, name string, call int64) error
	corrupt  bool // send a wrong CRC32C
	zeroCRC  bool // send a CRC32C of 0, as the emulator does for versions added without one

	calls atomic.Int64
}

func startFake(t *testing.T, opts ...grpc.ServerOption) (*fakeServer, string) {
	t.Helper()
	f := &fakeServer{
		number:   "123456789012",
		secrets:  map[string][][]byte{},
		disabled: map[string]bool{},
		byName:   map[string]int{},
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	secretmanagerpb.RegisterSecretManagerServiceServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return f, lis.Addr().String()
}

// put adds a version to projects/project/secrets/secret and returns its number.
func (f *fakeServer) put(project, secret string, value []byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := "projects/" + project + "/secrets/" + secret
	f.secrets[k] = append(f.secrets[k], append([]byte(nil), value...))
	return len(f.secrets[k])
}

func (f *fakeServer) disable(project, secret string, version int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.disabled[fmt.Sprintf("projects/%s/secrets/%s/versions/%d", project, secret, version)] = true
}

func (f *fakeServer) setFault(fn func(ctx context.Context, name string, call int64) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fn
}

func (f *fakeServer) requests(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byName[name]
}

func (f *fakeServer) AccessSecretVersion(ctx context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	n := f.calls.Add(1)
	f.mu.Lock()
	f.byName[req.GetName()]++
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		f.auth = append(f.auth, strings.Join(md.Get("authorization"), ","))
	}
	fault := f.fault
	f.mu.Unlock()
	if fault != nil {
		if err := fault(ctx, req.GetName(), n); err != nil {
			return nil, err
		}
	}
	seg := strings.Split(req.GetName(), "/")
	if len(seg) != 6 || seg[0] != "projects" || seg[2] != "secrets" || seg[4] != "versions" {
		return nil, status.Errorf(codes.InvalidArgument, "bad name %q", req.GetName())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	versions := f.secrets[strings.Join(seg[:4], "/")]
	idx := len(versions)
	if seg[5] != "latest" {
		v, err := strconv.Atoi(seg[5])
		if err != nil {
			return nil, status.Errorf(codes.NotFound, "version alias %q not found", seg[5])
		}
		idx = v
	}
	if idx < 1 || idx > len(versions) {
		return nil, status.Errorf(codes.NotFound, "Secret Version [%s] not found.", req.GetName())
	}
	full := fmt.Sprintf("projects/%s/secrets/%s/versions/%d", seg[1], seg[3], idx)
	if f.disabled[full] {
		return nil, status.Errorf(codes.FailedPrecondition, "Secret Version [%s] is in DISABLED state.", full)
	}
	data := versions[idx-1]
	crc := int64(crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	if f.corrupt {
		crc ^= 1
	}
	if f.zeroCRC {
		crc = 0
	}
	return &secretmanagerpb.AccessSecretVersionResponse{
		Name:    fmt.Sprintf("projects/%s/secrets/%s/versions/%d", f.number, seg[3], idx),
		Payload: &secretmanagerpb.SecretPayload{Data: data, DataCrc32C: &crc},
	}, nil
}

// testClientOptions connect the real client to addr in plaintext, without credentials.
func testClientOptions(addr string) Option {
	return WithClientOptions(option.WithEndpoint(addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
}

// newTestProvider returns a provider connected to addr and closes it when the test ends.
func newTestProvider(t *testing.T, cfg Settings, opts ...Option) *Provider {
	t.Helper()
	p, err := New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}
