package redact

// Character escapes inside a value. Encoders may write any character of a
// value as an escape: JSON encoders as \u003d or \u003D (Gson escapes = and
// ', .NET every non-ASCII character), PyYAML and Python as \xe9 or
// \U0001f600, JavaScript and Rust as \u{1F600}, Perl as \x{e9} and \@,
// PHP's json_encode a slash as \/, shells a dollar as \$, XML and HTML as
// &#61; &#x3D; or &amp;. A value escaped twice (a JSON
// document kept as a string field of another) doubles the backslash of each
// escape. Enumerating every mix of these would take a needle per subset of
// the value's characters, so the view of the stream (escape.go) decodes
// them instead, and the needles are matched against the decoded view as
// well as against the raw bytes.
//
// The character escapes of the view, recognised left to right on the raw
// bytes (they never span a terminal escape):
//
//	\uXXXX       4 hex digits, either case
//	\xHH         2 hex digits: the character U+00HH (as PyYAML and Python mean it)
//	\UXXXXXXXX   8 hex digits
//	\u{H...}     1 to 6 hex digits (\x{H...} too, as Perl writes it)
//	\n \r \t \b \f  the control characters of JSON's short escapes
//	\a \v \e     BEL, VT and ESC, as C, bash and Perl write them
//	\N \NN \NNN  1 to 3 octal digits (as many as there are, up to 0377):
//	             that byte (bash's printf %q writes a character outside the
//	             locale byte by byte, Perl's Data::Dumper \1 \37 \177)
//	\" \' \$ ...  a space or ASCII punctuation but '&': that character (JSON's \" and \/,
//	             Python's and JavaScript's \', shell and Perl double quotes,
//	             regular-expression quoting), also with the character
//	             written as an entity (\&quot;, JSON inside HTML)
//	&#D...;      1 to 8 decimal digits
//	&#xH...;     1 to 8 hex digits, x or X
//	&amp; &lt; &gt; &quot; &apos;
//	&amp;quot;   an entity escaped again (HTML escaped twice): its '&'
//	             written as &amp;, up to maxAmp times
//	\u0026quot;  an entity whose '&' is a backslash escape (HTML-escaped
//	             text in a JSON string: Go, Gson and .NET escape '&')
//
// A backslash escape may start with up to maxDecSlash backslashes instead of
// one (\\u003d is \u003d escaped again, and stands for '=' too); in a longer
// run the first backslashes are plain characters. An escape stands for the
// UTF-8 bytes of its character; a surrogate half (\ud83d) stands for its
// three-byte generalised UTF-8 form, so that a pair written as two escapes
// is the value's astral character in CESU-8, for which Compile adds a
// needle. A code point above U+10FFFF is no escape. An escape still
// incomplete at the end of the input so far is pending: it is held back, as
// it may turn out to be the first character of a secret.

const (
	maxDecSlash = 8 // most backslashes an escape starts with (three more levels of escaping)
	maxAmp      = 3 // most "amp;" before an entity's body (three more levels of escaping)
	// maxDecBody is the longest escape after its backslashes: "U00000026"
	// (an '&'), maxAmp times "amp;" and "#x0010FFFF;".
	maxDecBody = 9 + 4*maxAmp + 11
)

// Results of decodeEsc.
const (
	decNone = iota // not a character escape
	decMore        // the input ends inside what may still become one
	decDone        // a whole escape
)

// namedEntities are the entities of XML, which HTML encoders write too.
var namedEntities = [...]struct {
	name string
	r    rune
}{{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}}

// decodeEsc parses the character escape that may start at p[i], a '\\' or
// '&': decDone with its end and character, decMore when p ends before it is
// decided, or decNone.
func decodeEsc(p []byte, i int) (status, end int, r rune) {
	if p[i] == '&' {
		return decodeEntity(p, i+1)
	}
	st, end, r := decodeBackslash(p, i)
	if st == decDone && r == '&' {
		// An entity whose '&' is escaped: \u0026quot;.
		if st, e, r := decodeEntity(p, end); st != decNone {
			return st, e, r
		}
	}
	return st, end, r
}

