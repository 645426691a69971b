package dotenv

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Var is one variable of a dotenv file.
type Var struct {
	// Name is the variable's name.
	Name string
	// Value is the variable's value, with quotes removed, escapes decoded and ${NAME}
	// expanded.
	Value string
	// Quoted reports whether the value was written in single or double quotes.
	Quoted bool
	// Line is the 1-based line on which the assignment starts (the last assignment, when a name
	// is assigned more than once).
	Line int
}

// SyntaxError reports a malformed dotenv file. Its text names the file, the line and the variable
// (when known), never a value, nor the inside of a ${...}.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// maxFileSize bounds what Parse reads: a dotenv file is small, and a huge one is a mistake.
const maxFileSize = 16 << 20

// Parse reads a dotenv file. filename is used in error messages only.
//
// The syntax is what godotenv, compose-go, python-dotenv and node's dotenv agree on (a
// differential test compares them; docs/refs.md lists each deliberate difference):
//
//	# a comment line; blank lines are ignored
//	KEY=value                 # unquoted: trailing white space and an inline " #comment" are dropped
//	export KEY=value          # "export " is allowed and ignored
//	'KEY'=value               # a name may be single-quoted (python-dotenv)
//	KEY = value               # blanks around '=' are allowed
//	KEY: value                # ':' may stand for '=' (godotenv, compose-go, node)
//	KEY=                      # the empty string
//	KEY='literal $ \n text'   # single quotes: taken literally, may span lines; \' is a quote
//	KEY="a\nb \"q\" \$x"      # double quotes: escapes \n \r \t \" \\ \$ \' \a \b \f \v, may span lines
//	URL=https://${HOST}/x     # ${NAME} and ${NAME:-default} expand in unquoted and double-quoted values
//
// ${NAME} expands only from variables defined earlier in the same file, never from the process's
// environment; an undefined NAME without a default is an error. A bare $NAME is literal text.
// Names are letters, digits, '_', '.' and '-'. A file may start with a UTF-8 byte order mark;
// lines end with LF, CRLF or a lone CR. When a name is assigned more than once, the last
// assignment wins and the Var keeps the place of the first in the result.
//
// Errors are *SyntaxError values naming file and line, never a value.
func Parse(r io.Reader, filename string) ([]Var, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	if len(data) > maxFileSize {
		return nil, &SyntaxError{File: filename, Line: 1, Msg: fmt.Sprintf("file is larger than %d MiB", maxFileSize>>20)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	src := strings.ReplaceAll(string(data), "\r\n", "\n")
	if i := strings.IndexByte(src, 0); i >= 0 {
		return nil, &SyntaxError{File: filename, Line: 1 + strings.Count(src[:i], "\n"), Msg: "NUL byte (a dotenv file is text)"}
	}
	p := &parser{src: src, file: filename, line: 1, index: map[string]int{}}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.vars, nil
}

type parser struct {
	src   string
	pos   int
	line  int
	file  string
	vars  []Var
	index map[string]int // name -> position in vars
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &SyntaxError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte { return p.src[p.pos] }

// isLineEnd reports whether c ends a line outside quotes. CRLF is LF by now, so a CR is a lone
// CR, which python-dotenv, node's dotenv and godotenv (for values) take as a line end.
func isLineEnd(c byte) bool { return c == '\n' || c == '\r' }

// blankWidth returns the length in bytes of the blank at the start of s, or 0. Blanks are the
// white space that godotenv and compose-go skip around names and '=' and before a value: space,
// tab, vertical tab, form feed, NEL (U+0085) and no-break space (U+00A0).
func blankWidth(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case ' ', '\t', '\v', '\f':
		return 1
	case 0xc2: // UTF-8 lead byte of U+0085 and U+00A0
		if len(s) > 1 && (s[1] == 0x85 || s[1] == 0xa0) {
			return 2
		}
	}
	return 0
}

// blankBefore reports whether s ends with a blank.
func blankBefore(s string) bool {
	n := len(s)
	return n > 0 && blankWidth(s[n-1:]) == 1 || n > 1 && blankWidth(s[n-2:]) == 2
}

func (p *parser) skipBlanks() {
	for n := blankWidth(p.src[p.pos:]); n > 0; n = blankWidth(p.src[p.pos:]) {
		p.pos += n
	}
}

// skipSpace moves past any white space but line ends (at the start of a line, any Unicode white
// space is skipped, as godotenv and compose-go do).
func (p *parser) skipSpace() {
	for !p.eof() && !isLineEnd(p.peek()) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += n
	}
}

// skipLine moves past the rest of the line and its line end.
func (p *parser) skipLine() {
	for !p.eof() && !isLineEnd(p.peek()) {
		p.pos++
	}
	if !p.eof() {
		p.pos++
		p.line++
	}
}

func isNameRune(r rune) bool {
	return r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// ValidName reports whether name can be a variable name in a dotenv file: letters, digits, '_',
// '.' and '-' (a name may start with a digit, as in godotenv, compose-go, python-dotenv and node).
func ValidName(name string) bool {
	if name == "" || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if !isNameRune(r) {
			return false
		}
	}
	return true
}

// validRefName reports whether name can appear in ${NAME}: a letter or '_', then letters, digits,
// '_', '.' or '-' (ASCII), so that ${1} and other shell forms are errors rather than guesses.
func validRefName(name string) bool {
	if name == "" || !(name[0] == '_' || name[0] >= 'A' && name[0] <= 'Z' || name[0] >= 'a' && name[0] <= 'z') {
		return false
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '.' || c == '-' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (p *parser) name() string {
	start := p.pos
	for !p.eof() {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !isNameRune(r) {
			break
		}
		p.pos += n
	}
	return p.src[start:p.pos]
}

func (p *parser) parse() error {
	for {
		p.skipSpace()
		if p.eof() {
			return nil
		}
		switch c := p.peek(); {
		case isLineEnd(c):
			p.pos++
			p.line++
			continue
		case c == '#':
			p.skipLine()
			continue
		}
		line := p.line
		name := p.name()
		if name == "export" && blankWidth(p.src[p.pos:]) > 0 {
			p.skipBlanks()
			name = p.name()
		}
		if name == "" && !p.eof() && p.peek() == '\'' {
			// python-dotenv accepts a name in single quotes: 'NAME'=value.
			if end := strings.IndexAny(p.src[p.pos+1:], "'\r\n"); end >= 0 && p.src[p.pos+1+end] == '\'' {
				name = p.src[p.pos+1 : p.pos+1+end]
				p.pos += end + 2
			}
		}
		if !ValidName(name) {
			return p.errorf(line, "expected NAME=value (a name has letters, digits, '_', '.', '-')")
		}
		p.skipBlanks()
		if p.eof() || p.peek() != '=' && p.peek() != ':' {
			// The word is not shown: without '=' it may be a pasted value rather than a name.
			if p.eof() || isLineEnd(p.peek()) || p.peek() == '#' {
				return p.errorf(line, "expected NAME=value, found no '=' (write NAME= for an empty value)")
			}
			return p.errorf(line, "expected NAME=value, found a space or other character before '='")
		}
		p.pos++ // '=' or ':'
		value, quoted, err := p.value(name, line)
		if err != nil {
			return err
		}
		if i, ok := p.index[name]; ok {
			p.vars[i].Value, p.vars[i].Quoted, p.vars[i].Line = value, quoted, line
		} else {
			p.index[name] = len(p.vars)
			p.vars = append(p.vars, Var{Name: name, Value: value, Quoted: quoted, Line: line})
		}
	}
}

// value parses what follows '=' up to and including the end of the line, and reports whether the
// value was quoted.
func (p *parser) value(name string, line int) (string, bool, error) {
	p.skipBlanks()
	if p.eof() {
		return "", false, nil
	}
	var value string
	var escapedQuote bool // a single-quoted value contained \'
	switch p.peek() {
	case '\'':
		p.pos++
		v, esc, err := p.singleQuoted(name, line)
		if err != nil {
			return "", false, err
		}
		value, escapedQuote = v, esc
	case '"':
		p.pos++
		v, err := p.doubleQuoted(name, line)
		if err != nil {
			return "", false, err
		}
		value = v
	default:
		v, err := p.unquoted(name, line)
		return v, false, err
	}
	// After a closing quote: blanks, an optional comment, the end of the line.
	p.skipBlanks()
	if !p.eof() && p.peek() == '#' {
		p.skipLine()
		return value, true, nil
	}
	if !p.eof() && !isLineEnd(p.peek()) {
		if escapedQuote {
			return "", false, p.errorf(p.line, "%s: unexpected text after the closing quote (inside single quotes \\' is an escaped quote, not the end of the value)", name)
		}
		return "", false, p.errorf(p.line, "%s: unexpected text after the closing quote", name)
	}
	p.skipLine()
	return value, true, nil
}

// unquoted parses an unquoted value up to and including the end of its line.
func (p *parser) unquoted(name string, line int) (string, error) {
	end := strings.IndexAny(p.src[p.pos:], "\r\n")
	if end < 0 {
		end = len(p.src) - p.pos
	}
	raw := p.src[p.pos : p.pos+end]
	p.pos += end
	// An inline comment starts at a '#' preceded by a blank; a '#' right after '=' and its blanks
	// is part of the value (A= #x is "#x", as in godotenv, compose-go and python-dotenv).
	for i := 1; i < len(raw); i++ {
		if raw[i] == '#' && blankBefore(raw[:i]) {
			raw = raw[:i]
			break
		}
	}
	raw = strings.TrimRightFunc(raw, unicode.IsSpace)
	v, err := p.expand(raw, name, line)
	if err != nil {
		return "", err
	}
	p.skipLine()
	return v, nil
}

// singleQuoted parses a single-quoted value after its opening quote and moves past the closing
// quote. The value is literal, except that \' is a quote (as compose-go and python-dotenv read
// it); any other backslash is kept with the character after it. It reports whether a \' was seen.
func (p *parser) singleQuoted(name string, line int) (string, bool, error) {
	var b strings.Builder
	escaped := false
	for {
		if p.eof() {
			if escaped {
				return "", false, p.errorf(line, "%s: unterminated single-quoted value (inside single quotes \\' is an escaped quote, not the end of the value)", name)
			}
			return "", false, p.errorf(line, "%s: unterminated single-quoted value", name)
		}
		c := p.peek()
		switch {
		case c == '\'':
			p.pos++
			return b.String(), escaped, nil
		case c == '\\' && p.pos+1 < len(p.src):
			e := p.src[p.pos+1]
			p.pos += 2
			if e == '\'' {
				escaped = true
			} else {
				b.WriteByte('\\')
			}
			if e == '\n' {
				p.line++
			}
			b.WriteByte(e)
		default:
			if c == '\n' {
				p.line++
			}
			b.WriteByte(c)
			p.pos++
		}
	}
}

// doubleQuoted parses a double-quoted value after its opening quote, decoding escapes and
// expanding ${NAME}, and moves past the closing quote.
func (p *parser) doubleQuoted(name string, line int) (string, error) {
	var b strings.Builder
	for {
		if p.eof() {
			return "", p.errorf(line, "%s: unterminated double-quoted value", name)
		}
		c := p.peek()
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case '"', '\\', '$', '\'':
				b.WriteByte(e)
			case '\n': // a backslash before a real newline keeps both
				b.WriteString("\\\n")
				p.line++
			default: // unknown escapes are kept as written
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		case c == '$' && strings.HasPrefix(p.src[p.pos:], "${"):
			end := strings.IndexAny(p.src[p.pos:], "}\"\n")
			if end < 0 || p.src[p.pos+end] != '}' {
				return "", p.errorf(p.line, "%s: unterminated ${ (write \\${ for a literal)", name)
			}
			v, err := p.lookup(p.src[p.pos+2:p.pos+end], name, p.line)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			p.pos += end + 1
		default:
			if c == '\n' {
				p.line++
			}
			b.WriteByte(c)
			p.pos++
		}
	}
}

// expand replaces each ${NAME} and ${NAME:-default} in an unquoted value.
func (p *parser) expand(s, name string, line int) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", p.errorf(line, "%s: unterminated ${ (quote the value with single quotes for a literal)", name)
		}
		v, err := p.lookup(s[i+2:i+end], name, line)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}

// lookup resolves the inside of ${...}: NAME or NAME:-default, from earlier variables only.
func (p *parser) lookup(expr, name string, line int) (string, error) {
	ref, def, hasDef := strings.Cut(expr, ":-")
	if !validRefName(ref) {
		return "", p.errorf(line, "%s: bad ${...}: want ${NAME} or ${NAME:-default} (use single quotes for a literal ${)", name)
	}
	if i, ok := p.index[ref]; ok {
		v := p.vars[i].Value
		if v != "" || !hasDef {
			return v, nil
		}
	}
	if hasDef {
		return def, nil
	}
	// The name inside ${...} is not shown: the text between the braces may be a value.
	return "", p.errorf(line, "%s: a ${...} names a variable not defined earlier in this file (secretrun does not expand from its own environment; give a default with ${NAME:-default}, or use single quotes for a literal)", name)
}
