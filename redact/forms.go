package redact

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file derives the string-literal forms real encoders and languages
// write beyond Go's own (needles.go): JSON as other encoders escape it,
// PyYAML's double-quoted style, a JSON string escaped a second time, the
// quoting of Python's repr(), Node's util.inspect, shlex.quote and SQL/YAML
// single quotes, XML/HTML entities, and the percent-encodings of the WHATWG
// URL standard and Python's urllib. Each function mirrors a documented
// encoder; the tests run the real programs where they are installed.

// encoderJSONForms returns the body of a JSON string holding v as encoders
// other than Go's write it: Gson (its HTML-safe default escapes < > & = '
// as lower-case \u00XX), .NET System.Text.Json (its default encoder escapes
// " & ' + < > ` and every non-ASCII character as upper-case \uXXXX), every
// \uXXXX escape of the Go/Python forms in upper case, and PyYAML's
// double-quoted scalar (\xE9, \u2028 as \L, \U0001F600).
func encoderJSONForms(v string) []string {
	if plainJSON(v) {
		return nil // every form is v itself
	}
	gson := jsonBody(v, func(r rune) (string, bool) {
		if strings.ContainsRune("<>&='", r) || r == 0x2028 || r == 0x2029 {
			return fmt.Sprintf(`\u%04x`, r), true
		}
		return "", false
	}, false)
	dotnet := jsonBody(v, func(r rune) (string, bool) {
		if strings.ContainsRune("\"&'+<>`", r) || r >= 0x7f {
			return "", true // \uXXXX, upper case
		}
		return "", false
	}, true)
	// Python's ensure_ascii (and most "ASCII-safe" encoders) escape DEL too.
	nonASCII := func(r rune) (string, bool) { return "", r >= 0x7f }
	goASCII := jsonBody(v, nonASCII, true)
	pyASCII := jsonBody(v, nonASCII, false)
	return []string{gson, dotnet, goASCII, pyASCII, upperUnicodeEscapes(pyASCII), yamlDoubleQuoted(v)}
}

// writeEsc writes prefix and v in hex, digits wide, to b: `\u00e9` for
// writeEsc(b, `\u`, 0xe9, 4, false). It is fmt.Fprintf(b, prefix+"%0*x", ...)
// without fmt's cost, which Compile pays for every escaped character.
func writeEsc(b *strings.Builder, prefix string, v rune, digits int, upper bool) {
	const lower, upperHex = "0123456789abcdef", "0123456789ABCDEF"
	hexd := lower
	if upper {
		hexd = upperHex
	}
	b.WriteString(prefix)
	for k := digits - 1; k >= 0; k-- {
		b.WriteByte(hexd[(v>>(4*k))&0xf])
	}
}

// plainJSON reports whether every JSON and YAML encoder writes v as it is:
// printable ASCII without a character any of them escapes.
func plainJSON(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c >= 0x7f || strings.IndexByte("\"\\<>&='+`/", c) >= 0 {
			return false
		}
	}
	return true
}

// jsonBody returns the inside of a JSON string holding v: '"' and '\' are
// backslash-escaped, \b \f \n \r \t written short, other control characters
// as \u00XX; esc decides for each other rune whether it is escaped, and
// how (an empty replacement means \uXXXX, with surrogate pairs above
// U+FFFF). upper selects upper-case hex in \uXXXX.
func jsonBody(v string, esc func(rune) (string, bool), upper bool) string {
	var b strings.Builder
	for _, r := range v {
		if s, ok := esc(r); ok {
			if s != "" {
				b.WriteString(s)
				continue
			}
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				writeEsc(&b, `\u`, r1, 4, upper)
				writeEsc(&b, `\u`, r2, 4, upper)
			} else {
				writeEsc(&b, `\u`, r, 4, upper)
			}
			continue
		}
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				writeEsc(&b, `\u`, r, 4, upper)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// upperUnicodeEscapes upper-cases the hex digits of every \uXXXX escape in s.
func upperUnicodeEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+5 < len(b); i++ {
		if b[i] == '\\' && b[i+1] == 'u' {
			for k := i + 2; k < i+6; k++ {
				if 'a' <= b[k] && b[k] <= 'f' {
					b[k] -= 'a' - 'A'
				}
			}
			i += 5
		} else if b[i] == '\\' {
			i++ // skip the escaped byte ("\\u" is a backslash and a u)
		}
	}
	return string(b)
}

