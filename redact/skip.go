package redact

import "bytes"

// Parameters of the Wu-Manber skip filter.
const (
	skipMax       = 32 // cap on the window length m
	skipBlock     = 3  // bytes per block
	skipTableBits = 18 // the shift table has 1<<skipTableBits entries (256 KiB: fits in L2)
)

// skipper jumps over bytes at which no needle can start while the automaton
// is at its root (or has just started a match, see automaton.scan). With
// every needle at least m >= 4 bytes long it is a Wu-Manber filter over
// hashed 3-byte blocks: for the window [j-m+1, j] it looks at the block
// p[j-2:j+1]; shift[h(block)] is how far the window can move right without
// passing a position where the first m bytes of some needle could start
// (hash collisions only make shifts smaller). Because the table is built from
// needle prefixes, the same argument rules out partial needle prefixes that
// reach the examined block, so the automaton can resume at the root with its
// hold-back still exact.
//
// With needles shorter than 4 bytes it falls back to a first-byte table (or
// IndexByte when a single byte starts every needle).
type skipper struct {
	m      int // window length (min needle length, capped at skipMax); 0: first-byte filter
	shift  []uint8
	first  [256]bool
	single int // >= 0: the only byte any needle starts with
}

// blockHash hashes the 3-byte block ending at p[j].
func blockHash(p []byte, j int) uint32 {
	b := p[j-2 : j+1]
	v := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	return (v * 2654435761) >> (32 - skipTableBits)
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
	if m < skipBlock+1 {
		return s // first-byte filter only
	}
	s.m = m
	s.shift = make([]uint8, 1<<skipTableBits)
	def := uint8(m - skipBlock + 1)
	s.shift[0] = def
	for k := 1; k < len(s.shift); k *= 2 {
		copy(s.shift[k:], s.shift[:k])
	}
	for _, n := range a.needles {
		b := []byte(n[:m])
		for q := skipBlock - 1; q < m; q++ {
			h := blockHash(b, q)
			if d := uint8(m - 1 - q); d < s.shift[h] {
				s.shift[h] = d
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
	shift := s.shift[:1<<skipTableBits]
	n := len(p)
	j := i + m - 1
	// Most windows of text shift by the full def: look up the window def
	// further on at the same time, so that two lookups overlap instead of
	// each waiting for the one before. The positions visited are those of
	// the plain loop below.
	def := m - skipBlock + 1
	for j+3*def < n {
		d0 := shift[blockHash(p, j)]
		d1 := shift[blockHash(p, j+def)]
		d2 := shift[blockHash(p, j+2*def)]
		d3 := shift[blockHash(p, j+3*def)]
		if int(d0) < def {
			if d0 == 0 {
				return j - m + 1
			}
			j += int(d0)
			continue
		}
		j += def
		if int(d1) < def {
			if d1 == 0 {
				return j - m + 1
			}
			j += int(d1)
			continue
		}
		j += def
		if int(d2) < def {
			if d2 == 0 {
				return j - m + 1
			}
			j += int(d2)
			continue
		}
		j += def
		if d3 == 0 {
			return j - m + 1
		}
		j += int(d3)
	}
	for j < n {
		d := shift[blockHash(p, j)]
		if d == 0 {
			return j - m + 1
		}
		j += int(d)
	}
	// Past the end: positions before j-m+1 are ruled out; the automaton
	// runs over whatever remains of p from there.
	return j - m + 1
}
