package redact

import (
	"bytes"
	"fmt"
	"html"
	"math/rand"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

func TestDecodeEsc(t *testing.T) {
	tests := []struct {
		in     string
		status int
		end    int
		r      rune
	}{
		{`\u003d`, decDone, 6, '='},
		{`\u003D!`, decDone, 6, '='},
		{`\\u003d`, decDone, 7, '='},                  // escaped again
		{`\\\\\\\\u003d`, decDone, 13, '='},           // eight backslashes
		{`\\\\\\\\\u003d`, decNone, 0, 0},             // nine: the first is plain
		{`\xE9`, decDone, 4, 'é'},                     // PyYAML: the character U+00E9
		{`\x{20ac}`, decDone, 8, '€'},                 // Perl
		{`\U0001F600`, decDone, 10, '😀'},              // Python, PyYAML
		{`\UFFFFFFFF`, decNone, 0, 0},                 // beyond Unicode
		{`\u{1f600}`, decDone, 9, '😀'},                // JavaScript, Rust
		{`\u{1234567}`, decNone, 0, 0},                // seven digits
		{`\/`, decDone, 2, '/'},                       // PHP's json_encode
		{`\ud83d`, decDone, 6, 0xD83D},                // a surrogate half
		{`&#61;`, decDone, 5, '='},                    // decimal
		{`&#x3D;`, decDone, 6, '='},                   // hex
		{`&#X3d;`, decDone, 6, '='},                   // either case
		{`&#0000039;`, decDone, 10, '\''},             // leading zeros
		{`&#1114112;`, decNone, 0, 0},                 // beyond Unicode
		{`&amp;x`, decDone, 5, '&'},                   // named
		{`&amp;`, decMore, 0, 0},                      // may be an entity escaped again
		{`&amp;quot;`, decDone, 10, '"'},              // HTML escaped twice
		{`&amp;amp;#x27;`, decDone, 14, '\''},         // three times
		{`&amp;amp;amp;amp;quot;`, decDone, 17, '&'},  // five times: too deep
		{`&amp;amp;`, decMore, 0, 0},                  // cut
		{`&amp;amp;x`, decDone, 9, '&'},               // & escaped twice
		{`&amp;nbsp;`, decDone, 5, '&'},               // not an entity of the five
		{`\&quot;`, decDone, 7, '"'},                  // JSON inside HTML
		{`\\\&#34;`, decDone, 8, '"'},                 // escaped again, inside HTML
		{`\&#x41;`, decDone, 7, 1<<slashShift | 'A'},  // a letter: the backslash and the letter
		{`\\&amp;x`, decDone, 7, 2<<slashShift | '&'}, // '&' too
		{`\&amp;`, decMore, 0, 0},                     // cut: may be \&amp;quot;
		{`\&quo`, decMore, 0, 0},                      // cut
		{`\1x`, decDone, 2, byteRune | 1},             // octal, 1 digit (Perl's Data::Dumper)
		{`\37x`, decDone, 3, byteRune | 037},          // 2 digits
		{`\177`, decDone, 4, byteRune | 0177},         // 3 digits
		{`\4000`, decDone, 3, byteRune | 040},         // at most 2 from 4-7
		{`\3777`, decDone, 4, byteRune | 0377},
		{`\1`, decMore, 0, 0},               // cut: more digits may follow
		{`\37`, decMore, 0, 0},              // cut
		{`\47`, decDone, 3, byteRune | 047}, // complete
		{`\8`, decNone, 0, 0},
		{`\u0026quot;`, decDone, 11, '"'},         // HTML inside Go's, Gson's, .NET's JSON
		{`\\u0026amp;lt;`, decDone, 14, '<'},      // escaped again
		{`\x{26}#39;`, decDone, 10, '\''},         // any escape of '&'
		{`\u0026`, decMore, 0, 0},                 // cut: may be \u0026quot;
		{`\u0026x`, decDone, 6, '&'},              // an '&' on its own
		{`\u0026#x110000;`, decDone, 6, '&'},      // no entity: the '&' alone
		{`\u0026amp;#x110000;`, decDone, 10, '&'}, // the '&' escaped twice                 // not octal
		{`&apos;x`, decDone, 6, '\''},             // named
		{`&nbsp;`, decNone, 0, 0},                 // only the five of XML
		{`&#61`, decMore, 0, 0},                   // cut: may end with ';'
		{`&am`, decMore, 0, 0},                    // cut
		{`&`, decMore, 0, 0},                      // cut
		{`\u00`, decMore, 0, 0},                   // cut
		{`\\\`, decMore, 0, 0},                    // cut
		{`\u{1f`, decMore, 0, 0},                  // cut
		{`\n`, decDone, 2, '\n'},                  // JSON's short escapes
		{`\\t`, decDone, 3, '\t'},                 // escaped again
		{`\"`, decDone, 2, '"'},                   // punctuation stands for itself
		{`\$`, decDone, 2, '$'},                   // a shell's or Perl's double quotes
		{`\&amp ;`, decNone, 0, 0},                // but '&', which starts an entity
		{`\q`, decNone, 0, 0},                     // a letter that is no escape
		{`\ `, decDone, 2, ' '},                   // a shell's escaped space
		{`\u00g0`, decNone, 0, 0},                 // not hex
		{`& b`, decNone, 0, 0},                    // an ampersand in prose
		{`&#x;`, decNone, 0, 0},                   // no digit
		{`C:\\Users`, decNone, 0, 0},              // a path
		{"\\u00\x1b[1m41", decNone, 0, 0},         // a terminal escape inside: no escape
		{`\x4`, decMore, 0, 0},                    // cut
		{`\x4g`, decNone, 0, 0},                   // not hex
		{`&#123456789;`, decNone, 0, 0},           // nine digits
		{`&#xABCDEF012;`, decNone, 0, 0},          // nine hex digits
		{`\u{}`, decNone, 0, 0},                   // no digit
		{`\U0010FFFF`, decDone, 10, 0x10FFFF},     // the last code point
	}
	for _, tt := range tests {
		st, end, r := decodeEsc([]byte(tt.in), 0)
		if st != tt.status || st == decDone && (end != tt.end || r != tt.r) {
			t.Errorf("decodeEsc(%q) = %d, %d, %U; want %d, %d, %U", tt.in, st, end, r, tt.status, tt.end, tt.r)
		}
	}
}

// escapeStyles write one character as the encoders and languages do.
var escapeStyles = []struct {
	name string
	f    func(r rune) string
}{
	{`\u lower`, func(r rune) string { return utf16Esc(r, `\u%04x`) }},
	{`\u upper`, func(r rune) string { return utf16Esc(r, `\u%04X`) }},
	{`\\u (escaped again)`, func(r rune) string { return utf16Esc(r, `\\u%04x`) }},
	{`\U`, func(r rune) string { return fmt.Sprintf(`\U%08x`, r) }},
	{`\u{}`, func(r rune) string { return fmt.Sprintf(`\u{%X}`, r) }},
	{`\x{}`, func(r rune) string { return fmt.Sprintf(`\x{%x}`, r) }},
	{`\x`, func(r rune) string {
		if r > 0xff {
			return utf16Esc(r, `\u%04x`) // Python writes \u above U+00FF
		}
		return fmt.Sprintf(`\x%02X`, r)
	}},
	{`&#NN;`, func(r rune) string { return fmt.Sprintf("&#%d;", r) }},
	{`&#xNN;`, func(r rune) string { return fmt.Sprintf("&#x%x;", r) }},
	{`&#XNN;`, func(r rune) string { return fmt.Sprintf("&#X%X;", r) }},
	{`&amp;#NN; (HTML escaped twice)`, func(r rune) string { return fmt.Sprintf("&amp;#%d;", r) }},
	{`\&quot; (JSON inside HTML)`, func(r rune) string {
		switch {
		case r == '"' || r == '\'': // JSON's \" (and JavaScript's \'), then HTML-escaped
			return `\` + html.EscapeString(string(r))
		case strings.ContainsRune("<>&", r):
			return html.EscapeString(string(r))
		}
		return utf16Esc(r, `\u%04X`)
	}},
	{`\NNN (octal)`, func(r rune) string {
		if r < 0x80 {
			return fmt.Sprintf(`\%03o`, r)
		}
		return fmt.Sprintf(`\x{%x}`, r)
	}},
}

// utf16Esc writes r with format, as a surrogate pair above U+FFFF.
func utf16Esc(r rune, format string) string {
	if r > 0xFFFF {
		r1, r2 := utf16.EncodeRune(r)
		return fmt.Sprintf(format, r1) + fmt.Sprintf(format, r2)
	}
	return fmt.Sprintf(format, r)
}

// spellings of the test values: every character in one style, and random
// mixes of styles and plain characters.
func spellings(v string, r *rand.Rand) map[string]string {
	out := make(map[string]string)
	for _, st := range escapeStyles {
		var b strings.Builder
		for _, c := range v {
			b.WriteString(st.f(c))
		}
		out["every character as "+st.name] = b.String()
	}
	for k := 0; k < 20; k++ {
		var b strings.Builder
		for _, c := range v {
			if r.Intn(3) == 0 {
				b.WriteRune(c)
				continue
			}
			b.WriteString(escapeStyles[r.Intn(len(escapeStyles))].f(c))
		}
		out[fmt.Sprintf("random mix %d", k)] = b.String()
	}
	return out
}

// Issue 9 §1: any character of a value may be written as an escape, in
// any style and any mix; every spelling is masked whole, in one string and
// streamed a byte at a time.
func TestAnyCharacterSpelledAsAnEscape(t *testing.T) {
	values := []string{
		"CANARY-plain-ascii-value-0123",
		"CANARY-p=q'r+s<t>u&v/w\"x-tail",
		"CANARY-ünï-€-😀-tail",
	}
	var secrets []Secret
	for i, v := range values {
		secrets = append(secrets, Secret{Name: fmt.Sprint("V", i), Value: v})
	}
	m, skipped := Compile(secrets, Options{})
	if len(skipped) > 0 {
		t.Fatalf("skipped: %v", skipped)
	}
	r := rand.New(rand.NewSource(9))
	for _, v := range values {
		for name, s := range spellings(v, r) {
			in := `{"msg": "login ` + s + `" }`
			want := `{"msg": "login ` + DefaultToken + `" }`
			if got := m.MaskString(in); got != want {
				t.Errorf("%s of %q:\n  in:   %q\n  got:  %q", name, v, in, got)
			}
			var out bytes.Buffer
			w := m.NewWriter(&out, 0)
			for i := 0; i < len(in); i++ {
				_, _ = w.Write([]byte{in[i]})
			}
			_ = w.Close()
			if out.String() != want {
				t.Errorf("%s of %q, streamed a byte at a time:\n  got:  %q", name, v, out.String())
			}
		}
	}
}

// The oracle property with character escapes: inputs made of needles of
// compiled secrets, whole or cut, with random characters respelled as
// escapes (terminal escapes among them), against the naive oracle at every
// split.
func TestRandomizedCharacterEscapes(t *testing.T) {
	r := rand.New(rand.NewSource(17))
	const alpha = "abcXY01=/'\"\\&<é€😀;#ux{}"
	iters := 200
	if testing.Short() {
		iters = 30
	}
	for it := 0; it < iters; it++ {
		var secrets []Secret
		for k := 0; k < 1+r.Intn(4); k++ {
			secrets = append(secrets, Secret{Name: fmt.Sprint("S", k), Value: randRunes(r, alpha, 8+r.Intn(16))})
		}
		m, _ := Compile(secrets, Options{})
		needles := m.a.needles
		if len(needles) == 0 {
			continue
		}
		var in []byte
		for len(in) < 600 {
			switch r.Intn(5) {
			case 0:
				in = append(in, randRunes(r, alpha, r.Intn(10))...)
			case 1:
				in = append(in, fuzzEscapes[r.Intn(len(fuzzEscapes))]...)
			default:
				n := needles[r.Intn(len(needles))]
				if r.Intn(4) == 0 {
					n = n[:1+r.Intn(len(n))]
				}
				in = append(in, respellWith(r, n, 3)...) // a needle cut inside a character ends with U+FFFD: noise
			}
		}
		sizes := splitSizes(len(in), func() int {
			if r.Intn(2) == 0 {
				return 1
			}
			return 1 + r.Intn(40)
		})
		checkStream(t, needles, nil, in, sizes)
		if t.Failed() {
			return
		}
	}
}

// An escape cut by a write boundary is held back, so that the secret it
// begins is masked from its first byte; text that only looks like the
// start of an escape is written once the next byte shows it is not one.
func TestCutEscapeIsHeld(t *testing.T) {
	m, _ := Compile([]Secret{{Name: "S", Value: "CANARY-held-0123"}}, Options{})
	var out bytes.Buffer
	w := m.NewWriter(&out, 0)
	_, _ = w.Write([]byte(`a&b \u00`))
	if got := out.String(); got != `a&b ` {
		t.Errorf("after a cut escape: wrote %q, want %q", got, `a&b `)
	}
	_, _ = w.Write([]byte(`43ANARY-held-0123 & done &`))
	if got := out.String(); got != `a&b `+DefaultToken+` & done ` {
		t.Errorf("after the secret: wrote %q", got)
	}
	_ = w.Close()
	if got := out.String(); got != `a&b `+DefaultToken+` & done &` {
		t.Errorf("at the end: wrote %q", got)
	}
}

// Compile leaves out the JSON, Go string-literal and entity forms of a
// value when escapesCollapse says they all decode to the value: check that
// each does (or to its CESU-8 form, also a needle) and does not end inside
// an escape (which addEncoded would keep as it is), for random values over
// the characters encoders treat specially.
func TestEscapesCollapse(t *testing.T) {
	r := rand.New(rand.NewSource(23))
	const alpha = "&aZ09 \"'<>=+/`$@!#%^*()[]{}|;:,.?~-_\n\r\t\b\féü€😀\u00ff\u0100\u07ff\u0800\u200b\u2066\ufffd\U000e0001"
	checked := 0
	for it := 0; it < 4000; it++ {
		v := randRunes(r, alpha, 1+r.Intn(24))
		if !escapesCollapse(v) {
			continue
		}
		checked++
		cesu, _ := cesu8(v)
		jsonForms := append(encoderJSONForms(v), stringLiteralForms(v)[:3]...)
		for _, list := range [][]string{jsonForms, doubleEscaped(jsonForms), entityForms(v), stringLiteralForms(v)} {
			for _, f := range list {
				if d := decodeString(f); d != v && d != cesu {
					t.Fatalf("form %q of %q decodes to %q", f, v, d)
				}
				if pendingEscape(f) >= 0 {
					t.Fatalf("form %q of %q ends inside an escape", f, v)
				}
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d values checked", checked)
	}
	for _, v := range []string{`a\b`, "a&amp;b", "a\x01b", "a\u2028b", "a\x7fb", "\xff"} {
		if escapesCollapse(v) {
			t.Errorf("escapesCollapse(%q) = true", v)
		}
	}
}

// randRunes returns k characters drawn from alpha.
func randRunes(r *rand.Rand, alpha string, k int) string {
	rs := []rune(alpha)
	out := make([]rune, k)
	for i := range out {
		out[i] = rs[r.Intn(len(rs))]
	}
	return string(out)
}

// A held cut escape with nothing secret before it is released after an
// idle pause, as a prompt must not wait for the next write.
func TestCutEscapeReleasedOnIdle(t *testing.T) {
	m, _ := Compile([]Secret{{Name: "S", Value: "CANARY-held-0123"}}, Options{})
	var out syncBuffer
	w := m.NewWriter(&out, 10*time.Millisecond)
	defer w.Close()
	_, _ = w.Write([]byte(`Code \u00`))
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != `Code \u00` && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := out.String(); got != `Code \u00` {
		t.Fatalf("after an idle pause: wrote %q", got)
	}
}

// BenchmarkThroughputEscaped: text in which most characters are escapes:
// Chinese log lines as Python's json.dumps writes them (every character
// \uXXXX) and an HTML page full of entities, 200 secrets.
func BenchmarkThroughputEscaped(b *testing.B) {
	var text bytes.Buffer
	r := rand.New(rand.NewSource(5))
	for text.Len() < 8<<20 {
		text.WriteString(`{"level":"info","msg":"`)
		for k := 0; k < 20; k++ {
			fmt.Fprintf(&text, `\u%04x`, 0x4e00+r.Intn(0x5000))
		}
		text.WriteString(`"}` + "\n")
		text.WriteString("<td>Tom &amp; Jerry&#39;s &lt;b&gt; &#x4e2d;&#25991;</td>\n")
	}
	forMixes(b, func(b *testing.B, secrets []Secret) {
		benchStream(b, benchMatcher(b, secrets), text.Bytes(), 32<<10, 0)
	})
}

// A character escape that is cut by a write and then fails after 9 bytes
// whose last is a backslash is not a run of 9 backslashes: its bytes are
// characters of the view and the backslash may start the next escape.
// (The parser once took any such failure for a too long backslash run,
// dropped the first byte and decoded '#' or a backslash in its place, so a
// secret written just after was not masked.)
func TestCutEscapeFailingOnBackslash(t *testing.T) {
	for _, c := range []struct{ needle, in string }{
		{"AAaA", `&#xAAaAA\u0041aA.`},   // an entity of 5 hex digits, then \u0041: AAaA twice in the view
		{"\ncdefg", `\\\\\\\u\ncdefg.`}, // 7 backslashes and a u: plain; \n is the secret's first character
		{"\ncdefg", `\\\\\\\x\ncdefg.`},
		{"\ncdefg", `x&#123456\ncdefg.`},
	} {
		in := []byte(c.in)
		for k := 1; k < len(in); k++ {
			checkStream(t, []string{c.needle}, nil, in, []int{k, len(in) - k})
		}
	}
}

// Escapes whose end shows only at the byte after them (an octal escape of
// 1 or 2 digits, an entity escaped again whose inner entity fails), and a
// backslash before an entity of a letter, cut by a write at every byte:
// the streaming Writer is the oracle's.
func TestEscapesEndingBeforeNextByte(t *testing.T) {
	for _, c := range []struct{ needle, in string }{
		{"\x01-tail-xyz", `soh \1-tail-xyz.`},      // Perl's Data::Dumper
		{"\x1f7-tail-xyz", `us \0377-tail-xyz.`},   // 3 digits, then a digit
		{"&qx-secret", `a &amp;qx-secret.`},        // &amp; and then no entity
		{"&q-secret", `a &amp;amp;q-secret.`},      // & escaped twice
		{`"q-secret`, `a &amp;amp;quot;q-secret.`}, // HTML escaped three times
		{`\bcdefg`, `x \&#x62;cdefg.`},             // \ and an entity of a letter
		{`"cdefg`, `x \\\&quot;cdefg.`},            // JSON twice inside HTML
		{`\\&cdefg`, `x \\&amp;cdefg.`},            // backslashes before &amp;
		{`"q-secret`, `a \u0026quot;q-secret.`},    // HTML inside JSON
		{`&q-secret`, `a \u0026q-secret.`},         // an escaped '&' alone
		{"&#x110000;", `a &amp;#x110000;b`},        // beyond Unicode: &amp; alone is the entity
		{"&#1114112;", `a &amp;amp;#1114112;b`},    // &amp;amp; is '&'
		{`\&#x110000;`, `a \&amp;#x110000;b`},      // \ and '&'
	} {
		in := []byte(c.in)
		if m := newMatcher([]string{c.needle}, nil, Options{}); !strings.Contains(m.MaskString(c.in), DefaultToken) {
			t.Errorf("%q: %q not found", c.in, c.needle)
		}
		for k := 0; k <= len(in); k++ {
			checkStream(t, []string{c.needle}, nil, in, []int{k, len(in) - k})
		}
		checkStream(t, []string{c.needle}, nil, in, ones(len(in)))
	}
}

// escapePieces are bits of output a random input is made of: escapes whole
// and cut, runs of backslashes shorter and longer than maxDecSlash, entities
// escaped again, JSON inside HTML, octal escapes of 1 to 3 digits, and
// terminal escapes.
var escapePieces = []string{`\u00`, `\u0041`, `\x41`, `\x{41}`, `\u{1F600}`, `&#65;`, `&#x41;`, `&amp;`, `&quot;`,
	`\\`, `\\\\\\\\\\`, `\"`, `\101`, `\n`, `\ud83d`, `\ude00`, `&`, `\`, "\x1b[1m", "\x1b[", "\x1b[m\x1b[K", `&#`, `&#x`,
	`\U0001F600`, `\e`, "\x1b", `&amp;quot;`, `&amp;amp;`, `\&quot;`, `\&#x62;`, `\&amp;`, `\1`, `\37`, `\4`, `\&`,
	`&amp;#x4`, `\\&#34;`, `&amp;amp;amp;amp;lt;`, `\141`, `\0`, `&amp;a`, `&#123456`, `\\\\\\\u`, `\u0026quot;`, `\u0026`, `\x26amp;`, `\\u0026#3`, `\u{26}#x4`}

// The oracle property for needles that hold the bytes of escapes
// themselves (backslashes, '&', digits, ESC, surrogate halves) rather than
// needles derived by Compile: inputs of escape pieces and needles with
// random characters respelled, at random write splits, for the strict and
// the terminal Writer.
func TestRandomizedArbitraryNeedles(t *testing.T) {
	r := rand.New(rand.NewSource(29))
	const alpha = "aAb\\&u0;x\"{}1"
	iters := 400
	if testing.Short() {
		iters = 60
	}
	for it := 0; it < iters; it++ {
		var needles []string
		for k := 0; k < 1+r.Intn(4); k++ {
			switch r.Intn(3) {
			case 0:
				needles = append(needles, randString(r, alpha, 1+r.Intn(8)))
			case 1:
				needles = append(needles, randRunes(r, "aAbé😀\x01\x1b", 1+r.Intn(6)))
			default:
				needles = append(needles, decodeString(escapePieces[r.Intn(len(escapePieces))]+randString(r, "aAb", 1+r.Intn(4))))
			}
		}
		for k, n := range needles {
			needles[k] = strings.ReplaceAll(n, "#", "_") // '#' is checkStream's token
		}
		var in []byte
		for len(in) < 120 {
			switch r.Intn(4) {
			case 0:
				in = append(in, escapePieces[r.Intn(len(escapePieces))]...)
			case 1:
				in = append(in, randString(r, alpha, r.Intn(5))...)
			default:
				in = append(in, respellWith(r, needles[r.Intn(len(needles))], 2)...)
			}
		}
		sizes := splitSizes(len(in), func() int {
			if r.Intn(2) == 0 {
				return 1
			}
			return 1 + r.Intn(30)
		})
		checkStream(t, needles, nil, in, sizes)
		valid := true
		for _, n := range needles {
			valid = valid && utf8.ValidString(n)
		}
		if valid { // width masks count the columns of whole characters
			checkWidth(t, needles, in, sizes)
		}
	}
}

// A cut escape after up to 3 held characters of a secret is released on
// idle with them (a prompt is never hidden); when the secret then
// completes, the rest of it is masked from the first unreleased byte.
func TestCutEscapeAfterHeldCharactersReleasedOnIdle(t *testing.T) {
	m, _ := Compile([]Secret{{Name: "S", Value: "CANARY-held-0123"}}, Options{})
	for _, first := range []string{`Code CAN\u00`, `Code \u0043\u0041\u004e\u00`, `Code C\1`} {
		var out syncBuffer
		w := m.NewWriter(&out, 10*time.Millisecond)
		_, _ = w.Write([]byte(first))
		deadline := time.Now().Add(5 * time.Second)
		for out.String() != first && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := out.String(); got != first {
			t.Fatalf("after an idle pause: wrote %q, want %q", got, first)
		}
		rest := `41RY-held-0123 end`
		if strings.HasSuffix(first, `\1`) {
			rest = `01NARY-held-0123 end` // \101 is 'A'
		}
		_, _ = w.Write([]byte(rest))
		_ = w.Close()
		if got, want := out.String(), first+DefaultToken+" end"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if s := w.Stats(); s.LateMasked != 1 || s.IdleReleases != 1 {
			t.Errorf("%q: stats %+v", first, s)
		}
	}
}

// respellWith writes each character of s, with odds 1/odds, as a character
// escape of a random style (escapeStyles); invalid bytes come out as U+FFFD.
func respellWith(r *rand.Rand, s string, odds int) []byte {
	var out []byte
	for _, c := range s {
		if r.Intn(odds) == 0 {
			out = append(out, escapeStyles[r.Intn(len(escapeStyles))].f(c)...)
		} else {
			out = utf8.AppendRune(out, c)
		}
	}
	return out
}
