package redact

// Terminal escapes inside a value. `grep --color` and colour-aware log
// viewers split a value with SGR sequences (CANARY\e[01;31mpart\e[m...).
// The redactor matches needles against the *view* of the stream, the raw
// bytes with such control sequences taken out, as well as against the raw
// bytes, and masks the raw span of a match in either; the sequences that lay
// inside a masked region follow its token, so that the terminal's colour
// state comes out as the program meant (they are not secret).
//
// The view, decoded left to right: an ESC starts a CSI sequence, ESC '['
// then parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F but '&' and
// one final byte 0x40–0x7E but '\', at most maxEscLen bytes in all. A complete one is taken out
// of the view, unless maxEscRun sequences were already taken out since the
// last character of the view (which bounds the raw length of a match, and so
// the hold-back). Anything else, including an ESC that does not begin a
// complete sequence, is part of the view. A sequence still incomplete at the
// end of the input so far is left pending: it is not yet part of the view;
// at the end of the stream it is.
//
// Decoding is off when some needle contains ESC itself (a secret that holds
// a terminal escape): such a secret is matched on the raw bytes only.

const (
	escByte   = 0x1b
	maxEscLen = 40 // longest escape sequence taken out of the view, ESC and final byte included
	maxEscRun = 8  // most sequences taken out between two characters of the view
)

// escParser follows one escape sequence that may be a CSI sequence.
type escParser struct {
	on    bool
	start int64 // input position of its ESC
	n     int   // bytes consumed so far, ESC included
	inter bool  // an intermediate byte was seen: no more parameter bytes
}

// Results of escParser.feed.
const (
	escMore = iota // the sequence goes on
	escDone        // b was its final byte: a complete sequence
	escFail        // not a CSI sequence; b is not part of it
)

// feed gives the parser the next byte b.
func (e *escParser) feed(b byte) int {
	if e.n == 1 {
		if b == '[' {
			e.n = 2
			return escMore
		}
		return escFail
	}
	if e.n >= maxEscLen {
		return escFail
	}
	switch {
	case b >= 0x30 && b <= 0x3f && !e.inter:
		e.n++
		return escMore
	case isInter(b):
		e.inter = true
		e.n++
		return escMore
	case isFinal(b):
		e.n++
		return escDone
	}
	return escFail
}

// csiEnd returns the end of the CSI sequence whose ESC is p[e], or 0 when
// p does not hold a whole one (it is not a sequence, or p ends inside it).
func csiEnd(p []byte, e int) int {
	j := e + 1
	if j >= len(p) || p[j] != '[' {
		return 0
	}
	j++
	lim := min(len(p), e+maxEscLen-1) // the final byte is at most at e+maxEscLen-1
	for j < lim && p[j] >= 0x30 && p[j] <= 0x3f {
		j++
	}
	for j < lim && isInter(p[j]) {
		j++
	}
	if j < len(p) && isFinal(p[j]) {
		return j + 1
	}
	return 0
}

// isInter reports whether b is an intermediate byte of a sequence of the
// view: 0x20-0x2F but '&', which may start a character escape (decode.go).
func isInter(b byte) bool { return b >= 0x20 && b <= 0x2f && b != '&' }

// isFinal reports whether b is a final byte of a sequence of the view:
// 0x40-0x7E but '\', which may start a character escape. No sequence a
// program prints ends with either; leaving them out keeps the two kinds of
// escape apart, so that a byte that fails one is looked at for the other.
func isFinal(b byte) bool { return b >= 0x40 && b <= 0x7e && b != '\\' }

// viewSpan is a stretch of input bytes [s, e) where the view differs from
// the input: a terminal escape sequence taken out of it (n == 0), or a
// character escape standing for the n bytes of its character (decode.go).
// b holds a sequence's bytes once it lies inside a masked region.
type viewSpan struct {
	s, e int64
	n    int32
	lb   bool // a line break of wrapped base64 (wrap.go): masked, not written after the token
	b    []byte
}

// viewStart returns the input position of the first of the d bytes of the
// view that end at input position x, given the spans (sorted) before x. A
// view byte that comes from a character escape starts at the escape.
func viewStart(spans []viewSpan, x int64, d int64) int64 {
	for k := len(spans) - 1; k >= 0 && d > 0; k-- {
		c := spans[k]
		if c.e > x {
			continue
		}
		if x-c.e >= d {
			break
		}
		d -= x - c.e
		if int64(c.n) >= d {
			return c.s
		}
		d -= int64(c.n)
		x = c.s
	}
	return x - d
}

// mergeCSIs returns the union of two sorted lists of sequences.
func mergeCSIs(a, b []viewSpan) []viewSpan {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]viewSpan, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].s < b[j].s:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].s < a[i].s:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
