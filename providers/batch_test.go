package providers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
)

func refs(t *testing.T, ss ...string) []providers.Ref {
	t.Helper()
	out := make([]providers.Ref, len(ss))
	for i, s := range ss {
		r, err := providers.ParseRef(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = r
	}
	return out
}

// counter is a FetchFunc over a fixed store that counts calls per source.
type counter struct {
	mu    sync.Mutex
	calls map[providers.Ref]int
	store map[string]string
}

func (c *counter) fetch(ctx context.Context, src providers.Ref) ([]byte, string, error) {
	c.mu.Lock()
	c.calls[src]++
	c.mu.Unlock()
	if src.Key != "" {
		return nil, "", errors.New("FetchFunc got a ref with a key")
	}
	v, ok := c.store[src.Path]
	if !ok {
		return nil, "", fmt.Errorf("%w: %s", providers.ErrNotFound, src.Path)
	}
	return []byte(v), "v-" + src.Path, nil
}

func TestFetchEach(t *testing.T) {
	c := &counter{calls: map[providers.Ref]int{}, store: map[string]string{
		"db":    `{"user":"u","password":"p"}`,
		"plain": "value",
	}}
	batch := refs(t, "s://db#user", "s://plain", "s://db#password", "s://missing", "s://db#nope", "s://db#user",
		"s://db", "s://db?x=1#user", "s://missing#k")
	out, err := providers.FetchEach(context.Background(), batch, 2, c.fetch, nil)
	if len(out) != len(batch) {
		t.Fatalf("%d results for %d refs", len(out), len(batch))
	}
	want := []string{"u", "value", "p", "", "", "u", `{"user":"u","password":"p"}`, "u", ""}
	for i, w := range want {
		if out[i].Reveal() != w {
			t.Errorf("%s = %q; want %q", batch[i], out[i].Reveal(), w)
		}
	}
	if out[0].Version != "v-db" || out[1].Version != "v-plain" {
		t.Errorf("versions: %q %q", out[0].Version, out[1].Version)
	}
	// One read per distinct source (path + options), whatever the keys.
	for src, n := range c.calls {
		if n != 1 {
			t.Errorf("%s read %d times", src, n)
		}
	}
	if len(c.calls) != 4 {
		t.Errorf("%d sources read; want 4 (db, plain, missing, db?x=1): %v", len(c.calls), c.calls)
	}
	// One RefError per failed ref, in order, each with the right sentinel.
	var res []*providers.RefError
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		res = append(res, e.(*providers.RefError))
	}
	wantErrs := []struct {
		ref      string
		sentinel error
	}{{"s://missing", providers.ErrNotFound}, {"s://db#nope", providers.ErrKeyNotFound}, {"s://missing#k", providers.ErrNotFound}}
	if len(res) != len(wantErrs) {
		t.Fatalf("got %d RefErrors: %v", len(res), err)
	}
	for i, w := range wantErrs {
		if res[i].Ref.String() != w.ref || !errors.Is(res[i], w.sentinel) {
			t.Errorf("error %d = %v; want %s wrapping %v", i, res[i], w.ref, w.sentinel)
		}
	}
	if strings.Contains(err.Error(), `"p"`) || strings.Contains(err.Error(), "value") {
		t.Errorf("error contains a value: %v", err)
	}
}

func TestFetchEachEmpty(t *testing.T) {
	out, err := providers.FetchEach(context.Background(), nil, 0, func(context.Context, providers.Ref) ([]byte, string, error) {
		t.Error("fetch called")
		return nil, "", nil
	}, nil)
	if err != nil || len(out) != 0 {
		t.Errorf("got %v, %v", out, err)
	}
}

// A custom key selector replaces SelectKey (dotenv's #VAR).
func TestFetchEachSelectKey(t *testing.T) {
	fetch := func(context.Context, providers.Ref) ([]byte, string, error) { return []byte("A=1\nB=2"), "", nil }
	sel := func(v []byte, key string) ([]byte, error) {
		for _, line := range strings.Split(string(v), "\n") {
			if k, val, _ := strings.Cut(line, "="); k == key {
				return []byte(val), nil
			}
		}
		return nil, fmt.Errorf("%w: %q", providers.ErrKeyNotFound, key)
	}
	out, err := providers.FetchEach(context.Background(), refs(t, "d://f#B", "d://f#A", "d://f#C"), 0, fetch, sel)
	if out[0].Reveal() != "2" || out[1].Reveal() != "1" || !errors.Is(err, providers.ErrKeyNotFound) {
		t.Errorf("got %q %q %v", out[0].Reveal(), out[1].Reveal(), err)
	}
}

// At most limit sources are read at a time; limit < 1 means 8.
func TestFetchEachBounded(t *testing.T) {
	for _, tt := range []struct{ limit, want int }{{1, 1}, {3, 3}, {0, 8}, {-1, 8}} {
		var cur, peak atomic.Int64
		fetch := func(ctx context.Context, src providers.Ref) ([]byte, string, error) {
			n := cur.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(10 * time.Millisecond)
			cur.Add(-1)
			return []byte(src.Path), "", nil
		}
		var batch []providers.Ref
		for i := 0; i < 20; i++ {
			batch = append(batch, providers.Ref{Scheme: "s", Path: fmt.Sprint(i)})
		}
		out, err := providers.FetchEach(context.Background(), batch, tt.limit, fetch, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range out {
			if s.Reveal() != fmt.Sprint(i) {
				t.Errorf("order: %d = %q", i, s.Reveal())
			}
		}
		if p := peak.Load(); p != int64(tt.want) {
			t.Errorf("limit %d: peak concurrency %d; want %d", tt.limit, p, tt.want)
		}
	}
}

// A cancelled context reads nothing and fails every ref with ErrUnavailable and the context error.
func TestFetchEachCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int64
	fetch := func(context.Context, providers.Ref) ([]byte, string, error) {
		calls.Add(1)
		return []byte("v"), "", nil
	}
	for i := 0; i < 50; i++ { // the old select picked a free slot over ctx.Done() at random
		out, err := providers.FetchEach(ctx, refs(t, "s://a", "s://b", "s://a#k"), 4, fetch, nil)
		if calls.Load() != 0 {
			t.Fatal("fetch called with a cancelled context")
		}
		if !errors.Is(err, providers.ErrUnavailable) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "\n"+"context canceled") {
			t.Errorf("error text is split over lines: %q", err)
		}
		for _, s := range out {
			if s.Len() != 0 {
				t.Fatal("value returned")
			}
		}
	}
}

// Cancelling while reads wait for a slot fails the waiting ones promptly.
func TestFetchEachCancelWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	var calls atomic.Int64
	fetch := func(ctx context.Context, src providers.Ref) ([]byte, string, error) {
		calls.Add(1)
		cancel()
		<-release
		return []byte("v"), "", nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := providers.FetchEach(ctx, refs(t, "s://a", "s://b", "s://c"), 1, fetch, nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	close(release)
	err := <-done
	if calls.Load() != 1 {
		t.Errorf("%d reads; want 1 (the others waited for a slot and saw the cancel)", calls.Load())
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 2 {
		t.Errorf("%d errors; want 2: %v", n, err)
	}
}
