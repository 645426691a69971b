package redact

import (
	"bytes"
	"sort"
	"strings"
)

// The naive oracle: the specification of the redactor's output, written to be
// obviously right rather than fast.

type occ struct {
	s, e int
	tail int // 1 for the end-of-stream held tail, so real occurrences sort first
	id   int
}

// naiveHold returns the length of the longest suffix of in that is a proper
// prefix of some needle, and the lowest index of such a needle.
func naiveHold(needles []string, in []byte) (int, int) {
	best, bestID := 0, -1
	for id, n := range needles {
		for l := len(n) - 1; l > best; l-- {
			if l <= len(in) && bytes.HasSuffix(in, []byte(n[:l])) {
				best, bestID = l, id
				break
			}
		}
	}
	if best > 0 {
		for id, n := range needles { // lowest index with that prefix
			if len(n) > best && bytes.HasSuffix(in, []byte(n[:best])) {
				return best, id
			}
		}
	}
	return best, bestID
}

// oracleRegions returns the merged regions of in: every occurrence of every
// needle, overlapping and adjacent ones merged. With eof, the end-of-stream
// rule adds a held tail of EOFMaskLength bytes or more. Each region carries
// the needle id that names it: the occurrence starting first, then ending
// first, then the lowest id.
func oracleRegions(needles []string, in []byte, eof bool) []occ {
	var occs []occ
	for id, n := range needles {
		for i := 0; i+len(n) <= len(in); i++ {
			if string(in[i:i+len(n)]) == n {
				occs = append(occs, occ{s: i, e: i + len(n), id: id})
			}
		}
	}
	if eof {
		if h, id := naiveHold(needles, in); h >= EOFMaskLength {
			occs = append(occs, occ{s: len(in) - h, e: len(in), tail: 1, id: id})
		}
	}
	sort.Slice(occs, func(i, j int) bool {
		a, b := occs[i], occs[j]
		if a.s != b.s {
			return a.s < b.s
		}
		if a.e != b.e {
			return a.e < b.e
		}
		if a.tail != b.tail {
			return a.tail < b.tail
		}
		return a.id < b.id
	})
	var regs []occ
	for _, o := range occs {
		if n := len(regs); n > 0 && o.s <= regs[n-1].e {
			if o.e > regs[n-1].e {
				regs[n-1].e = o.e
			}
			continue
		}
		regs = append(regs, o)
	}
	return regs
}

// oracleToken returns the token for a region named by needle id.
func oracleToken(names []string, token string, id int) string {
	if names == nil {
		return token
	}
	if names[id] == "" {
		return token
	}
	return "[" + names[id] + "]"
}

// oracle returns the masked form of the whole input in (with the
// end-of-stream rule).
func oracle(needles, names []string, token string, in []byte) []byte {
	var b bytes.Buffer
	cur := 0
	for _, r := range oracleRegions(needles, in, true) {
		b.Write(in[cur:r.s])
		b.WriteString(oracleToken(names, token, r.id))
		cur = r.e
	}
	b.Write(in[cur:])
	return b.Bytes()
}

// oracleEmitted returns what a strict Writer must have written after
// consuming in (no Close yet): every region that no later byte can extend
// (it ends before safe = len(in) - hold) and every plain byte before safe
// and before the first region that is still open.
func oracleEmitted(needles, names []string, token string, in []byte) []byte {
	h, _ := naiveHold(needles, in)
	safe := len(in) - h
	var b bytes.Buffer
	cur := 0
	limit := safe
	for _, r := range oracleRegions(needles, in, false) {
		if r.e >= safe {
			if r.s < limit {
				limit = r.s
			}
			break
		}
		b.Write(in[cur:r.s])
		b.WriteString(oracleToken(names, token, r.id))
		cur = r.e
	}
	if cur < limit {
		b.Write(in[cur:limit])
	}
	return b.Bytes()
}

// containsAny reports whether out contains any needle.
func containsAny(out []byte, needles []string) (string, bool) {
	for _, n := range needles {
		if strings.Contains(string(out), n) {
			return n, true
		}
	}
	return "", false
}
