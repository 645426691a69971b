package inject

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// memProvider is an in-memory store for resolver tests. It records each batch it is given.
type memProvider struct {
	values  map[string]string // source ref string -> value
	delay   time.Duration
	invalid string // a path Validate rejects
	panics  bool

	mu      sync.Mutex
	batches [][]providers.Ref
}

func (m *memProvider) Validate(ref providers.Ref) error {
	if ref.Path == m.invalid {
		return fmt.Errorf("%w: path %q is reserved", providers.ErrInvalidRef, ref.Path)
	}
	return nil
}

func (m *memProvider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	m.mu.Lock()
	m.batches = append(m.batches, refs)
	m.mu.Unlock()
	if m.panics {
		panic("CANARY-panic-value")
	}
	select {
	case <-time.After(m.delay):
	case <-ctx.Done():
		var errs []error
		for _, r := range refs {
			errs = append(errs, &providers.RefError{Ref: r, Err: fmt.Errorf("%w: %v", providers.ErrUnavailable, ctx.Err())})
		}
		return make([]providers.Secret, len(refs)), errors.Join(errs...)
	}
	return providers.FetchEach(ctx, refs, 4, func(_ context.Context, src providers.Ref) ([]byte, string, error) {
		v, ok := m.values[src.String()]
		if !ok {
			return nil, "", providers.ErrNotFound
		}
		return []byte(v), "7", nil
	}, nil)
}

func newResolver(mem *memProvider, timeout time.Duration) *Resolver {
	reg := providers.NewRegistry(providers.Entry{
		Scheme: "mem",
		Open:   func() (providers.Provider, error) { return mem, nil },
	})
	return &Resolver{Registry: reg, Timeout: timeout}
}

