package redact

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// needleSet collects distinct needles of at least minLen bytes, remembering
// which secret produced each one first.
type needleSet struct {
	minLen int
	seen   map[string]bool
	list   []string
	owner  []int   // index into the secrets given to Compile
	pub    []int32 // length of each needle's public prefix (see publicPrefix)
	public string  // the public prefix of the value whose forms are being added
}

func newNeedleSet(minLen int) *needleSet {
	return &needleSet{minLen: minLen, seen: make(map[string]bool)}
}

// add normalises n and keeps it if it is long enough and new. Normalising
// trims surrounding whitespace and a leading '%' or ':', so that no needle
// starts with a byte that ends ordinary output ("\n", "\r", " " after ':',
// "%"): such output is then never held back unless it really continues a
// secret. A form that was long enough before normalising stays a needle down
// to HardMinLength, so that a secret starting with '%' or ':' ("%Xy7#kQ2") is
// masked (all but that first byte) rather than dropped without a warning.
func (s *needleSet) add(n string, owner int) {
	n = strings.TrimSpace(n)
	long := len(n) >= s.minLen
	for strings.HasPrefix(n, "%") || strings.HasPrefix(n, ":") {
		n = strings.TrimSpace(n[1:])
	}
	if !long || len(n) < HardMinLength || s.seen[n] {
		return
	}
	s.seen[n] = true
	if c, ok := cesu8(n); ok {
		defer s.add(c, owner)
	}
	s.list = append(s.list, n)
	s.owner = append(s.owner, owner)
	k := 0
	for k < len(n) && k < len(s.public) && n[k] == s.public[k] {
		k++
	}
	s.pub = append(s.pub, int32(k))
}

// holds reports whether v, normalised as add normalises it, is in the set.
func (s *needleSet) holds(v string) bool {
	n := strings.TrimSpace(v)
	for strings.HasPrefix(n, "%") || strings.HasPrefix(n, ":") {
		n = strings.TrimSpace(n[1:])
	}
	return s.seen[n]
}

// addEncoded adds an encoder's form f of a value as the view matches it:
// with its character escapes decoded (decode.go), so that the forms of all
// encoders that differ only in which characters they escape, and how, are
// one needle. When f ends inside what may be an escape, whose reading then
// depends on the bytes after it, f itself is kept too, and so is the
// decoded form up to that escape: a value's trailing backslash, written
// `\\`, followed by the closing quote reads as an escaped quote in the
// view (`\\"` is `\"` escaped again), so that in a spelling other than f
// (Python's ascii() of a value ending in a backslash) only the form before
// it can match. Its last characters then show.
func (s *needleSet) addEncoded(f string, owner int) {
	d := decodeString(f)
	s.add(d, owner)
	if k := pendingEscape(f); k >= 0 {
		if d != f {
			s.add(f, owner)
		}
		s.add(decodeString(f[:k]), owner)
	}
}

// escapesCollapse reports whether every JSON form of v (as each encoder
// escapes it, and escaped twice) and every entity form decodes to v itself
// (or its CESU-8 form, see cesu8), so that Compile need not derive them:
// v is valid UTF-8 without '\\' or '&' (whose escapes could join the
// characters after them), without a control character other than JSON's
// short ones and without the characters PyYAML writes with escapes of its
// own (\N \_ \L \P). TestEscapesCollapse checks it.
func escapesCollapse(v string) bool {
	if !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		switch {
		case r == '\\' || r == '&' || r == 0x7f:
			return false
		case r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\b' && r != '\f':
			return false
		case r == 0x85 || r == 0xA0 || r == 0x2028 || r == 0x2029:
			return false
		}
	}
	return true
}

// pendingEscape returns where the character escape (decode.go) that f ends
// with starts, when the bytes after f may still complete it as decodeString
// reads f, or -1.
func pendingEscape(f string) int {
	b := []byte(f)
	for i := 0; i < len(b); {
		if c := b[i]; c == '\\' || c == '&' {
			switch st, end, _ := decodeEsc(b, i); st {
			case decMore:
				return i
			case decDone:
				i = end
				continue
			}
		}
		i++
	}
	return -1
}

