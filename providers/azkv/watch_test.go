package azkv

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers/azkv/azkvtest"
)

// A watch check without a Versioner is a Fetch: one GET per distinct secret version, counted at
// the Key Vault stand-in, and no new challenge or token once the first Fetch signed in. A new
// version put into the vault shows as a different Secret.Version (its version id) for the refs
// that follow the current version; a ref pinned to a version id keeps it.
func TestWatchCheckCounted(t *testing.T) {
	s := azkvtest.New(t)
	cred := &azkvtest.Cred{}
	p := newProvider(t, s, cred, "")

	const n = 30
	var refs []string
	first := make([]string, n)
	for i := range n {
		first[i] = s.Put("test-kv", fmt.Sprintf("s%02d", i), fmt.Sprintf(`{"v":"value-%d"}`, i))
		refs = append(refs, fmt.Sprintf("azkv://test-kv/s%02d", i))
	}
	// A key of secret 0 (same read) and secret 0 pinned to its first version (its own read).
	refs = append(refs, "azkv://test-kv/s00#v", "azkv://test-kv/s00/"+first[0])

	before, err := fetch(t, p, 10*time.Second, refs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, sec := range before {
		want := first[0] // the key and the pinned ref of s00
		if i < n {
			want = first[i]
		}
		if sec.Version != want {
			t.Fatalf("%s: Version = %q, want %q", refs[i], sec.Version, want)
		}
	}
	reads, challenges, tokens := s.Reads(), s.Challenges(), cred.Calls()

	// One check.
	if _, err := fetch(t, p, 10*time.Second, refs...); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Reads()-reads, n+1; got != want {
		t.Errorf("one check of %d refs (%d secrets, one pinned version) made %d GETs, want %d", len(refs), n, got, want)
	}
	if got := s.Challenges(); !maps.Equal(got, challenges) || cred.Calls() != tokens {
		t.Errorf("the check was challenged again (%v) or asked for a token (%d calls, was %d)", got, cred.Calls(), tokens)
	}

	v2 := s.Put("test-kv", "s00", `{"v":"rotated"}`)
	after, err := fetch(t, p, 10*time.Second, refs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, sec := range after {
		want := before[i].Version
		if i == 0 || i == n {
			want = v2
		}
		if sec.Version != want {
			t.Errorf("%s: Version after a new version = %q, want %q", refs[i], sec.Version, want)
		}
	}
	if after[n].Reveal() != "rotated" || after[n+1].Version != first[0] {
		t.Error("the new version's key was not read, or the pinned ref moved")
	}
}