func TestResolveValuesInOrderWithOneBatchPerProvider(t *testing.T) {
	mem := &memProvider{values: map[string]string{
		"mem://app/db":  `{"user":"app","password":"CANARY-db-pass"}`,
		"mem://app/api": "CANARY-api-key",
	}}
	r := newResolver(mem, time.Second)
	results, err := r.Resolve(context.Background(), []Request{
		{Name: "DB_USER", Ref: "mem://app/db#user"},
		{Name: "DB_PASS", Ref: "mem://app/db#password"},
		{Name: "API_KEY", Ref: "mem://app/api"},
		{Name: "API_KEY_AGAIN", Ref: "mem://app/api"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"app", "CANARY-db-pass", "CANARY-api-key", "CANARY-api-key"}
	for i, w := range want {
		if got := results[i].Secret.Reveal(); got != w {
			t.Errorf("%s = %q, want %q", results[i].Name, got, w)
		}
		if results[i].Secret.Version != "7" {
			t.Errorf("%s version = %q, want 7", results[i].Name, results[i].Secret.Version)
		}
	}
	if len(mem.batches) != 1 || len(mem.batches[0]) != 3 {
		t.Errorf("batches = %v, want one batch of the 3 distinct refs", mem.batches)
	}
}

func TestResolveReportsEveryInvalidRefBeforeFetching(t *testing.T) {
	mem := &memProvider{invalid: "reserved"}
	r := newResolver(mem, time.Second)
	_, err := r.Resolve(context.Background(), []Request{
		{Name: "A", Ref: "CANARY-pasted-secret", Origin: "secretrun.yaml:3"},
		{Name: "B", Ref: "nosuch://x"},
		{Name: "C", Ref: "mem://reserved"},
		{Name: "D", Ref: "mem://fine"},
		{Name: "E", Ref: "postgres://app:CANARY-password@db/app"},
		{Name: "F", Ref: "https://hooks.example.com/services/CANARY-webhook-token?x=CANARY-q"},
		{Name: "G", Ref: "mem://app:CANARY-pw@host/x"},
	})
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if strings.Contains(msg, "CANARY") {
		t.Errorf("a string that is not a reference, or more of an unknown scheme's URL than its host, was echoed (it may be a secret):\n%s", msg)
	}
	for _, want := range []string{"A (secretrun.yaml:3): (not a reference): invalid reference", "B: nosuch://x: unknown scheme", "C: mem://reserved: invalid reference", "E: postgres://…: unknown scheme", "F: https://hooks.example.com/…: unknown scheme",
		"G: mem://***@host/x: invalid reference: the reference holds user information (user:password@, not shown)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "D:") {
		t.Errorf("the valid ref D should not be reported:\n%s", msg)
	}
	if len(mem.batches) != 0 {
		t.Errorf("fetched %v despite invalid refs", mem.batches)
	}
	if providers.Hint(err) == "" || !strings.Contains(providers.Hint(err), "mem") {
		t.Errorf("hint for the unknown scheme = %q, want the known schemes", providers.Hint(err))
	}
}

func TestResolveCollectsEveryFetchFailure(t *testing.T) {
	mem := &memProvider{values: map[string]string{"mem://ok": `{"a":"CANARY-a-value"}`}}
	r := newResolver(mem, time.Second)
	results, err := r.Resolve(context.Background(), []Request{
		{Name: "GONE", Ref: "mem://gone"},
		{Name: "NOKEY", Ref: "mem://ok#b"},
		{Name: "MAYBE", Ref: "mem://maybe", Optional: true},
		{Name: "OK", Ref: "mem://ok#a"},
	})
	if !errors.Is(err, providers.ErrNotFound) || !errors.Is(err, providers.ErrKeyNotFound) {
		t.Fatalf("err = %v, want not found and key not found", err)
	}
	for _, want := range []string{"GONE: mem://gone: not found", "NOKEY: mem://ok#b: key not found"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "MAYBE") {
		t.Errorf("an optional missing secret is not a failure:\n%v", err)
	}
	if !results[2].Skipped {
		t.Errorf("optional missing secret not marked skipped: %+v", results[2])
	}
	if got := results[3].Secret.Reveal(); got != "CANARY-a-value" {
		t.Errorf("OK = %q", got)
	}
	if strings.Contains(err.Error(), "CANARY") {
		t.Errorf("error text holds a value: %v", err)
	}
}

func TestResolveTimeoutBoundsTheFetch(t *testing.T) {
	mem := &memProvider{delay: time.Minute, values: map[string]string{"mem://slow": "x"}}
	r := newResolver(mem, 50*time.Millisecond)
	start := time.Now()
	_, err := r.Resolve(context.Background(), []Request{{Name: "SLOW", Ref: "mem://slow"}})
	if !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Resolve took %v despite a 50ms timeout", elapsed)
	}
}

func TestResolveSurvivesAProviderPanicWithoutShowingIt(t *testing.T) {
	mem := &memProvider{panics: true}
	r := newResolver(mem, time.Second)
	_, err := r.Resolve(context.Background(), []Request{{Name: "P", Ref: "mem://x"}})
	if err == nil || strings.Contains(err.Error(), "CANARY") {
		t.Fatalf("err = %v, want a failure that does not show the panic value", err)
	}
}

// DisplayRef never shows credentials pasted where a reference belongs, wherever they sit.
func TestDisplayRef(t *testing.T) {
	reg := providers.NewRegistry(providers.Entry{Scheme: "mem", Open: func() (providers.Provider, error) { return &memProvider{}, nil }})
	for _, tt := range []struct{ in, want string }{
		// references of a registered scheme: canonical, minus anything in user-information position
		{"mem://secret/app#pw", "mem://secret/app#pw"},
		{"mem://secret/app?b=1&a=2", "mem://secret/app?a=2&b=1"},
		{"mem://u:CANARY-pw@host/secret/app#k", "mem://***@host/secret/app#k"},
		{"mem://CANARY-token@host", "mem://***@host"},
		{"mem://u:CANARY@pw@host/x", "mem://***@host/x"},
		{"mem://secret/users/bob@example.com", "mem://secret/users/bob@example.com"}, // '@' past the first segment
		// unknown schemes: scheme and host, or the scheme alone when an '@' may hide user information
		{"postgres://db.internal/app", "postgres://db.internal/…"},
		{"postgres://db.internal", "postgres://db.internal"},
		{"postgres://app:CANARY-pw@db/app", "postgres://…"},
		{"postgres://app:CANARY/pw@db/app", "postgres://…"},
		{"postgres://app:CANARY?pw@db/app", "postgres://…"},
		{"postgres://app:CANARY#pw@db/app", "postgres://…"},
		{"redis://:CANARY-pw@cache:6379/0", "redis://…"},
		{"amqp://CANARY-token@mq", "amqp://…"},
		{"https://hooks.example.com/services/CANARY", "https://hooks.example.com/…"},
		{"https://api.example.com?token=CANARY", "https://api.example.com/…"},
		{"CANARY-just-a-value", "(not a reference)"},
	} {
		got := DisplayRef(tt.in, reg)
		if got != tt.want {
			t.Errorf("DisplayRef(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "CANARY") {
			t.Errorf("DisplayRef(%q) = %q shows a credential", tt.in, got)
		}
	}
}