// yamlDoubleQuoted returns the inside of PyYAML's double-quoted scalar for
// v (allow_unicode off, its default): named escapes for control
// characters, \xXX, \uXXXX and \UXXXXXXXX in upper-case hex for the rest.
func yamlDoubleQuoted(v string) string {
	named := map[rune]string{
		0: `\0`, '\a': `\a`, '\b': `\b`, '\t': `\t`, '\n': `\n`, '\v': `\v`, '\f': `\f`, '\r': `\r`,
		0x1b: `\e`, '"': `\"`, '\\': `\\`, 0x85: `\N`, 0xa0: `\_`, 0x2028: `\L`, 0x2029: `\P`,
	}
	var b strings.Builder
	for _, r := range v {
		if s, ok := named[r]; ok {
			b.WriteString(s)
			continue
		}
		switch {
		case 0x20 <= r && r <= 0x7e:
			b.WriteRune(r)
		case r <= 0xff:
			writeEsc(&b, `\x`, r, 2, true)
		case r <= 0xffff:
			writeEsc(&b, `\u`, r, 4, true)
		default:
			writeEsc(&b, `\U`, r, 8, true)
		}
	}
	return b.String()
}

// doubleEscaped returns each escaped form again as the body of a JSON
// string (a JSON document stored in a string field of another): its
// backslashes and double quotes escaped once more, with the outer encoder
// keeping or escaping (lower-case \uXXXX) what is not ASCII.
func doubleEscaped(forms []string) []string {
	none := func(rune) (string, bool) { return "", false }
	ascii := func(r rune) (string, bool) { return "", r >= 0x7f }
	out := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		if strings.ContainsAny(f, `\"`) {
			out = append(out, jsonBody(f, none, false), jsonBody(f, ascii, false))
		}
	}
	return out
}

// quotedForms returns the inside of the quotes that Python's repr(), Node's
// util.inspect, shlex.quote, and SQL and YAML single quotes put around v.
func quotedForms(v string) []string {
	if plainJSON(v) && !strings.ContainsAny(v, "'`") {
		return nil // no quote, backslash or control character to escape
	}
	out := []string{pythonRepr(v), nodeInspect(v), shlexQuoted(v), strings.ReplaceAll(v, "'", "''")}
	if !isASCII(v) {
		out = append(out, pythonBytesRepr(v))
	}
	return out
}

// quotesKeep reports whether every form of quotedForms is v itself: v is
// printable ASCII without a single quote or a backslash, so no quoting
// style escapes any of its characters or switches to a quote it holds.
func quotesKeep(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == '\'' || c == '\\' {
			return false
		}
	}
	return true
}

