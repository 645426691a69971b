package redact

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

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
//
// The view takes out the line breaks of wrapped base64 (wrap.go), so a
// needle may also occur with line breaks inside it. The filter rules out
// starts in the input and in the view alike:
//   - an examined block that may hold a '\n' or '\r' (lowByte) keeps its
//     shift when the bytes before it are text, for then the line break
//     stays in the view (kept); else the block of the 3 bytes before the
//     line break, one of the view as much as of the input, gives the shift,
//     less its distance to the window's end (beforeBreak); else each way
//     the view may have the block is looked up (breakShift). A shift of d
//     bytes moves the window at most d characters of the view, so it
//     passes no start of either;
//   - a window of m characters of the view spans up to slack more bytes of
//     the input, so a hit resumes the automaton slack bytes early (next),
//     and a re-entry from a short match skips slack bytes less
//     (automaton.scanFrom).
type skipper struct {
	m      int // window length (min needle length, capped at skipMax); 0: first-byte filter
	shift  []uint8
	first  [256]bool
	single int // >= 0: the only byte any needle starts with
	slack  int // line-break bytes a window of m view characters may span, and 2 more (see above)
	// b64keep and b64fill make every byte kept looks at a base64
	// character ('A') when wrapMinRun is below 15 (in tests): a line that
	// short may be a payload line.
	b64keep, b64fill uint64
}

// blockWord packs the 3-byte block ending at p[j].
func blockWord(p []byte, j int) uint32 {
	b := p[j-2 : j+1]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
}

// wordHash hashes a block packed by blockWord.
func wordHash(v uint32) uint32 { return (v * 2654435761) >> (32 - skipTableBits) }

// blockHash hashes the 3-byte block ending at p[j].
func blockHash(p []byte, j int) uint32 { return wordHash(blockWord(p, j)) }

// lowByte is non-zero when a block packed by blockWord holds a byte below
// 0x0e, a '\n' or '\r' among them (the test may also flag a byte above one
// that is: it only calls for a closer look).
func lowByte(v uint32) uint32 { return (v - 0x0e0e0e) &^ v & 0x808080 }

// lowByte64 is lowByte for two blocks packed in the low and high halves
// of w: non-zero when either holds a byte below 0x0e (a borrow out of the
// low half may also flag the high one, but only when the low one is).
func lowByte64(w uint64) uint64 {
	return (w - 0x000e0e0e000e0e0e) &^ w & 0x0080808000808080
}

// isBreak tells the bytes of a line break.
func isBreak(c byte) bool { return c == '\n' || c == '\r' }

// shiftAt returns the shift for the window ending at p[j], whose block may
// hold line break bytes (see skipper).
func (s *skipper) shiftAt(p []byte, j int) int {
	v := blockWord(p, j)
	d := s.shift[wordHash(v)]
	if d == 0 || s.kept(p, j, v) {
		return int(d)
	}
	return int(s.lowShift(p, j, v, d))
}

// kept reports whether the block v ending at p[j] holds no byte below
// 0x0e, or certainly no line break in it ends a payload line (so it stays
// in the view, and the block's shift holds): one of the 8 bytes before
// its first 4 bytes (before the "\r" of a "\r\n" that starts the block)
// is no base64 character. Such a byte lies within 14 bytes of the line
// break, so either on its line, which is then no payload line, or with a
// line break between, and then the line is shorter than wrapMinRun. (fast
// has it inline.)
func (s *skipper) kept(p []byte, j int, v uint32) bool {
	if lowByte(v) == 0 {
		return true
	}
	b := j - 11
	return b >= 0 && notBase64(binary.LittleEndian.Uint64(p[b:b+8])&s.b64keep|s.b64fill)
}

// nonZero returns 1 when x (below 1<<32) is not zero, else 0, with no
// branch.
func nonZero(x uint64) uint64 { return (x | -x) >> 63 }

// notBase64 reports whether one of the 8 bytes packed in w is certainly
// no base64 character: below '+', '.', ',', ':' or above 'z' (the test
// misses other such bytes, never flags a base64 one).
func notBase64(w uint64) bool {
	const ones = 0x0101010101010101
	const highs = ones * 0x80
	below := (w - ones*'+') &^ w
	dot := w ^ (ones * '.')
	comma := w ^ (ones * ',')
	colon := w ^ (ones * ':')
	zero := (dot-ones)&^dot | (comma-ones)&^comma | (colon-ones)&^colon
	above := w + ones*(0x7f-'z') | w
	return (below|zero|above)&highs != 0
}

