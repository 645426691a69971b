package gcpsm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

func canary(t *testing.T, label string) string { return providertest.Canary(t, label) }

func mustRef(t *testing.T, s string) providers.Ref {
	t.Helper()
	r, err := providers.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func refErrors(err error) []*providers.RefError { return providertest.RefErrors(err) }

// noLeak fails the test if err's text or any of its hints contains one of the values.
func noLeak(t *testing.T, err error, values ...string) {
	t.Helper()
	providertest.AssertNoValues(t, err, values...)
}

func TestParseName(t *testing.T) {
	tests := []struct {
		ref  string
		want name
		bad  string // substring of the error, when invalid
	}{
		{ref: "gcpsm://projects/acme-prod/secrets/db/versions/3", want: name{"acme-prod", "db", "3"}},
		{ref: "gcpsm://projects/acme-prod/secrets/db", want: name{"acme-prod", "db", "latest"}},
		{ref: "gcpsm://projects/123456789012/secrets/db_pass-2", want: name{"123456789012", "db_pass-2", "latest"}},
		{ref: "gcpsm://projects/p/secrets/db/versions/latest#password", want: name{"p", "db", "latest"}},
		{ref: "gcpsm://db", want: name{"", "db", "latest"}},
		{ref: "gcpsm://db/versions/12", want: name{"", "db", "12"}},
		{ref: "gcpsm://db/versions/prod-alias", want: name{"", "db", "prod-alias"}},
		{ref: "gcpsm://projects", want: name{"", "projects", "latest"}},
		{ref: "gcpsm://db?version=3", bad: "take no ?options"},
		{ref: "gcpsm://db/versions/", bad: "empty version"},
		{ref: "gcpsm://db/versions/0", bad: "is not a version"},
		{ref: "gcpsm://db/versions/a.b", bad: "is not a version"},
		{ref: "gcpsm://projects/p/secrets/db/versions", bad: "want gcpsm://"},
		{ref: "gcpsm://projects/p/secrets/db/aliases/x", bad: "want gcpsm://"},
		{ref: "gcpsm://projects/p/locations/eu/secrets/db", bad: "regional"},
		{ref: "gcpsm://projects/Acme/secrets/db", bad: "not a project"},
		{ref: "gcpsm://projects//secrets/db", bad: "not a project"},
		{ref: "gcpsm://db.name", bad: "not a secret ID"},
		{ref: "gcpsm://a/b", bad: "want gcpsm://"},
		{ref: "gcpsm://" + strings.Repeat("x", 256), bad: "not a secret ID"},
	}
	p, err := New(Settings{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			r := mustRef(t, tt.ref)
			got, err := parseName(r)
			if verr := p.Validate(r); (verr == nil) != (err == nil) {
				t.Fatalf("Validate and parseName disagree: %v / %v", verr, err)
			}
			if tt.bad != "" {
				if err == nil || !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("err = %v, want ErrInvalidRef containing %q", err, tt.bad)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseName = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if err := p.Validate(providers.Ref{Scheme: "vault", Path: "x"}); !errors.Is(err, providers.ErrInvalidRef) {
		t.Fatalf("other scheme: %v", err)
	}
}

func TestVersionOf(t *testing.T) {
	for in, want := range map[string]string{
		"projects/123/secrets/s/versions/7":    "7",
		"projects/acme/secrets/s/versions/12":  "12",
		"projects/123/secrets/s":               "",
		"":                                     "",
		"projects/123/secrets/s/versions/":     "",
		"something/123/secrets/s/versions/7/x": "",
	} {
		if got := versionOf(in); got != want {
			t.Errorf("versionOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		cfg Settings
		bad string
	}{
		{cfg: Settings{}},
		{cfg: Settings{Project: "acme-prod"}},
		{cfg: Settings{Endpoint: "secretmanager.googleapis.com:443"}},
		{cfg: Settings{Endpoint: "127.0.0.1:9090", Plaintext: true}},
		{cfg: Settings{Endpoint: "localhost:9090", Plaintext: true}},
		{cfg: Settings{Endpoint: "[::1]:9090", Plaintext: true}},
		{cfg: Settings{Endpoint: "127.8.9.10:9090", Plaintext: true}},
		{cfg: Settings{Endpoint: "emulator:9090", Plaintext: true, AllowRemotePlaintext: true}},
		{cfg: Settings{Endpoint: "emulator:9090", Plaintext: true}, bad: "not a loopback"},
		{cfg: Settings{Endpoint: "10.0.0.5:9090", Plaintext: true}, bad: "allow_remote_plaintext"},
		{cfg: Settings{Plaintext: true}, bad: "plaintext needs endpoint"},
		{cfg: Settings{Endpoint: "http://127.0.0.1:9090"}, bad: "not host:port"},
		{cfg: Settings{Endpoint: "127.0.0.1"}, bad: "not host:port"},
		{cfg: Settings{Project: "Acme Prod"}, bad: "providers.gcp: project"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.cfg), func(t *testing.T) {
			p, err := New(tt.cfg)
			if tt.bad == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p.client != nil {
					t.Fatal("New created a client")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.bad) {
				t.Fatalf("err = %v, want %q", err, tt.bad)
			}
		})
	}
}

func TestEntry(t *testing.T) {
	e := Entry(Settings{Project: "p"})
	if e.Scheme != Scheme || !e.Remote || e.Summary == "" || e.Open == nil {
		t.Fatalf("Entry = %+v", e)
	}
	p, err := e.Open()
	if err != nil || p == nil {
		t.Fatalf("Open = %v, %v", p, err)
	}
	if p.(*Provider).client != nil {
		t.Fatal("Open created a client")
	}
	bad := Entry(Settings{Plaintext: true})
	if p, err := bad.Open(); err == nil || p != nil {
		t.Fatalf("Open with a bad config = %v, %v", p, err)
	}
}

// A provider whose refs are all invalid never creates a client, and nothing is dialled.
func TestInvalidRefsNeedNoClient(t *testing.T) {
	p := newTestProvider(t, Settings{Endpoint: "127.0.0.1:1", Plaintext: true})
	refs := []providers.Ref{mustRef(t, "gcpsm://a/b"), mustRef(t, "gcpsm://x?version=1")}
	_, err := p.Fetch(context.Background(), refs)
	res := refErrors(err)
	if len(res) != 2 || res[0].Ref != refs[0] || res[1].Ref != refs[1] || !errors.Is(err, providers.ErrInvalidRef) {
		t.Fatalf("err = %v", err)
	}
	if p.client != nil {
		t.Fatal("client created for invalid refs only")
	}
}

func TestFetchFake(t *testing.T) {
	f, addr := startFake(t)
	v1, v2 := canary(t, "v1"), canary(t, "v2")
	f.put("acme", "db", []byte(v1))
	f.put("acme", "db", []byte(v2))
	doc := fmt.Sprintf(`{"user":"app","password":%q,"nested":{"port":5432}}`, v2)
	f.put("acme", "json", []byte(doc))
	bin := []byte{0, 1, 2, 0xff, 0xfe, 'x', 0}
	f.put("other", "bin", bin)

	// The plaintext config path, exactly as a user would write it for an emulator.
	p := newTestProvider(t, Settings{Project: "acme", Endpoint: addr, Plaintext: true})
	refs := []providers.Ref{
		mustRef(t, "gcpsm://db"),
		mustRef(t, "gcpsm://db/versions/1"),
		mustRef(t, "gcpsm://projects/acme/secrets/db/versions/2"),
		mustRef(t, "gcpsm://json#password"),
		mustRef(t, "gcpsm://json#user"),
		mustRef(t, "gcpsm://json#/nested/port"),
		mustRef(t, "gcpsm://projects/other/secrets/bin"),
		mustRef(t, "gcpsm://db"),
	}
	got, err := p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ value, version string }{
		{v2, "2"}, {v1, "1"}, {v2, "2"}, {v2, "1"}, {"app", "1"}, {"5432", "1"}, {string(bin), "1"}, {v2, "2"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d secrets", len(got))
	}
	for i, w := range want {
		if got[i].Reveal() != w.value || got[i].Version != w.version {
			t.Errorf("%s: value ok=%v, version %q; want version %q", refs[i], got[i].Reveal() == w.value, got[i].Version, w.version)
		}
	}
	// One read per distinct version: latest of db and db/versions/2 are different names, so
	// both are read; json once for its three keys; gcpsm://db twice in the batch, read once.
	if n := f.requests("projects/acme/secrets/json/versions/latest"); n != 1 {
		t.Errorf("json read %d times", n)
	}
	if n := f.requests("projects/acme/secrets/db/versions/latest"); n != 1 {
		t.Errorf("db latest read %d times", n)
	}
	if n := f.calls.Load(); n != 5 {
		t.Errorf("%d AccessSecretVersion calls, want 5", n)
	}
}

func TestCheapClient(t *testing.T) {
	f, addr := startFake(t)
	f.put("acme", "cfg", []byte(`{"a":"1","b":"2","c":"3"}`))
	p := newTestProvider(t, Settings{Project: "acme"}, testClientOptions(addr))

	// 30 refs taking 3 keys from one secret, spelled two ways: one call.
	var refs []providers.Ref
	for i := 0; i < 10; i++ {
		for _, k := range []string{"a", "b", "c"} {
			s := "gcpsm://cfg#" + k
			if i%2 == 1 {
				s = "gcpsm://projects/acme/secrets/cfg/versions/latest#" + k
			}
			refs = append(refs, mustRef(t, s))
		}
	}
	got, err := p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if want := string(rune('1' + i%3)); s.Reveal() != want {
			t.Fatalf("%s = %q, want %q", refs[i], s.Reveal(), want)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d AccessSecretVersion calls for one secret, want 1", n)
	}

	// 100 distinct secrets: 100 calls, never more than MaxConcurrent at once.
	var inflight, peak atomicMax
	f.setFault(func(ctx context.Context, name string, call int64) error {
		inflight.add(1)
		peak.observe(inflight.load())
		time.Sleep(20 * time.Millisecond)
		inflight.add(-1)
		return nil
	})
	refs = refs[:0]
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("s%d", i)
		f.put("acme", name, []byte(name))
		refs = append(refs, mustRef(t, "gcpsm://"+name))
	}
	f.calls.Store(0)
	got, err = p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if s.Reveal() != fmt.Sprintf("s%d", i) {
			t.Fatalf("%s wrong value", refs[i])
		}
	}
	if n := f.calls.Load(); n != 100 {
		t.Fatalf("%d calls for 100 secrets", n)
	}
	if pk := peak.load(); pk > MaxConcurrent || pk < 2 {
		t.Fatalf("peak concurrency %d, want 2..%d", pk, MaxConcurrent)
	}
	t.Logf("peak concurrency %d (bound %d)", peak.load(), MaxConcurrent)
}

func TestProjectResolution(t *testing.T) {
	f, addr := startFake(t)
	f.put("from-env", "s", []byte("env"))
	f.put("from-config", "s", []byte("config"))
	f.put("full", "s", []byte("full"))

	t.Run("none", func(t *testing.T) {
		t.Setenv("GOOGLE_CLOUD_PROJECT", "")
		p := newTestProvider(t, Settings{}, testClientOptions(addr))
		refs := []providers.Ref{mustRef(t, "gcpsm://s"), mustRef(t, "gcpsm://projects/full/secrets/s")}
		got, err := p.Fetch(context.Background(), refs)
		res := refErrors(err)
		if len(res) != 1 || res[0].Ref != refs[0] || !errors.Is(err, providers.ErrInvalidRef) {
			t.Fatalf("err = %v", err)
		}
		if h := providers.Hint(res[0]); !strings.Contains(h, "providers.gcp.project") {
			t.Fatalf("hint = %q", h)
		}
		if got[1].Reveal() != "full" {
			t.Fatal("full name not read")
		}
	})
	t.Run("env", func(t *testing.T) {
		t.Setenv("GOOGLE_CLOUD_PROJECT", "from-env")
		p := newTestProvider(t, Settings{}, testClientOptions(addr))
		got, err := p.Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://s")})
		if err != nil || got[0].Reveal() != "env" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("config wins", func(t *testing.T) {
		t.Setenv("GOOGLE_CLOUD_PROJECT", "from-env")
		p := newTestProvider(t, Settings{Project: "from-config"}, testClientOptions(addr))
		got, err := p.Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://s"), mustRef(t, "gcpsm://projects/full/secrets/s")})
		if err != nil || got[0].Reveal() != "config" || got[1].Reveal() != "full" {
			t.Fatalf("%v", err)
		}
	})
}

// TestFaults injects one fault per case at the RPC layer and checks the sentinel, the hint, the
// time taken and that no value leaks.
func TestFaults(t *testing.T) {
	type tc struct {
		name     string
		fault    func(ctx context.Context, name string, call int64) error
		setup    func(f *fakeServer)
		ref      string
		deadline time.Duration
		want     error
		text     string // substring of the error
		hint     string // substring of the hint
		maxTime  time.Duration
		calls    int64 // exact AccessSecretVersion calls, when > 0
	}
	always := func(c codes.Code, msg string) func(context.Context, string, int64) error {
		return func(context.Context, string, int64) error { return status.Error(c, msg) }
	}
	tests := []tc{
		{name: "not found", ref: "gcpsm://absent", want: providers.ErrNotFound, text: "does not exist", calls: 1},
		{name: "missing version", ref: "gcpsm://s/versions/9", want: providers.ErrNotFound, text: "NotFound", calls: 1},
		{name: "permission denied", fault: always(codes.PermissionDenied, "Permission 'secretmanager.versions.access' denied"),
			ref: "gcpsm://s", want: providers.ErrDenied, text: "permission denied", hint: "roles/secretmanager.secretAccessor on projects/acme/secrets/s", calls: 1},
		{name: "unauthenticated", fault: always(codes.Unauthenticated, "Request had invalid authentication credentials."),
			ref: "gcpsm://s", want: providers.ErrDenied, text: "credentials were rejected", hint: "gcloud auth application-default login", calls: 1},
		{name: "disabled version", setup: func(f *fakeServer) { f.disable("acme", "s", 1) },
			ref: "gcpsm://s/versions/1", want: providers.ErrNotFound, text: "disabled or destroyed", hint: "versions enable", calls: 1},
		{name: "invalid argument", fault: always(codes.InvalidArgument, "bad name"),
			ref: "gcpsm://s", want: providers.ErrInvalidRef, text: "rejected the name", calls: 1},
		{name: "bad crc32c", setup: func(f *fakeServer) { f.corrupt = true },
			ref: "gcpsm://s", want: providers.ErrUnavailable, text: "payload corrupted in transit", calls: 1},
		{name: "zero crc32c", setup: func(f *fakeServer) { f.zeroCRC = true },
			ref: "gcpsm://s", want: providers.ErrUnavailable, text: "payload corrupted in transit", calls: 1},
		{name: "internal", fault: always(codes.Internal, "boom"), ref: "gcpsm://s", want: providers.ErrUnavailable, text: "Internal: boom", calls: 1},
		// Retried codes: the capped policy gives up after maxAttempts, well before the deadline.
		{name: "unavailable capped", fault: always(codes.Unavailable, "try again"), ref: "gcpsm://s",
			deadline: 20 * time.Second, want: providers.ErrUnavailable, text: "after 5 attempts", maxTime: 6 * time.Second, calls: maxAttempts},
		{name: "resource exhausted", fault: always(codes.ResourceExhausted, "quota"), ref: "gcpsm://s",
			deadline: 20 * time.Second, want: providers.ErrUnavailable, text: "ResourceExhausted: quota", maxTime: 6 * time.Second, calls: maxAttempts},
		{name: "slow handler", fault: func(ctx context.Context, _ string, _ int64) error {
			select { // answers only well after the caller's deadline
			case <-ctx.Done():
				time.Sleep(300 * time.Millisecond)
			case <-time.After(10 * time.Second):
			}
			return nil
		}, ref: "gcpsm://s", deadline: 500 * time.Millisecond, want: context.DeadlineExceeded, text: "no answer within the deadline", maxTime: 800 * time.Millisecond, calls: 1},
		{name: "unavailable then ok", fault: func(_ context.Context, _ string, call int64) error {
			if call < 3 {
				return status.Error(codes.Unavailable, "blip")
			}
			return nil
		}, ref: "gcpsm://s", want: nil, calls: 3, maxTime: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, addr := startFake(t)
			value := canary(t, "fault")
			f.put("acme", "s", []byte(value))
			if tt.setup != nil {
				tt.setup(f)
			}
			f.setFault(tt.fault)
			p := newTestProvider(t, Settings{Project: "acme"}, testClientOptions(addr))
			deadline := tt.deadline
			if deadline == 0 {
				deadline = 10 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			ref := mustRef(t, tt.ref)
			start := time.Now()
			got, err := p.Fetch(ctx, []providers.Ref{ref})
			elapsed := time.Since(start)
			t.Logf("%s: %v (hint: %q) in %v after %d calls", tt.name, err, providers.Hint(err), elapsed.Round(time.Millisecond), f.calls.Load())
			if tt.want == nil {
				if err != nil || got[0].Reveal() != value {
					t.Fatalf("err = %v", err)
				}
			} else {
				res := refErrors(err)
				if len(res) != 1 || res[0].Ref != ref || !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want one RefError for %s wrapping %v", err, ref, tt.want)
				}
				if got[0].Len() != 0 {
					t.Fatal("a failed ref has a value")
				}
				if !strings.Contains(err.Error(), tt.text) || !strings.HasPrefix(err.Error(), ref.String()+": ") {
					t.Fatalf("err = %q, want it to name the ref and contain %q", err, tt.text)
				}
				if h := providers.Hint(err); !strings.Contains(h, tt.hint) {
					t.Fatalf("hint = %q, want %q", h, tt.hint)
				}
			}
			noLeak(t, err, value)
			if tt.maxTime > 0 && elapsed > tt.maxTime {
				t.Fatalf("took %v, want at most %v", elapsed, tt.maxTime)
			}
			if tt.calls > 0 && f.calls.Load() != tt.calls {
				t.Fatalf("%d calls, want %d", f.calls.Load(), tt.calls)
			}
		})
	}
}

// The client's own retries of UNAVAILABLE stop at the deadline, and none runs after Fetch
// returned.
func TestRetriesStopAtDeadline(t *testing.T) {
	f, addr := startFake(t)
	f.put("acme", "s", []byte(canary(t, "r")))
	f.setFault(func(context.Context, string, int64) error { return status.Error(codes.Unavailable, "down") })
	p := newTestProvider(t, Settings{Project: "acme"}, testClientOptions(addr))
	p.attempts, p.extra = 1000, 1000 // no cap, no budget: only the deadline stops the retries
	p.backoff.Initial, p.backoff.Max = 40*time.Millisecond, 80*time.Millisecond

	const deadline = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	_, err := p.Fetch(ctx, []providers.Ref{mustRef(t, "gcpsm://s")})
	elapsed := time.Since(start)
	calls := f.calls.Load()
	t.Logf("%v in %v after %d calls", err, elapsed.Round(time.Millisecond), calls)
	if !errors.Is(err, providers.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "last error: Unavailable: down") {
		t.Fatalf("err = %v, want the last RPC error", err)
	}
	if elapsed < deadline-50*time.Millisecond || elapsed > deadline+500*time.Millisecond {
		t.Fatalf("took %v, want about %v", elapsed, deadline)
	}
	if calls < 5 {
		t.Fatalf("only %d calls: the client did not retry", calls)
	}
	time.Sleep(300 * time.Millisecond)
	if later := f.calls.Load(); later != calls {
		t.Fatalf("%d calls after Fetch returned", later-calls)
	}
}

func TestCancelled(t *testing.T) {
	f, addr := startFake(t)
	f.put("acme", "s", []byte("x"))
	p := newTestProvider(t, Settings{Project: "acme"}, testClientOptions(addr))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	got, err := p.Fetch(ctx, []providers.Ref{mustRef(t, "gcpsm://s"), mustRef(t, "gcpsm://s#k")})
	if len(refErrors(err)) != 2 || !errors.Is(err, providers.ErrUnavailable) || got[0].Len() != 0 {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("slow")
	}
}

func TestKeyErrors(t *testing.T) {
	f, addr := startFake(t)
	value := canary(t, "doc")
	f.put("acme", "doc", []byte(`{"password":"`+value+`"}`))
	f.put("acme", "plain", []byte(value))
	p := newTestProvider(t, Settings{Project: "acme"}, testClientOptions(addr))
	refs := []providers.Ref{mustRef(t, "gcpsm://doc#nope"), mustRef(t, "gcpsm://plain#password"), mustRef(t, "gcpsm://doc#password")}
	got, err := p.Fetch(context.Background(), refs)
	res := refErrors(err)
	if len(res) != 2 || !errors.Is(err, providers.ErrKeyNotFound) || got[2].Reveal() != value {
		t.Fatalf("err = %v", err)
	}
	noLeak(t, err, value)
	if f.calls.Load() != 2 {
		t.Fatalf("%d calls", f.calls.Load())
	}
}

func TestCloseThenFetch(t *testing.T) {
	_, addr := startFake(t)
	p := newTestProvider(t, Settings{Project: "acme"}, testClientOptions(addr))
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://s")}); !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

// The providers.gcp section as the CLI reads it: the emulator settings decode, and the checks
// run when the file is parsed.
func TestConfigFile(t *testing.T) {
	good := "version: 1\nproviders:\n  gcp:\n    project: demo\n    endpoint: 127.0.0.1:9090\n    plaintext: true\n"
	schema := config.Schema{Sections: map[string]func(config.Section) error{"gcp": func(s config.Section) error {
		var g Settings
		return s.Decode(&g)
	}}}
	c, err := schema.Parse("secretrun.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	var g Settings
	if err := c.Providers.Section("gcp").Decode(&g); err != nil {
		t.Fatal(err)
	}
	if want := (Settings{Project: "demo", Endpoint: "127.0.0.1:9090", Plaintext: true}); g != want {
		t.Fatalf("GCP = %+v", g)
	}
	if _, err := New(g); err != nil {
		t.Fatal(err)
	}
	bad := "version: 1\nproviders:\n  gcp:\n    endpoint: emulator:9090\n    plaintext: true\n"
	_, err = schema.Parse("secretrun.yaml", []byte(bad))
	if err == nil || !strings.HasPrefix(err.Error(), "secretrun.yaml:") || !strings.Contains(err.Error(), "providers.gcp: plaintext: refusing") {
		t.Fatalf("err = %v", err)
	}
}

// On a plaintext (emulator) endpoint a checksum of 0 means "none stored"; a wrong non-zero
// checksum is still refused.
func TestEmulatorZeroCRC(t *testing.T) {
	f, addr := startFake(t)
	value := canary(t, "z")
	f.put("acme", "s", []byte(value))
	f.mu.Lock()
	f.zeroCRC = true
	f.mu.Unlock()
	p := newTestProvider(t, Settings{Project: "acme", Endpoint: addr, Plaintext: true})
	got, err := p.Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://s")})
	if err != nil || got[0].Reveal() != value {
		t.Fatalf("zero checksum on plaintext endpoint: %v", err)
	}
	f.mu.Lock()
	f.zeroCRC, f.corrupt = false, true
	f.mu.Unlock()
	_, err = p.Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://s")})
	if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "CRC32C mismatch") {
		t.Fatalf("err = %v", err)
	}
	noLeak(t, err, value)
}

// TestConformance runs the shared suite against the in-process server, counting its reads.
func TestConformance(t *testing.T) {
	f, addr := startFake(t)
	var n atomic.Int64
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider {
			return newTestProvider(t, Settings{Project: "acme"}, testClientOptions(addr))
		},
		Put: func(t *testing.T, value []byte) providers.Ref {
			s := fmt.Sprintf("s%d", n.Add(1))
			f.put("acme", s, value)
			return providers.Ref{Scheme: Scheme, Path: s}
		},
		Missing: func(t *testing.T) providers.Ref { return providers.Ref{Scheme: Scheme, Path: "missing"} },
		Binary:  true,
		Reads:   func(t *testing.T) int { return int(f.calls.Load()) },
		Timeout: 10 * time.Second,
	})
}

// An outage costs about two calls per secret, not maxAttempts: retries share a budget.
func TestRetryBudget(t *testing.T) {
	f, addr := startFake(t)
	f.setFault(func(context.Context, string, int64) error { return status.Error(codes.Unavailable, "down") })
	p := newTestProvider(t, Settings{Project: "acme"}, testClientOptions(addr))
	var refs []providers.Ref
	for i := 0; i < 20; i++ {
		f.put("acme", fmt.Sprintf("s%d", i), []byte("x"))
		refs = append(refs, mustRef(t, fmt.Sprintf("gcpsm://s%d#k", i)), mustRef(t, fmt.Sprintf("gcpsm://s%d", i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err := p.Fetch(ctx, refs)
	elapsed := time.Since(start)
	calls := f.calls.Load()
	t.Logf("%d refs on 20 secrets: %d calls in %v", len(refs), calls, elapsed.Round(time.Millisecond))
	if res := refErrors(err); len(res) != 40 || !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("%d RefErrors: %v", len(res), err)
	}
	if max := int64(20 + 20 + retryBudgetExtra); calls > max || calls < 20 {
		t.Fatalf("%d calls, want 20..%d", calls, max)
	}
	if elapsed > 6*time.Second {
		t.Fatalf("took %v", elapsed)
	}
}
