package redact

import "bytes"

// skipMax caps the window of the Wu-Manber filter. Longer windows allow longer
// jumps but put more 2-byte blocks in the shift table.
const skipMax = 12

// skipper jumps over bytes at which no needle can start while the automaton
// is at its root. With every needle at least m bytes long it is a Wu-Manber
// filter over 2-byte blocks: for the window [j-m+1, j] it looks at the block
// p[j-1:j+1]; shift[block] is how far the window can move right without
// skipping a position where the first m bytes of some needle could start.
// Because the table is built from needle prefixes, the same argument also
// rules out partial needle prefixes that reach the examined block, so the
// automaton can resume at the root, and its hold-back stays exact.
//
// With 1-byte needles it falls back to a first-byte table (or IndexByte when a
// single byte starts every needle).
type skipper struct {
	m      int // window length (min needle length, capped at skipMax); 0 disables skipping
	shift  []uint8
	first  [256]bool
	single int // >= 0: the only byte any needle starts with
}

func newSkipper(a *automaton) *skipper {
	s := &skipper{single: -1}
	if len(a.needles) == 0 {
		return s
	}
	firsts := 0
	for _, n := range a.needles {
		if !s.first[n[0]] {
			s.first[n[0]] = true
			firsts++
			s.single = int(n[0])
		}
	}
	if firsts != 1 {
		s.single = -1
	}
	m := a.minLen
	if m > skipMax {
		m = skipMax
	}
	if m < 3 {
		return s // first-byte filter only
	}
	s.m = m
	s.shift = make([]uint8, 1<<16)
	def := uint8(m - 1)
	for i := range s.shift {
		s.shift[i] = def
	}
	for _, n := range a.needles {
		for q := 1; q < m; q++ {
			blk := int(n[q-1])<<8 | int(n[q])
			if d := uint8(m - 1 - q); d < s.shift[blk] {
				s.shift[blk] = d
			}
		}
	}
	return s
}

// next returns the first position >= i at which the automaton (at its root)
// must resume; len(p) or more when the rest of p can be skipped.
func (s *skipper) next(p []byte, i int) int {
	if s.m == 0 {
		if s.single >= 0 {
			k := bytes.IndexByte(p[i:], byte(s.single))
			if k < 0 {
				return len(p)
			}
			return i + k
		}
		for i < len(p) && !s.first[p[i]] {
			i++
		}
		return i
	}
	m := s.m
	shift := s.shift[:1<<16]
	n := len(p)
	j := i + m - 1
	for j < n {
		d := shift[int(p[j-1])<<8|int(p[j])]
		if d == 0 {
			return j - m + 1
		}
		j += int(d)
	}
	// Past the end: positions before j-m+1 are ruled out; the automaton
	// runs over whatever remains of p from there.
	return j - m + 1
}