// breakRound is a round of fast (four windows, from the one ending at
// p[j]) when a block may hold a line break byte: the shift of such a block
// is lowShift's. The four lookups overlap as in fast. It returns the window
// it stopped at, and whether that is a hit.
func (s *skipper) breakRound(p []byte, j int) (int, bool) {
	shift := s.shift[:1<<skipTableBits]
	def := s.m - skipBlock + 1
	var v [4]uint32
	var d [4]uint8
	for k := range v {
		v[k] = blockWord(p, j+k*def)
	}
	for k := range d {
		d[k] = shift[wordHash(v[k])]
	}
	for k := range d {
		if d[k] != 0 && !s.kept(p, j+k*def, v[k]) {
			d[k] = s.lowShift(p, j+k*def, v[k], d[k])
		}
	}
	for _, dk := range d {
		if dk == 0 {
			return j, true
		}
		j += int(dk)
		if int(dk) < def {
			break
		}
	}
	return j, false
}

// lowShift is the shift for the window ending at p[j], whose block v holds
// a byte below 0x0e and has the shift d as it is.
func (s *skipper) lowShift(p []byte, j int, v uint32, d uint8) uint8 {
	if j >= 6 {
		if b := beforeBreak(s.shift, p, j, v); b > 0 {
			return b
		}
	}
	return uint8(s.breakShift(p, j, int(d)))
}

// beforeBreak returns the shift for the window ending at p[j] (j >= 6),
// whose block is v, when v may hold a line break byte (see lowByte): the
// block as the view has it is then unknown, but the block of the 3 bytes
// before the first such byte, at p[q], is one of the view as much as of the
// input. It lies j-q+1 bytes or fewer (characters of the view, as many or
// fewer) before the window's end, so where a needle prefix window could
// hold it, d-(j-q+1) and more windows on are ruled out, in the input and in
// the view (d its shift). It returns 0 (look closer) when that rules out
// none, or when the block before holds such a byte too. (fast has it
// inline.)
func beforeBreak(shift []uint8, p []byte, j int, v uint32) uint8 {
	q := j - 2 + bits.TrailingZeros32(lowByte(v))>>3
	if p[q-1] == '\r' {
		q-- // the "\r" of a "\r\n"
	}
	u := blockWord(p, q-1)
	e := int(shift[wordHash(u)&(1<<skipTableBits-1)]) - (j - q + 1)
	if e <= 0 || lowByte(u) != 0 {
		return 0
	}
	return uint8(e)
}

// mayEndPayload reports whether a line break at p[q] may end a payload
// line (wrap.go): the wrapMinRun bytes before it are base64 characters, as
// far as p goes back.
func mayEndPayload(p []byte, q int) bool {
	for k := q - 1; k >= 0 && k >= q-wrapMinRun; k-- {
		if !isB64[p[k]] {
			return false
		}
	}
	return true
}

// breakShift returns the shift for the window ending at p[j], whose block
// holds a line break byte and has the shift d as it is: the smallest of d
// and the shifts of the block as the view may have it. The view takes out
// a line break ("\n" or "\r\n") only after a payload line, so right after
// a base64 character, and at most one within a few bytes (a payload line
// holds wrapMinRun >= 3 characters): each line break in the block that may
// end a payload line is tried taken out on its own. It returns 0 when the
// bytes it needs start before p.
func (s *skipper) breakShift(p []byte, j int, d int) int {
	if j < 4 {
		return 0
	}
	for q := j - 3; q <= j; q++ {
		if c := p[q]; c != '\n' && c != '\r' || !isB64[p[q-1]] || !mayEndPayload(p, q) {
			continue
		}
		// The line break starting at p[q] taken out. (A "\r" that ends
		// p may begin one.)
		cut := 1
		if p[q] == '\r' {
			if q+1 < len(p) && p[q+1] != '\n' {
				continue
			}
			cut = 2
		}
		var b [3]byte
		k := 3
		for x := j; k > 0; x-- {
			if x < q+cut && x >= q {
				x = q - 1
			}
			if x < 0 {
				return 0
			}
			k--
			b[k] = p[x]
		}
		if dv := int(s.shift[blockHash(b[:], 2)]); dv < d {
			d = dv
		}
	}
	return d
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
	// A deleted line break ends a line of wrapMinRun characters or more,
	// so m characters of the view hold at most 1+(m-2)/wrapMinRun of
	// them, of up to 2 bytes each; shiftAt may look 2 bytes further back.
	s.slack = 2*(1+(m-2)/wrapMinRun) + 2
	s.b64keep = ^uint64(0)
	if wrapMinRun < 15 {
		// (Tests' short payload lines: kept says nothing.)
		s.b64keep, s.b64fill = 0, 0x4141414141414141
	}
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
	j := i + s.m - 1
	for {
		var end fastEnd
		j, end = s.fast(p, j)
		switch end {
		case fastHit:
			return s.hit(i, j)
		case fastBreak:
			var hit bool
			if j, hit = s.breakRound(p, j); hit {
				return s.hit(i, j)
			}
		default:
			for j < len(p) {
				d := s.shiftAt(p, j)
				if d == 0 {
					return s.hit(i, j)
				}
				j += d
			}
			// Past the end: positions before j-m+1 are ruled out; the
			// automaton runs over whatever remains of p from there.
			return s.hit(i, j)
		}
	}
}

