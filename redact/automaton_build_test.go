package redact

import (
	"math/rand"
	"sort"
	"strings"
	"testing"
)

// The automaton's nodes are the needle prefixes in breadth-first order
// (by length, then byte order), children consecutive, and each node's
// match, hold, hold needle and release flag are what their definitions
// give, computed by brute force over the needles: for random needle sets
// with shared prefixes, duplicates and public prefixes.
func TestAutomatonBuildBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(37))
	for it := 0; it < 300; it++ {
		alpha := "abc"[:1+r.Intn(3)] + "xy:/"[:r.Intn(5)]
		needles := make([]string, 1+r.Intn(12))
		pub := make([]int32, len(needles))
		for i := range needles {
			if i > 0 && r.Intn(5) == 0 {
				needles[i] = needles[r.Intn(i)] // a duplicate
			} else {
				needles[i] = randString(r, alpha, 1+r.Intn(MaxIdleRelease+8))
			}
			pub[i] = int32(r.Intn(len(needles[i]) + 1))
		}
		checkAutomaton(t, needles, pub)
		checkAutomaton(t, needles, nil)
	}
}

// checkAutomaton compares newAutomaton(needles, pub) with the brute-force
// definitions of its per-node fields.
func checkAutomaton(t *testing.T, needles []string, pub []int32) {
	t.Helper()
	a := newAutomaton(needles, pub)
	// The node strings, from the parents implied by firstChild.
	nodes := len(a.nodeClass)
	str := make([]string, nodes)
	byClass := map[uint8]byte{}
	for b := 0; b < 256; b++ {
		if !a.inNone[b] {
			byClass[a.class[b]] = byte(b)
		}
	}
	for u := 0; u < nodes; u++ {
		for v := a.firstChild[u]; v < a.firstChild[u+1]; v++ {
			str[v] = str[u] + string(byClass[a.nodeClass[v]])
		}
	}
	prefixes := map[string]bool{"": true}
	for _, n := range needles {
		for k := 1; k <= len(n); k++ {
			prefixes[n[:k]] = true
		}
	}
	want := make([]string, 0, len(prefixes))
	for p := range prefixes {
		want = append(want, p)
	}
	sort.Slice(want, func(i, j int) bool {
		if len(want[i]) != len(want[j]) {
			return len(want[i]) < len(want[j])
		}
		return want[i] < want[j]
	})
	if strings.Join(str, "|") != strings.Join(want, "|") {
		t.Fatalf("needles %q: nodes %q, want %q", needles, str, want)
	}
	for v, s := range str {
		if d := a.depthOf(a.enc0(int32(v))); d != int64(len(s)) {
			t.Fatalf("needles %q: node %q has depth %d", needles, s, d)
		}
		// Longest needle that is a suffix, lowest index among equal ones.
		ml, mid := 0, 0
		for i, n := range needles {
			if strings.HasSuffix(s, n) && len(n) > ml {
				ml, mid = len(n), i
			}
		}
		if int(a.matchLen[v]) != ml || ml > 0 && int(a.matchID[v]) != mid {
			t.Fatalf("needles %q: node %q matches %d/%d, want %d/%d", needles, s, a.matchLen[v], a.matchID[v], ml, mid)
		}
		if (a.enc[v] < 0) != (ml > 0) {
			t.Fatalf("needles %q: node %q match flag %v", needles, s, a.enc[v] < 0)
		}
		// Longest suffix that is a proper prefix of a needle, the lowest
		// index of a needle it begins (or is), and whether it may be
		// released.
		hold, hid := 0, 0
		for k := len(s); k > 0 && hold == 0; k-- {
			if proper(needles, s[len(s)-k:]) {
				hold, hid = k, -1
				for i, n := range needles {
					if hid < 0 && strings.HasPrefix(n, s[len(s)-k:]) {
						hid = i
					}
				}
			}
		}
		if int(a.hold[v]) != hold || hold > 0 && int(a.holdID[v]) != hid {
			t.Fatalf("needles %q: node %q holds %d/%d, want %d/%d", needles, s, a.hold[v], a.holdID[v], hold, hid)
		}
		if ok := releasable(needles, pub, s); a.relOK[v] != ok {
			t.Fatalf("needles %q pub %v: node %q relOK %v, want %v", needles, pub, s, a.relOK[v], ok)
		}
	}
}

// proper reports whether p is a proper prefix of some needle.
func proper(needles []string, p string) bool {
	for _, n := range needles {
		if len(n) > len(p) && strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// releasable is relOK by its definition for the node of string s: every
// suffix of s that is a proper prefix of a needle is at most
// MaxIdleRelease bytes or lies within the public prefix of every needle
// it begins (or is).
func releasable(needles []string, pub []int32, s string) bool {
	for k := MaxIdleRelease + 1; k <= len(s); k++ {
		suf := s[len(s)-k:]
		if !proper(needles, suf) {
			continue
		}
		for i, n := range needles {
			if strings.HasPrefix(n, suf) && (pub == nil || int(pub[i]) < k) {
				return false
			}
		}
	}
	return true
}