// decodeBackslash is decodeEsc for an escape starting with a backslash.
func decodeBackslash(p []byte, i int) (status, end int, r rune) {
	j := i
	for j < len(p) && p[j] == '\\' {
		j++
		if j-i > maxDecSlash {
			return decNone, 0, 0
		}
	}
	if j == len(p) {
		return decMore, 0, 0
	}
	switch c := p[j]; c {
	case 'n':
		return decDone, j + 1, '\n'
	case 'r':
		return decDone, j + 1, '\r'
	case 't':
		return decDone, j + 1, '\t'
	case 'b':
		return decDone, j + 1, '\b'
	case 'f':
		return decDone, j + 1, '\f'
	case 'a':
		return decDone, j + 1, '\a'
	case 'v':
		return decDone, j + 1, '\v'
	case 'e':
		return decDone, j + 1, 0x1b
	case '0', '1', '2', '3', '4', '5', '6', '7':
		return octalByte(p, j)
	case '&':
		// The escaped character written as an entity: JSON's \" inside
		// HTML is \&quot;. Before an entity of another character the
		// backslashes stand for themselves: the escape stands for them
		// and that character.
		st, end, r := decodeEntity(p, j+1)
		if st == decDone && (r >= 0x80 || !isEscapedPunct(byte(r))) {
			r |= rune(j-i) << slashShift
		}
		return st, end, r
	case 'x':
		if j+1 < len(p) && p[j+1] == '{' {
			return hexRun(p, j+2, 1, 6, '}')
		}
		return hexRun(p, j+1, 2, 2, 0)
	case 'U':
		return hexRun(p, j+1, 8, 8, 0)
	case 'u':
		if j+1 < len(p) && p[j+1] == '{' {
			return hexRun(p, j+2, 1, 6, '}')
		}
		return hexRun(p, j+1, 4, 4, 0)
	default:
		if isEscapedPunct(c) {
			return decDone, j + 1, rune(c)
		}
	}
	return decNone, 0, 0
}

// octalByte parses the 1 to 3 octal digits from p[j] of an escape that
// stands for one byte: as many as there are, but 2 when the first is 4-7
// (the byte would overflow).
func octalByte(p []byte, j int) (status, end int, r rune) {
	most := 3
	if p[j] > '3' {
		most = 2
	}
	k, v := 0, 0
	for k < most && j+k < len(p) && '0' <= p[j+k] && p[j+k] <= '7' {
		v = v<<3 | int(p[j+k]-'0')
		k++
	}
	if k < most && j+k == len(p) {
		return decMore, 0, 0 // more digits may follow
	}
	return decDone, j + k, byteRune | rune(v)
}

// byteRune marks a decoded rune that stands for one byte (an octal escape)
// rather than a character.
const byteRune = 1 << 30

// slashShift places, in a decoded rune, the number of backslashes that come
// before its character in the view (a backslash run before an entity of a
// letter, \&#x62;, stands for itself and the letter).
const slashShift = 24

// isEscapedPunct reports whether c stands for itself after a backslash:
// a space (a shell's "\ ") or ASCII punctuation but '&', which starts an
// entity (and '\\', which is part of the run).
func isEscapedPunct(c byte) bool {
	return c >= ' ' && c < 0x7f && c != '&' && c != '\\' &&
		!('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z')
}

// decodeEntity parses the rest of an entity whose '&' is at p[j-1]: an
// entity escaped again up to maxAmp times (&amp;quot;) stands for the
// character of the innermost one.
func decodeEntity(p []byte, j int) (status, end int, r rune) {
	return ampEntity(p, j, maxAmp)
}

// ampEntity is decodeEntity with up to amps "amp;" before the body.
func ampEntity(p []byte, j, amps int) (status, end int, r rune) {
	if amps > 0 && len(p)-j >= 4 && string(p[j:j+4]) == "amp;" {
		if st, end, r := ampEntity(p, j+4, amps-1); st != decNone {
			return st, end, r
		}
		return decDone, j + 4, '&'
	}
	return entityBody(p, j)
}

// entityBody parses the rest of an entity after its '&', at p[j].
func entityBody(p []byte, j int) (status, end int, r rune) {
	if j == len(p) {
		return decMore, 0, 0
	}
	if p[j] == '#' {
		j++
		if j == len(p) {
			return decMore, 0, 0
		}
		if p[j] == 'x' || p[j] == 'X' {
			return hexRun(p, j+1, 1, 8, ';')
		}
		return decimalRun(p, j)
	}
	more := false
	for _, e := range namedEntities {
		k := 0
		for k < len(e.name) && j+k < len(p) && p[j+k] == e.name[k] {
			k++
		}
		if k == len(e.name) {
			return decDone, j + k, e.r
		}
		if j+k == len(p) {
			more = true
		}
	}
	if more {
		return decMore, 0, 0
	}
	return decNone, 0, 0
}

// hexRun parses min to max hex digits from p[j] and then the byte term (0:
// none), the end of an escape.
func hexRun(p []byte, j, min, max int, term byte) (status, end int, r rune) {
	k, v := 0, int64(0)
	for k < max && j+k < len(p) {
		d := hexVal(p[j+k])
		if d < 0 {
			break
		}
		v = v<<4 | int64(d)
		k++
	}
	return escTail(p, j+k, k, min, max, term, v)
}