// cesu8 returns n with each character above U+FFFF written as its UTF-16
// surrogate pair, each half in three bytes (CESU-8): what the view makes of
// such a character written as two escapes (\ud83d\ude00). ok is false when
// n has no such character.
func cesu8(n string) (string, bool) {
	if !hasFourByte(n) {
		return "", false
	}
	var b []byte
	for i := 0; i < len(n); {
		r, size := utf8.DecodeRuneInString(n[i:])
		if r > 0xFFFF {
			if b == nil {
				b = append(make([]byte, 0, len(n)+len(n)/2), n[:i]...)
			}
			r1, r2 := utf16.EncodeRune(r)
			b = appendWTF8(appendWTF8(b, r1), r2)
		} else if b != nil {
			b = append(b, n[i:i+size]...)
		}
		i += size
	}
	return string(b), b != nil
}

// hasFourByte reports whether s holds a byte that starts a four-byte UTF-8
// sequence (a character above U+FFFF).
func hasFourByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xF0 {
			return true
		}
	}
	return false
}

// publicPrefix returns the part of a value that is public text by
// construction: the scheme and "://" of a URL ("postgres://"), which a
// program also prints on its own ("Connect to postgres"). A needle's public
// prefix is what it shares with its value's (so the "postgres" of
// "postgres%3A%2F%2F..." too); a held suffix inside public prefixes may be
// released on idle (see automaton.relOK).
func publicPrefix(v string) string {
	i := 0
	for i < len(v) && ('a' <= v[i] && v[i] <= 'z' || 'A' <= v[i] && v[i] <= 'Z' || i > 0 && ('0' <= v[i] && v[i] <= '9' || v[i] == '+' || v[i] == '.' || v[i] == '-')) {
		i++
	}
	if i > 0 && strings.HasPrefix(v[i:], "://") {
		return v[:i+3]
	}
	return ""
}

// deriveNeedles adds every form of the (trimmed, policy-checked) value v to
// s: the forms of v itself and, for structured values, the forms of each
// part.
func deriveNeedles(s *needleSet, v string, owner int, opt Options) {
	addForms(s, v, owner, opt)
	for _, p := range maskedParts(v, s.minLen) {
		addForms(s, p, owner, opt)
	}
}

// addForms adds the raw value and every encoded form of v, without its PEM
// armour lines: a key is unarmoured whether it is a whole secret or a part of
// one (the private_key of a service-account JSON).
func addForms(s *needleSet, v string, owner int, opt Options) {
	armoured := v
	v = unarmour(v)
	s.public = publicPrefix(v)
	defer func() { s.public = "" }()
	s.add(v, owner)
	if armoured != v {
		for _, g := range pemGrams(v, max(pemGram, s.minLen)) {
			s.add(g, owner)
		}
	}
	for _, f := range multiLineForms(v) {
		s.add(f, owner)
	}
	// Forms equal to v add nothing: v is in the set (or add dropped it, as
	// it drops them), and for an encoder's form the decoded v is v itself
	// when v has no '\\' or '&' (see addEncoded). Such forms are skipped
	// before the map lookup, and forms that provably all are v (or decode
	// to it) are not derived at all.
	plain := !strings.ContainsAny(v, `\&`)
	addEnc := func(list []string) {
		for _, f := range list {
			if !plain || f != v {
				s.addEncoded(f, owner)
			}
		}
	}
	collapse := escapesCollapse(v)
	var lit []string
	if !collapse || !s.holds(v) {
		lit = stringLiteralForms(v)
		addEnc(lit)
	}
	addEnc(shellForms(v))
	if !plain || !quotesKeep(v) {
		addEnc(quotedForms(v))
	}
	if !collapse {
		jsonForms := append(encoderJSONForms(v), lit[:3]...)
		addEnc(jsonForms)
		addEnc(doubleEscaped(jsonForms))
		addEnc(entityForms(v))
	}
	for _, f := range urlForms(v) {
		if f != v {
			s.add(f, owner)
		}
	}
	b64 := base64Forms(v)
	for _, f := range b64 {
		s.add(f, owner)
	}
	for _, f := range wrapBase64(b64[0]) {
		s.add(f, owner)
	}
	if opt.Hex {
		h := hex.EncodeToString([]byte(v))
		s.add(h, owner)
		s.add(strings.ToUpper(h), owner)
	}
	if opt.Base32 {
		for _, f := range alignedForms(v, 5, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString) {
			s.add(f, owner)
		}
	}
	if opt.UTF16 {
		le, be := utf16Forms(v)
		s.add(le, owner)
		s.add(be, owner)
	}
}

