package redact

import (
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The naive oracle: the specification of the redactor's output, written to be
// obviously right rather than fast.

type occ struct {
	s, e int
	tail int // 1 for the end-of-stream held tail, so real occurrences sort first
	id   int
	csis []byte   // the escape sequences inside a region, in order (written after its token)
	seqs [][2]int // their spans
}

// decoded is the view of an input (escape.go, decode.go): the input with
// CSI sequences taken out and character escapes decoded, decoded naively.
type decoded struct {
	view     []byte
	atS, atE []int    // view[k] comes from input bytes [atS[k], atE[k])
	seqs     [][2]int // the sequences taken out, [s, e)
	pend     int      // input position of a pending character escape, or -1
}

// Character escapes as decode.go specifies them, whole and cut short (the
// input ends where a longer escape may still follow). An entity may be
// escaped again up to three times (&amp;amp;quot;); a backslash escape's
// punctuation character may be written as an entity (\&quot;).
var (
	oracleEnt      = `&(?:amp;){0,3}(?:#([0-9]{1,8});|#[xX]([0-9a-fA-F]{1,8});|(amp|lt|gt|quot|apos);)`
	oracleEntCut   = `&(?:amp;){0,3}(?:#(?:[0-9]{0,8}|[xX][0-9a-fA-F]{0,8})?|a|am|amp|ap|apo|apos|l|lt|g|gt|q|qu|quo|quot)?`
	oracleEscWhole = regexp.MustCompile(`^(?:\\{1,8}(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|x\{([0-9a-fA-F]{1,6})\}|U([0-9a-fA-F]{8})|u\{([0-9a-fA-F]{1,6})\}|([nrtbfave -%'-/:-@\[\]-\x60{-~])|([0-3][0-7]{0,2}|[4-7][0-7]?)|(` + oracleEnt + `))|` + oracleEnt + `)`)
	oracleEscCut   = regexp.MustCompile(`^(?:\\{1,8}(?:u[0-9a-fA-F]{0,3}|x[0-9a-fA-F]?|x\{[0-9a-fA-F]{0,6}|U[0-9a-fA-F]{0,7}|u\{[0-9a-fA-F]{0,6}|[0-3][0-7]?|[4-7]|` + oracleEntCut + `|` + oracleAmpEscape + oracleEntCut[1:] + `)?|` + oracleEntCut + `)$`)
	// An entity whose '&' is written as a backslash escape (\u0026quot;).
	oracleAmpEscape = `(?:u0026|x26|U00000026|[ux]\{0{0,4}26\})`
	oracleAmpEsc    = regexp.MustCompile(`^\\{1,8}` + oracleAmpEscape + `(` + oracleEnt[1:] + `)`)
)

// oraclePunct are the characters a backslash escape stands for as they are.
const oraclePunct = "!\"#$%'()*+,-./:;<=>?@[]^_`{|}~"

// oracleEsc returns the end of the character escape at in[i] and the bytes
// it stands for, or 0.
func oracleEsc(in []byte, i int) (int, []byte) {
	if m := oracleAmpEsc.FindSubmatch(in[i:]); m != nil {
		if r := oracleEntity(m[2], m[3], m[4]); r <= 0x10FFFF {
			return i + len(m[0]), oracleChar(r)
		}
		if n := oracleAmps(append([]byte{'&'}, m[1]...)); n > 1 {
			return i + len(m[0]) - len(m[1]) + n - 1, []byte{'&'}
		}
	}
	m := oracleEscWhole.FindSubmatch(in[i:])
	if m == nil {
		return 0, nil
	}
	var r int64
	switch {
	case m[6] != nil:
		r = int64(m[6][0])
		if k := strings.IndexByte("nrtbfave", m[6][0]); k >= 0 {
			r = int64("\n\r\t\b\f\a\v\x1b"[k])
		}
	case m[7] != nil:
		b, _ := strconv.ParseInt(string(m[7]), 8, 64)
		return i + len(m[0]), []byte{byte(b)}
	case m[8] != nil:
		r = oracleEntity(m[9], m[10], m[11])
		slashes := bytes.Repeat([]byte{'\\'}, len(m[0])-len(m[8]))
		if r > 0x10FFFF {
			// Beyond Unicode: no entity, but an '&' escaped again
			// before it is one.
			if n := oracleAmps(m[8]); n > 1 {
				return i + len(slashes) + n, append(slashes, '&')
			}
			return 0, nil
		}
		if r >= 0x80 || !strings.ContainsRune(oraclePunct, rune(r)) {
			// Backslashes before an entity of another character stand
			// for themselves, and the entity for its character.
			return i + len(m[0]), append(slashes, oracleChar(r)...)
		}
	case m[1] == nil && m[2] == nil && m[3] == nil && m[4] == nil && m[5] == nil:
		r = oracleEntity(m[12], m[13], m[14])
		if n := oracleAmps(m[0]); r > 0x10FFFF && n > 1 {
			return i + n, []byte{'&'} // as above
		}
	default:
		for _, g := range [][]byte{m[1], m[2], m[3], m[4], m[5]} {
			if g != nil {
				r, _ = strconv.ParseInt(string(g), 16, 64)
			}
		}
	}
	if r > 0x10FFFF {
		return 0, nil
	}
	b := oracleChar(r)
	return i + len(m[0]), b
}

// oracleChar returns the bytes of the character r stands for: its UTF-8
// form, a surrogate half's three bytes.
func oracleChar(r int64) []byte {
	if r >= 0xD800 && r <= 0xDFFF {
		return []byte{0xED, byte(0x80 | (r>>6)&0x3F), byte(0x80 | r&0x3F)}
	}
	return utf8.AppendRune(nil, rune(r))
}

// oracleAmps returns the length of the '&' that starts ent and the
// "amp;" after it.
func oracleAmps(ent []byte) int {
	n := 1
	for bytes.HasPrefix(ent[n:], []byte("amp;")) {
		n += 4
	}
	return n
}

// oracleEntity returns the character of an entity from its decimal, hex
// or named group.
func oracleEntity(dec, hex, name []byte) int64 {
	switch {
	case dec != nil:
		r, _ := strconv.ParseInt(string(dec), 10, 64)
		return r
	case hex != nil:
		r, _ := strconv.ParseInt(string(hex), 16, 64)
		return r
	}
	return int64(map[string]rune{"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\''}[string(name)])
}

// oracleDecode decodes in as escape.go and decode.go specify: left to
// right, an ESC followed by '[', parameter bytes 0x30-0x3F, intermediate
// bytes 0x20-0x2F but '&' and a final byte 0x40-0x7E but '\', at most
// maxEscLen bytes, is
// taken out unless maxEscRun sequences were taken out since the last
// character (and on is true: no needle contains ESC); a character escape is
// replaced by its character. A sequence or character escape still
// incomplete at the end is left out of the view unless eof.
func oracleDecode(in []byte, eof, on bool) decoded {
	d := decoded{pend: -1}
	run := 0
	plain := func(i, j int, b ...byte) {
		for _, c := range b {
			d.view = append(d.view, c)
			d.atS = append(d.atS, i)
			d.atE = append(d.atE, j)
		}
		run = 0
	}
	for i := 0; i < len(in); {
		// A line break that ends a payload line (wrap.go) is taken out.
		if (in[i] == '\n' || in[i] == '\r') && oraclePayloadLine(oracleLine(in[:i])) {
			switch {
			case in[i] == '\n':
				run = 0
				i++
				continue
			case i+1 < len(in) && in[i+1] == '\n':
				run = 0
				i += 2
				continue
			case i+1 == len(in) && !eof:
				return d // a "\r" that may begin one: not yet part of the view
			}
		}
		if on && in[i] == 0x1b && run < maxEscRun {
			j := i + 1
			complete, pending := false, false
			if j == len(in) {
				pending = true
			} else if in[j] == '[' {
				j++
				for j < len(in) && j-i < maxEscLen && in[j] >= 0x30 && in[j] <= 0x3f {
					j++
				}
				for j < len(in) && j-i < maxEscLen && in[j] >= 0x20 && in[j] <= 0x2f && in[j] != '&' {
					j++
				}
				switch {
				case j == len(in):
					pending = true
				case j-i < maxEscLen && in[j] >= 0x40 && in[j] <= 0x7e && in[j] != '\\':
					complete = true
					j++
				}
			}
			if complete {
				d.seqs = append(d.seqs, [2]int{i, j})
				run++
				i = j
				continue
			}
			if pending && !eof {
				break // not yet part of the view
			}
		}
		if in[i] == '\\' || in[i] == '&' {
			if oracleEscCut.Match(in[i:]) {
				// The rest may still become a (longer) escape: not yet
				// part of the view; at the end, plain text.
				if !eof {
					d.pend = i
					break
				}
			} else if j, b := oracleEsc(in, i); j > 0 {
				plain(i, j, b...)
				i = j
				continue
			}
		}
		plain(i, i+1, in[i])
		i++
	}
	return d
}

// oracleLineCtx is the input before the bytes oracleDecode looks at (a Live
// oracle's window after a swap): the line they begin may start there.
var oracleLineCtx []byte

// oracleLine returns b after the end of oracleLineCtx's last line (at most
// maxPayloadLine+1 bytes of it: enough to tell a payload line).
func oracleLine(b []byte) []byte {
	ctx := oracleLineCtx
	if len(ctx) == 0 || bytes.IndexByte(b, '\n') >= 0 {
		return b
	}
	if len(ctx) > maxPayloadLine+1 {
		ctx = ctx[len(ctx)-maxPayloadLine-1:]
	}
	return append(append([]byte(nil), ctx...), b...)
}

// oraclePayloadLine reports whether b ends with a whole line (from the start
// of b or after a "\n") of wrapMinRun to maxPayloadLine base64 characters.
func oraclePayloadLine(b []byte) bool {
	n := 0
	for n < len(b) && strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_", b[len(b)-1-n]) >= 0 {
		n++
	}
	return n >= wrapMinRun && n <= maxPayloadLine && (n == len(b) || b[len(b)-1-n] == '\n')
}

// decodingOn reports whether a Writer with these needles takes terminal
// escapes out of the view.
func decodingOn(needles []string) bool {
	for _, n := range needles {
		if strings.IndexByte(n, 0x1b) >= 0 {
			return false
		}
	}
	return true
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

// oracleHold returns the hold of in (not at the end of the stream) in input
// bytes: the longest suffix of the input that is a proper needle prefix, or
// the longest such suffix of the view mapped back to the input (with the
// sequences after its last character, and a pending one), whichever
// reaches further back.
func oracleHold(needles []string, in []byte) int {
	h, _ := naiveHold(needles, in)
	d := oracleDecode(in, false, decodingOn(needles))
	if vh, _ := naiveHold(needles, d.view); vh > 0 {
		h = max(h, len(in)-d.atS[len(d.view)-vh])
	}
	if d.pend >= 0 {
		h = max(h, len(in)-d.pend)
	}
	return h
}

// oracleRegions returns the merged regions of in: every occurrence of every
// needle in the input and in its view (mapped back to the input),
// overlapping and adjacent ones merged. With eof, the end-of-stream rule
// adds a held tail of EOFMaskLength bytes or more, of the input or of the
// view. Each region carries the needle id that names it: the occurrence
// starting first, then ending first, then the lowest id; and the escape
// sequences inside it.
func oracleRegions(needles []string, in []byte, eof bool) []occ {
	d := oracleDecode(in, eof, decodingOn(needles))
	var occs []occ
	for id, n := range needles {
		for i := 0; i+len(n) <= len(in); i++ {
			if string(in[i:i+len(n)]) == n {
				occs = append(occs, occ{s: i, e: i + len(n), id: id})
			}
		}
		for i := 0; i+len(n) <= len(d.view); i++ {
			if string(d.view[i:i+len(n)]) == n {
				occs = append(occs, occ{s: d.atS[i], e: d.atE[i+len(n)-1], id: id})
			}
		}
	}
	if eof {
		if h, id := naiveHold(needles, in); h >= EOFMaskLength {
			occs = append(occs, occ{s: len(in) - h, e: len(in), tail: 1, id: id})
		}
		if h, id := naiveHold(needles, d.view); h >= EOFMaskLength {
			occs = append(occs, occ{s: d.atS[len(d.view)-h], e: len(in), tail: 1, id: id})
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
	for k := range regs {
		for _, q := range d.seqs {
			if q[0] >= regs[k].s && q[1] <= regs[k].e {
				regs[k].csis = append(regs[k].csis, in[q[0]:q[1]]...)
				regs[k].seqs = append(regs[k].seqs, q)
			}
		}
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
		b.Write(r.csis)
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
	safe := len(in) - oracleHold(needles, in)
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
		b.Write(r.csis)
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