// fastEnd says why fast stopped.
type fastEnd int

const (
	fastNear  fastEnd = iota // near the end of p
	fastHit                  // a window where a needle may start
	fastBreak                // a block of the next four with a byte below 0x0e
)

// fast runs the Wu-Manber loop from the window ending at p[j] while its
// blocks hold no line break byte, and returns the window where it stopped.
// Most windows of text shift by the full def: it looks up the window def
// further on at the same time, so that the lookups overlap instead of each
// waiting for the one before. The positions visited are those of one
// lookup after the other.
func (s *skipper) fast(p []byte, j int) (int, fastEnd) {
	shift := s.shift[:1<<skipTableBits]
	n := len(p)
	def := s.m - skipBlock + 1
	for j+3*def < n {
		v0, v1, v2, v3 := blockWord(p, j), blockWord(p, j+def), blockWord(p, j+2*def), blockWord(p, j+3*def)
		d0 := shift[wordHash(v0)]
		d1 := shift[wordHash(v1)]
		d2 := shift[wordHash(v2)]
		d3 := shift[wordHash(v3)]
		f01, f23 := lowByte64(uint64(v0)|uint64(v1)<<32), lowByte64(uint64(v2)|uint64(v3)<<32)
		if f01|f23 != 0 {
			// A block may hold a line break. Text lines end with
			// punctuation or spaces: when one of the 8 bytes before the
			// block's first 4 bytes is no base64 character, a line break
			// in it stays in the view and its shift holds (see kept).
			// Any other case, or two such blocks, needs a closer look.
			// (All inline: a call in this loop would take it out of
			// registers.)
			// The one such block, k (more than one: look closer).
			n0, n1 := nonZero(f01&0xffffffff), nonZero(f01>>32)
			n2, n3 := nonZero(f23&0xffffffff), nonZero(f23>>32)
			if n0+n1+n2+n3 != 1 {
				return j, fastBreak
			}
			k := int(n1 + 2*n2 + 3*n3)
			jk := j + k*def
			if b := jk - 11; b < 0 || !notBase64(binary.LittleEndian.Uint64(p[b:b+8])&s.b64keep|s.b64fill) {
				// It may end a payload line: take the block before
				// the line break (see beforeBreak).
				q := jk - 2 + bits.TrailingZeros32(lowByte(blockWord(p, jk)))>>3
				if q < 4 {
					return j, fastBreak
				}
				if p[q-1] == '\r' {
					q--
				}
				u := blockWord(p, q-1)
				e := int(shift[wordHash(u)]) - (jk - q + 1)
				if e <= 0 || lowByte(u) != 0 {
					return j, fastBreak
				}
				switch k {
				case 0:
					d0 = uint8(e)
				case 1:
					d1 = uint8(e)
				case 2:
					d2 = uint8(e)
				default:
					d3 = uint8(e)
				}
			}
		}
		if int(d0) < def {
			if d0 == 0 {
				return j, fastHit
			}
			j += int(d0)
			continue
		}
		j += def
		if int(d1) < def {
			if d1 == 0 {
				return j, fastHit
			}
			j += int(d1)
			continue
		}
		j += def
		if int(d2) < def {
			if d2 == 0 {
				return j, fastHit
			}
			j += int(d2)
			continue
		}
		j += def
		if d3 == 0 {
			return j, fastHit
		}
		j += int(d3)
	}
	return j, fastNear
}

// hit returns where the automaton resumes for the window ending at p[j]:
// its start, slack bytes early for the line breaks a window of the view
// may span, and not before i.
func (s *skipper) hit(i, j int) int {
	return max(i, j-s.m+1-s.slack)
}