// decimalRun parses 1 to 8 decimal digits from p[j] and then ';'.
func decimalRun(p []byte, j int) (status, end int, r rune) {
	k, v := 0, int64(0)
	for k < 8 && j+k < len(p) && '0' <= p[j+k] && p[j+k] <= '9' {
		v = v*10 + int64(p[j+k]-'0')
		k++
	}
	return escTail(p, j+k, k, 1, 8, ';', v)
}

// escTail ends an escape whose k digits (min to max) end at p[e] and which
// must then have the byte term (0: none).
func escTail(p []byte, e, k, min, max int, term byte, v int64) (status, end int, r rune) {
	if e == len(p) && (k < max || term != 0) {
		return decMore, 0, 0
	}
	if k < min {
		return decNone, 0, 0
	}
	if term != 0 {
		if p[e] != term {
			return decNone, 0, 0
		}
		e++
	}
	if v > 0x10FFFF {
		return decNone, 0, 0
	}
	return decDone, e, rune(v)
}

// hexVal returns the value of the hex digit c, or -1.
func hexVal(c byte) int { return int(hexTable[c]) }

// hexTable maps each byte to its value as a hex digit, or -1.
var hexTable = func() (t [256]int8) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = int8(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = int8(c-'a') + 10
		case 'A' <= c && c <= 'F':
			t[c] = int8(c-'A') + 10
		default:
			t[c] = -1
		}
	}
	return t
}()

// appendWTF8 appends the UTF-8 bytes of r to b, a surrogate half in the
// three-byte form UTF-8 would give it were it allowed (generalised UTF-8),
// and a byteRune as its one byte.
func appendWTF8(b []byte, r rune) []byte {
	if k := r >> slashShift & 0xf; k > 0 {
		for ; k > 0; k-- {
			b = append(b, '\\')
		}
		r &^= 0xf << slashShift
	}
	switch {
	case r&byteRune != 0:
		return append(b, byte(r))
	case r < 0x80:
		return append(b, byte(r))
	case r < 0x800:
		return append(b, 0xC0|byte(r>>6), 0x80|byte(r)&0x3F)
	case r < 0x10000:
		return append(b, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return append(b, 0xF0|byte(r>>18), 0x80|byte(r>>12)&0x3F, 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
}

// decodeString returns s with every character escape decoded, as the view
// decodes it (for the derivation of needles: a form of a value with escapes
// is a needle in its decoded form). An escape cut by the end of s stays as
// it is.
func decodeString(s string) string {
	p := []byte(s)
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); {
		if c := p[i]; c == '\\' || c == '&' {
			if st, end, r := decodeEsc(p, i); st == decDone {
				out = appendWTF8(out, r)
				i = end
				continue
			}
		}
		out = append(out, p[i])
		i++
	}
	return string(out)
}

// decParser follows a character escape cut by the end of a write.
type decParser struct {
	on    bool
	start int64 // input position of its first byte
	buf   [maxDecSlash + maxDecBody + 1]byte
	n     int
}

// allSlashes reports whether b is all backslashes.
func allSlashes(b []byte) bool {
	for _, c := range b {
		if c != '\\' {
			return false
		}
	}
	return true
}

// Results of decParser.feed beyond decNone, decMore and decDone.
const decShift = decDone + 1 // the run of backslashes grew too long: its first byte is plain

// begin starts the parser on b, the bytes of a pending escape starting at
// input position start.
func (d *decParser) begin(b []byte, start int64) {
	d.on, d.start = true, start
	d.n = copy(d.buf[:], b)
}

// feed gives the parser the next byte c. On decDone the escape
// buf[:end] stands for the returned character; when it ends before c (an
// octal escape of fewer than 3 digits, an entity escaped again whose inner
// entity failed), buf[end:n] are plain bytes (no escape starts among them)
// and c is not part of it. On decNone its bytes so far are plain and c is
// not part of it; on decShift the first byte is plain and dropped (start
// moves on).
func (d *decParser) feed(c byte) (st, end int, r rune) {
	d.buf[d.n] = c
	d.n++
	st, end, r = decodeEsc(d.buf[:d.n], 0)
	if st == decNone && d.n == maxDecSlash+1 && allSlashes(d.buf[:d.n]) {
		copy(d.buf[:], d.buf[1:d.n])
		d.n--
		d.start++
		return decShift, 0, 0
	}
	if st == decNone || st == decDone && end < d.n {
		d.n-- // c is looked at again
	}
	return st, end, r
}
