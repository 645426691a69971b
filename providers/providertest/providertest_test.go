package providertest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// memStore is an in-memory store read through providers.FetchEach: the smallest provider that
// passes the suite, and an example of a harness.
type memStore struct {
	mu    sync.Mutex
	data  map[string][]byte
	n     int
	reads atomic.Int64
}

func (m *memStore) put(value []byte) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	name := fmt.Sprintf("secret-%d", m.n)
	m.data[name] = append([]byte(nil), value...)
	return name
}

func (m *memStore) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	return providers.FetchEach(ctx, refs, 4, func(ctx context.Context, src providers.Ref) ([]byte, string, error) {
		m.reads.Add(1)
		m.mu.Lock()
		defer m.mu.Unlock()
		v, ok := m.data[src.Path]
		if !ok {
			return nil, "", providers.ErrNotFound
		}
		return v, "1", nil
	}, nil)
}

func TestMemStore(t *testing.T) {
	m := &memStore{data: map[string][]byte{}}
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return m },
		Put: func(t *testing.T, value []byte) providers.Ref {
			return providers.Ref{Scheme: "mem", Path: m.put(value)}
		},
		Missing: func(t *testing.T) providers.Ref { return providers.Ref{Scheme: "mem", Path: "absent"} },
		Binary:  true,
		Reads:   func(t *testing.T) int { return int(m.reads.Load()) },
	})
}

func TestCanaryUnique(t *testing.T) {
	a, b := providertest.Canary(t, "x"), providertest.Canary(t, "x")
	if a == b || len(a) < len("CANARY-x-")+16 {
		t.Fatalf("Canary: %q, %q", a, b)
	}
}

func TestRefErrors(t *testing.T) {
	r1 := &providers.RefError{Ref: providers.Ref{Scheme: "a", Path: "1"}, Err: providers.ErrNotFound}
	r2 := &providers.RefError{Ref: providers.Ref{Scheme: "a", Path: "2"}, Err: providers.ErrDenied}
	err := fmt.Errorf("fetch: %w", errorsJoin(r1, fmt.Errorf("wrapped: %w", r2)))
	got := providertest.RefErrors(err)
	if len(got) != 2 || got[0] != r1 || got[1] != r2 {
		t.Fatalf("RefErrors = %v", got)
	}
	if providertest.RefErrors(nil) != nil {
		t.Fatal("RefErrors(nil) not nil")
	}
}

// AssertNoValues looks at the hint of every failed ref, not only the first hint of the batch.
func TestAssertNoValuesEveryHint(t *testing.T) {
	value := providertest.Canary(t, "hinted")
	r1 := &providers.RefError{Ref: providers.Ref{Scheme: "a", Path: "1"}, Err: providers.WithHint(providers.ErrNotFound, "harmless")}
	r2 := &providers.RefError{Ref: providers.Ref{Scheme: "a", Path: "2"}, Err: providers.WithHint(providers.ErrDenied, "was %s", value)}
	rec := &failRecorder{TB: t}
	providertest.AssertNoValues(rec, errors.Join(r1, r2), value)
	if !rec.failed {
		t.Fatal("AssertNoValues missed a value in the second ref's hint")
	}
}

// failRecorder is a testing.TB whose Errorf records the failure instead of failing the test.
type failRecorder struct {
	testing.TB
	failed bool
}

func (r *failRecorder) Helper()                        {}
func (r *failRecorder) Errorf(format string, a ...any) { r.failed = true }

func errorsJoin(errs ...error) error { return joined(errs) }

type joined []error

func (j joined) Error() string   { return "joined" }
func (j joined) Unwrap() []error { return j }