// pythonBytesRepr returns the inside of the quotes of Python's repr() of
// v's bytes (print(s.encode()), a C program's "\xc3\xa9"): printable ASCII
// as it is, the quote and '\\' escaped, \t \n \r, and every other byte as
// \xhh. The view reads \xhh as the character U+00hh, so its needle is v's
// bytes each read as Latin-1.
func pythonBytesRepr(v string) string {
	quote := byte('\'')
	if strings.IndexByte(v, '\'') >= 0 && strings.IndexByte(v, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			writeEsc(&b, `\x`, rune(c), 2, false)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// pythonRepr returns the inside of Python 3's repr() of the str v: it
// quotes with ' unless v holds ' and no ", escapes the chosen quote, \\,
// \t \n \r, other control characters as \xXX and non-printable characters
// as \xXX, \uXXXX or \UXXXXXXXX (lower-case hex).
func pythonRepr(v string) string {
	quote := '\''
	if strings.ContainsRune(v, '\'') && !strings.ContainsRune(v, '"') {
		quote = '"'
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == quote || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			writeEsc(&b, `\x`, r, 2, false)
		case r < utf8.RuneSelf || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			writeEsc(&b, `\x`, r, 2, false)
		case r <= 0xffff:
			writeEsc(&b, `\u`, r, 4, false)
		default:
			writeEsc(&b, `\U`, r, 8, false)
		}
	}
	return b.String()
}

// nodeInspect returns the inside of the quotes of Node's util.inspect (and
// console.log of an object holding v): quoted with ', or " when v holds '
// and no ", or ` when it holds both and no backtick, else ' with \'
// escaped; \\ \b \t \n \f \r and the other characters U+0000-U+001F and
// U+007F-U+009F as \xXX in upper-case hex.
func nodeInspect(v string) string {
	quote := '\''
	if strings.ContainsRune(v, '\'') {
		switch {
		case !strings.ContainsRune(v, '"'):
			quote = '"'
		case !strings.ContainsRune(v, '`') && !strings.Contains(v, "${"):
			quote = '`'
		}
	}
	short := map[rune]string{'\b': `\b`, '\t': `\t`, '\n': `\n`, '\f': `\f`, '\r': `\r`, '\\': `\\`}
	var b strings.Builder
	for _, r := range v {
		if s, ok := short[r]; ok {
			b.WriteString(s)
			continue
		}
		switch {
		case r == quote && quote == '\'':
			b.WriteString(`\'`)
		case r < 0x20 || 0x7f <= r && r <= 0x9f:
			writeEsc(&b, `\x`, r, 2, true)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// shlexQuoted returns the inside of Python's shlex.quote(v) when it quotes:
// each ' becomes '"'"'.
func shlexQuoted(v string) string {
	return strings.ReplaceAll(v, "'", `'"'"'`)
}

// entityForms returns v with the characters XML and HTML escape written as
// entities, as the common escapers do: Go's html.EscapeString and
// text/template (&#34; &#39;), Python's html.escape (&quot; &#x27;), XML
// (&quot; &apos;), PHP's htmlspecialchars (&#039;), an XML attribute
// (&quot; only, tab and line breaks as &#9; or &#09;), an XML text node
// (only & < >), and each with every non-ASCII character as a decimal or hex
// character reference (Python's xmlcharrefreplace, many XML writers).
func entityForms(v string) []string {
	if !strings.ContainsAny(v, "&<>\"'\t\n\r") && isASCII(v) {
		return nil // every form is v itself
	}
	base := []map[rune]string{
		{'"': "&#34;", '\'': "&#39;"},
		{'"': "&quot;", '\'': "&#x27;"},
		{'"': "&quot;", '\'': "&apos;"},
		{'"': "&quot;", '\'': "&#039;"},
		{'"': "&quot;"}, // XML attributes (quoteattr, ElementTree)
		{},
	}
	// Only the variants that can differ for v: the others would repeat.
	if !strings.ContainsAny(v, `"'`) {
		base = base[len(base)-1:]
	}
	nonASCII := []string{""}
	if !isASCII(v) {
		nonASCII = append(nonASCII, "&#%d;", "&#x%x;", "&#x%X;")
	}
	ctls := []string{""}
	if strings.ContainsAny(v, "\t\n\r") {
		ctls = append(ctls, "&#%d;", "&#%02d;")
	}
	var out []string
	for _, q := range base {
		for _, na := range nonASCII {
			for _, ctl := range ctls {
				out = append(out, entities(v, q, na, ctl))
			}
		}
	}
	return out
}

// isASCII reports whether v has no byte of 0x80 or above.
func isASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// entities escapes & < > and the quotes in q, non-ASCII runes with the
// format nonASCII and \t \n \r with the format ctl (XML attribute
// normalisation) when they are not empty.
func entities(v string, q map[rune]string, nonASCII, ctl string) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case q[r] != "":
			b.WriteString(q[r])
		case r >= utf8.RuneSelf && nonASCII != "":
			fmt.Fprintf(&b, nonASCII, r)
		case (r == '\t' || r == '\n' || r == '\r') && ctl != "":
			fmt.Fprintf(&b, ctl, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// percentEncode escapes, as %XX in upper-case hex, every byte of v that is
// a control character, a space, not ASCII, or in set.
func percentEncode(v, set string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte(set, c) >= 0 {
			writeEsc(&b, "%", rune(c), 2, true)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Percent-encode sets of the URL encoders secretrun knows besides Go's.
const (
	// whatwgUserinfo is the WHATWG URL standard's userinfo percent-encode
	// set (Node's and browsers' new URL() for user:PASSWORD@host).
	whatwgUserinfo = "\"#<>?`{}/:;=@[\\]^|"
	// pythonQuote is what Python's urllib.parse.quote escapes by default:
	// everything but letters, digits, "_.-~" and "/".
	pythonQuote = "!\"#$%&'()*+,:;<=>?@[\\]^`{|}"
)
