package providers

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSource is what a test store keeps per source.
type fakeSource struct {
	src   Ref
	value string
	err   error
}

func TestFetchSources(t *testing.T) {
	mustRef := func(s string) Ref {
		t.Helper()
		r, err := ParseRef(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	refs := []Ref{
		mustRef("x://a#user"), mustRef("x://b"), mustRef("x://a#pass"), mustRef("x://bad"),
		mustRef("x://a#missing"), mustRef("x://b"), mustRef("x://gone"),
	}
	invalid := errors.New("invalid reference")
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	open := func(src Ref) (*fakeSource, bool) {
		if src.Path == "bad" {
			return &fakeSource{src: src, err: invalid}, false
		}
		return &fakeSource{src: src}, true
	}
	var reads [][]string
	read := func(pending []*fakeSource) {
		var names []string
		for _, s := range pending {
			names = append(names, s.src.Path)
			switch s.src.Path {
			case "a":
				s.value = `{"user":"u","pass":"p"}`
			case "b":
				s.value = "plain"
			default:
				s.err = ErrNotFound
			}
		}
		reads = append(reads, names)
	}
	result := func(s *fakeSource) ([]byte, string, time.Time, error) {
		return []byte(s.value), "v-" + s.src.Path, created, s.err
	}
	got, err := FetchSources(refs, open, read, result)

	// one read, of each valid source once, in first-seen order
	if want := [][]string{{"a", "b", "gone"}}; len(reads) != 1 || !slices.Equal(reads[0], want[0]) {
		t.Errorf("reads %v, want %v", reads, want)
	}
	for i, want := range []string{"u", "plain", "p", "", "", "plain", ""} {
		if got[i].Reveal() != want {
			t.Errorf("%s: value %q, want %q", refs[i], got[i].Reveal(), want)
		}
		if want != "" && (got[i].Version != "v-"+refs[i].Path || !got[i].Created.Equal(created)) {
			t.Errorf("%s: version %q, created %v", refs[i], got[i].Version, got[i].Created)
		}
	}
	failed := map[string]error{}
	for _, e := range errorsOf(err) {
		var re *RefError
		if errors.As(e, &re) {
			failed[re.Ref.String()] = re.Err
		}
	}
	if len(failed) != 3 || !errors.Is(failed["x://bad"], invalid) || !errors.Is(failed["x://gone"], ErrNotFound) ||
		!errors.Is(failed["x://a#missing"], ErrKeyNotFound) {
		t.Errorf("errors by ref: %v", failed)
	}

	// nothing to read: read is not called
	reads = nil
	if _, err := FetchSources([]Ref{mustRef("x://bad")}, open, read, result); err == nil || reads != nil {
		t.Errorf("only invalid refs: err %v, reads %v", err, reads)
	}
	if out, err := FetchSources(nil, open, read, result); err != nil || out == nil || len(out) != 0 || reads != nil {
		t.Errorf("no refs: %v, %v, reads %v", out, err, reads)
	}
}

// errorsOf unwraps an errors.Join.
func errorsOf(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func TestCalls(t *testing.T) {
	c := NewCalls(context.Background(), 2)
	var inFlight, most atomic.Int32
	var mu sync.Mutex
	var ran []int
	for i := range 10 {
		c.Go(func() {
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(2 * time.Millisecond)
			if i == 0 {
				c.Go(func() { mu.Lock(); ran = append(ran, 100); mu.Unlock() }) // a call may start more
			}
			inFlight.Add(-1)
			mu.Lock()
			ran = append(ran, i)
			mu.Unlock()
		})
	}
	c.Wait()
	if most.Load() > 2 || len(ran) != 11 {
		t.Errorf("at most %d in flight (want ≤ 2), %d calls ran (want 11)", most.Load(), len(ran))
	}

	// Once ctx is done, a call runs at once even with every slot taken, to fail fast.
	ctx, cancel := context.WithCancel(context.Background())
	c = NewCalls(ctx, 1)
	block := make(chan struct{})
	c.Go(func() { <-block })
	cancel()
	done := make(chan struct{})
	c.Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("a call waited for a slot after ctx was done")
	}
	close(block)
	c.Wait()
}
