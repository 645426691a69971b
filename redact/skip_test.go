package redact

import (
	"math/rand"
	"strings"
	"testing"
)

// nextOneByOne is the Wu-Manber loop of skipper.next without its
// overlapped lookups: one shift lookup after the other.
func nextOneByOne(s *skipper, p []byte, i int) int {
	j := i + s.m - 1
	for j < len(p) {
		d := s.shiftAt(p, j)
		if d == 0 {
			break
		}
		j += d
	}
	return s.hit(i, j)
}

// TestSkipNextOverlapped: skipper.next, which looks up four windows at a
// time, stops exactly where one lookup after the other stops, from every
// start position, for needle sets of every window length and texts that
// shift by the full window, by less, and not at all.
func TestSkipNextOverlapped(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for _, c := range []struct {
		name   string
		minLen int
		count  int
	}{{"window4", 4, 3}, {"window13", 13, 200}, {"window32", 40, 50}, {"window32-many", 32, 3000}} {
		needles := make([]string, c.count)
		for k := range needles {
			needles[k] = randString(r, alnum, c.minLen+r.Intn(20))
		}
		a := newAutomaton(needles, nil)
		s := a.skip
		if s.m == 0 {
			t.Fatalf("%s: no Wu-Manber window", c.name)
		}
		texts := map[string][]byte{
			"prose":  []byte(strings.Repeat("the quick brown fox jumps over the lazy dog; ", 40)),
			"alnum":  []byte(randString(r, alnum, 2000)),
			"needle": []byte(randString(r, "- \n", 300) + needles[0] + randString(r, alnum, 500) + needles[len(needles)-1]),
			"dense":  []byte(strings.Repeat(needles[0][:c.minLen-1], 60)),
		}
		for tn, p := range texts {
			stops := 0
			for i := 0; i < len(p); i++ {
				got, want := s.next(p, i), nextOneByOne(s, p, i)
				if got != want {
					t.Fatalf("%s/%s: next(p, %d) = %d, one lookup at a time stops at %d", c.name, tn, i, got, want)
				}
				if want < len(p) {
					stops++
				}
			}
			if tn == "needle" && stops == 0 {
				t.Errorf("%s/%s: the skip filter never stopped on a text holding needles", c.name, tn)
			}
		}
	}
}