// unarmour returns v without its PEM armour lines ("-----BEGIN ...-----",
// "-----END ...-----"), which are the same in every key and so not secret;
// needles that started with them would hold back and, at end of stream, mask
// an armour line printed on its own. v is returned unchanged when it has no
// armour line.
func unarmour(v string) string {
	if !strings.Contains(v, "-----BEGIN") && !strings.Contains(v, "-----END") {
		return v
	}
	lines := strings.Split(v, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !isPEMArmour(strings.TrimSpace(l)) {
			kept = append(kept, l)
		}
	}
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

// multiLineForms returns, for a value with line breaks, the value with each
// line break written as "\n", as "\r\n" and with every run of whitespace as
// one space (what `echo $X` prints), and each line of 16 bytes or more on
// its own, except PEM armour lines (longLines).
func multiLineForms(v string) []string {
	if !strings.ContainsAny(v, "\r\n") {
		return nil
	}
	lines := valueLines(v)
	out := []string{
		strings.Join(lines, "\n"),
		strings.Join(lines, "\r\n"),
		strings.Join(strings.Fields(v), " "),
	}
	// Lines shorter than the minimum length would not be kept by needleSet.add anyway.
	return append(out, longLines(v, 0)...)
}

// pemGram is the length of the pieces of a PEM body that are needles of
// their own (see pemGrams).
const pemGram = 16

// pemGrams returns every run of n consecutive characters of the base64
// body of an unarmoured PEM block (its lines joined, header lines such as
// "Proc-Type: ..." left out). Whatever line length the key is re-wrapped at
// (openssl, a YAML block, a log line), every line of n characters or more
// is then covered by overlapping occurrences and masked whole; only a
// line shorter than n can escape.
func pemGrams(v string, n int) []string {
	var body strings.Builder
	for _, l := range strings.Split(v, "\n") {
		l = strings.TrimSpace(l)
		if strings.Contains(l, ":") {
			continue // an RFC 1421 header line
		}
		body.WriteString(l)
	}
	b := body.String()
	var out []string
	for i := 0; i+n <= len(b); i++ {
		out = append(out, b[i:i+n])
	}
	return out
}

// isPEMArmour reports whether line is a "-----BEGIN ...-----" or
// "-----END ...-----" line: identical in every key, so not secret.
func isPEMArmour(line string) bool {
	return strings.HasPrefix(line, "-----BEGIN") || strings.HasPrefix(line, "-----END")
}

// stringLiteralForms returns the string-literal forms of v: JSON as Go
// writes it (HTML-safe \u003c, \u0026, \u003e) and without HTML escaping,
// JSON with \uXXXX for every non-ASCII rune, each also with "\/", and Go's
// %q and QuoteToASCII. When escapesCollapse(v) holds they all decode to v or
// its CESU-8 form (TestEscapesCollapse), so Compile need not derive them
// once v is in the set.
func stringLiteralForms(v string) []string {
	q, _ := json.Marshal(v)
	html := unquote(string(q))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	plain := unquote(strings.TrimSuffix(buf.String(), "\n"))
	ascii := jsonASCII(plain)
	out := []string{html, plain, ascii}
	for _, f := range []string{html, plain, ascii} {
		out = append(out, strings.ReplaceAll(f, "/", `\/`))
	}
	return append(out,
		unquote(strconv.Quote(v)),
		unquote(strconv.QuoteToASCII(v)),
	)
}

// shellForms returns the shell forms of v: bash `printf %q` (backslashes,
// or $'..' for control characters) in a UTF-8 and the C locale, the inside
// of the single quotes `set -x` prints, and the inside of a double-quoted
// shell string.
func shellForms(v string) []string {
	utf := bashPrintfQ(v, false)
	c := utf
	if !isASCII(v) { // the locale only matters for bytes of 0x80 and above
		c = bashPrintfQ(v, true)
	}
	return []string{
		utf,
		c,
		strings.ReplaceAll(v, "'", `'\''`),
		shellDoubleQuoted(v),
	}
}

// unquote strips the first and last byte of a quoted literal.
func unquote(q string) string {
	if len(q) < 2 {
		return q
	}
	return q[1 : len(q)-1]
}

// jsonASCII rewrites every non-ASCII rune of an escaped JSON string body as
// \uXXXX (lower-case hex, surrogate pairs above U+FFFF), as Python's
// json.dumps and many other encoders do.
func jsonASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// bashSpecial lists the bytes bash's `printf %q` escapes with a backslash
// (bash 5, lib/sh/shquote.c: sh_backslash_quote).
const bashSpecial = " \t\n!\"$&'()*,;<>?[\\]^`{|}"

// bashSpecialSet is bashSpecial as a table.
var bashSpecialSet = func() (t [256]bool) {
	for i := 0; i < len(bashSpecial); i++ {
		t[bashSpecial[i]] = true
	}
	return t
}()

// bashPrintfQ returns v as bash's `printf %q` prints it: $'...' with C
// escapes when v holds a character that is not printable in the locale, else
// v with shell metacharacters backslash-escaped (and a leading '#' or '~').
// In a UTF-8 locale (cLocale false) printable non-ASCII characters stay as
// they are and others become \NNN octal bytes; in the C locale every byte
// of 0x80 and above does. For the $'...' form only the inside of the quotes
// is returned.
func bashPrintfQ(v string, cLocale bool) string {
	printable := func(i int) (bool, int) { // is the character at v[i] printable, and its size
		c := v[i]
		if c < utf8.RuneSelf {
			return c >= 0x20 && c != 0x7f, 1
		}
		if cLocale {
			return false, 1
		}
		r, n := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && n <= 1 {
			return false, 1
		}
		return unicode.IsPrint(r), n
	}
	if shellPlain(v) {
		return v // nothing to escape, in any locale
	}
	ansi := false
	for i := 0; i < len(v); {
		ok, n := printable(i)
		if !ok {
			ansi = true
			break
		}
		i += n
	}
	var b strings.Builder
	if !ansi {
		for i := 0; i < len(v); i++ {
			c := v[i]
			if bashSpecialSet[c] || (i == 0 && (c == '#' || c == '~')) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	for i := 0; i < len(v); {
		if e, ok := ansiCEscapes[v[i]]; ok {
			b.WriteString(e)
			i++
			continue
		}
		ok, n := printable(i)
		if ok {
			b.WriteString(v[i : i+n])
		} else {
			for k := i; k < i+n; k++ {
				fmt.Fprintf(&b, `\%03o`, v[k])
			}
		}
		i += n
	}
	return b.String()
}

// shellPlain reports whether v is printable ASCII without a byte that
// bashPrintfQ or shellDoubleQuoted escapes (and without a leading '#' or
// '~'): both write it as it is.
func shellPlain(v string) bool {
	if v != "" && (v[0] == '#' || v[0] == '~') {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f || bashSpecialSet[c] {
			return false
		}
	}
	return true
}

// ansiCEscapes are the bytes bash's `printf %q` writes as a named escape
// inside $'...'.
var ansiCEscapes = map[byte]string{
	'\a': `\a`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`, '\v': `\v`,
	0x1b: `\E`, '\\': `\\`, '\'': `\'`,
}

// shellDoubleQuoted returns the inside of "..." holding v.
func shellDoubleQuoted(v string) string {
	if !strings.ContainsAny(v, "\"\\$`") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"', '\\', '$', '`':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// urlForms returns the percent-encoded forms of v: form style (url.QueryEscape,
// "+" for space), path style (url.PathEscape, "%20"), a whole path as
// url.URL writes it, JavaScript's encodeURIComponent, the WHATWG userinfo
// set (new URL() for user:PASSWORD@host) and Python's urllib.parse.quote
// ("/" kept), each with upper- and lower-case hex.
func urlForms(v string) []string {
	if urlUnreserved(v) {
		return nil // every form is v itself
	}
	forms := []string{url.QueryEscape(v), url.PathEscape(v), encodeURIComponent(v), (&url.URL{Path: v}).EscapedPath(),
		percentEncode(v, whatwgUserinfo), percentEncode(v, pythonQuote)}
	out := forms
	for _, f := range forms {
		if l := lowerPercent(f); l != f {
			out = append(out, l)
		}
	}
	return out
}

// urlUnreserved reports whether v has only the characters no URL encoder
// escapes (RFC 3986's unreserved set: letters, digits, "-_.~"), so that
// every form of urlForms is v itself.
func urlUnreserved(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// encodeURIComponent escapes like JavaScript's function of that name.
func encodeURIComponent(v string) string {
	const keep = "-_.!~*'()"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			writeEsc(&b, "%", rune(c), 2, true)
		}
	}
	return b.String()
}

// lowerPercent lower-cases the hex digits of every %XX escape in s.
func lowerPercent(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = toLowerHex(b[i+1])
			b[i+2] = toLowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func toLowerHex(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + ('a' - 'A')
	}
	return c
}

// base64Forms returns, for the standard and URL-safe alphabets and for each
// of the three alignments v can have inside a longer encoded string, the
// characters of the encoding that depend on v alone.
func base64Forms(v string) []string {
	out := alignedForms(v, 6, base64.RawStdEncoding.EncodeToString)
	// The URL-safe alphabet is the standard one with '-' for '+' and '_'
	// for '/': a form without either is the same in both.
	for _, f := range out[:len(out):len(out)] {
		if strings.ContainsAny(f, "+/") {
			out = append(out, urlSafe.Replace(f))
		}
	}
	return out
}

// urlSafe turns standard base64 into URL-safe base64.
var urlSafe = strings.NewReplacer("+", "-", "/", "_")

// wrapBase64 returns the base64 of a value (standard alphabet, the value at
// the start of the encoded data, as `echo "$S" | base64`, `openssl base64` and
// MIME encode a whole value) wrapped at 76 and at 64 columns, with "\n" and
// with "\r\n" line breaks (a pseudo-terminal's); nil when the encoding fits
// on one line. enc is its unwrapped form with only the characters that depend
// on the value alone (the first of base64Forms), so a trailing newline or
// other data after the value does not matter.
func wrapBase64(enc string) []string {
	var out []string
	for _, width := range []int{76, 64} {
		if len(enc) <= width {
			continue
		}
		var lines []string
		for i := 0; i < len(enc); i += width {
			lines = append(lines, enc[i:min(i+width, len(enc))])
		}
		out = append(out, strings.Join(lines, "\n"), strings.Join(lines, "\r\n"))
	}
	return out
}

// alignedForms encodes v preceded by 0..k-1 filler bytes (k = the encoding's
// group size in bytes) with enc, an encoding of bits bits per character, and
// keeps the characters whose bits all come from v.
func alignedForms(v string, bits int, enc func([]byte) string) []string {
	group := 3 // bytes per group: lcm(8, bits)/8
	if bits == 5 {
		group = 5
	}
	var out []string
	pad := make([]byte, group-1+len(v)) // group-1 zero filler bytes, then v
	copy(pad[group-1:], v)
	for a := 0; a < group; a++ {
		buf := pad[group-1-a:]
		s := enc(buf)
		first := (8*a + bits - 1) / bits
		last := (8 * (a + len(v))) / bits
		if last > len(s) {
			last = len(s)
		}
		if first < last {
			out = append(out, s[first:last])
		}
	}
	return out
}

// utf16Forms returns v encoded as UTF-16LE and UTF-16BE.
func utf16Forms(v string) (le, be string) {
	u := utf16.Encode([]rune(v))
	l := make([]byte, 0, 2*len(u))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		l = append(l, byte(c), byte(c>>8))
		b = append(b, byte(c>>8), byte(c))
	}
	return string(l), string(b)
}

// structuredParts returns the secret parts of a structured value: every
// string or number leaf of a JSON object or array, every value of a
// multi-line YAML or INI document (see lineFields), the password and
// account of a .netrc, and the password of a URL or DSN
// (scheme://user:pass@host, user:pass@tcp(host)/db, key=value lists with
// password= or pwd=).
func structuredParts(v string) []string {
	var parts []string
	if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
		var doc any
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if dec.Decode(&doc) == nil {
			collectLeaves(doc, &parts, 0)
		}
	}
	parts = append(parts, lineFields(v)...)
	parts = append(parts, netrcPasswords(v)...)
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			parts = append(parts, p)
		}
	} else if at := strings.LastIndexByte(v, '@'); at > 0 && !strings.ContainsAny(v[:at], " \t\n/") {
		if c := strings.IndexByte(v[:at], ':'); c >= 0 {
			parts = append(parts, v[c+1:at])
		}
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '&' }) {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "password", "pwd", "pass", "passwd", "sharedaccesskey", "accountkey", "secret", "token":
			parts = append(parts, strings.Trim(val, `'"`))
		}
	}
	return parts
}

// collectLeaves appends every string and number leaf of a decoded JSON
// document (decoded with UseNumber, so a long number keeps its digits).
func collectLeaves(doc any, parts *[]string, depth int) {
	if depth > 32 {
		return
	}
	switch d := doc.(type) {
	case string:
		*parts = append(*parts, d)
	case json.Number:
		*parts = append(*parts, d.String())
	case map[string]any:
		// In key order, not the map's random order: Parts, and the CI masks
		// registered from them, come out the same on every run.
		for _, k := range slices.Sorted(maps.Keys(d)) {
			collectLeaves(d[k], parts, depth+1)
		}
	case []any:
		for _, x := range d {
			collectLeaves(x, parts, depth+1)
		}
	}
}
