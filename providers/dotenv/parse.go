package dotenv

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Var is one variable of a dotenv file.
type Var struct {
	// Name is the variable's name.
	Name string
	// Value is the variable's value, with quotes removed, escapes decoded and ${NAME}
	// expanded.
	Value string
	// Line is the 1-based line on which the assignment starts (the last assignment, when a name
	// is assigned more than once).
	Line int
}

// SyntaxError reports a malformed dotenv file. Its text names the file, the line and the variable
// (when known), never a value.
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
// The syntax is the common ground of godotenv and python-dotenv:
//
//	# a comment line; blank lines are ignored
//	KEY=value                 # unquoted: trailing spaces and an inline " #comment" are dropped
//	export KEY=value          # "export " is allowed and ignored
//	'KEY'=value               # a name may be single-quoted (python-dotenv)
//	KEY = value               # spaces around '=' are allowed
//	KEY=                      # the empty string
//	KEY='literal $ \n text'   # single quotes: taken literally, may span lines, no escapes
//	KEY="a\nb \"q\" \$x"      # double quotes: escapes \n \r \t \" \\ \$ \' \a \b \f \v, may span lines
//	URL=https://${HOST}/x     # ${NAME} and ${NAME:-default} expand in unquoted and double-quoted values
//
// ${NAME} expands only from variables defined earlier in the same file, never from the process's
// environment; an undefined NAME without a default is an error. A bare $NAME is literal text.
// Names start with a letter or '_' and continue with letters, digits, '_', '.' or '-'. A file may
// start with a UTF-8 byte order mark and use CRLF line ends. When a name is assigned more than
// once, the last assignment wins and the Var keeps the place of the first in the result.
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

func (p *parser) skipBlanks() {
	for !p.eof() && (p.peek() == ' ' || p.peek() == '\t') {
		p.pos++
	}
}

// skipLine moves past the rest of the line and its newline.
func (p *parser) skipLine() {
	for !p.eof() && p.peek() != '\n' {
		p.pos++
	}
	if !p.eof() {
		p.pos++
		p.line++
	}
}

func isNameStart(c byte) bool { return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// ValidName reports whether name can be a variable name in a dotenv file.
func ValidName(name string) bool {
	if name == "" || !isNameStart(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if !isNameByte(name[i]) {
			return false
		}
	}
	return true
}

func (p *parser) name() string {
	start := p.pos
	for !p.eof() && isNameByte(p.peek()) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *parser) parse() error {
	for {
		p.skipBlanks()
		if p.eof() {
			return nil
		}
		switch p.peek() {
		case '\n':
			p.pos++
			p.line++
			continue
		case '#':
			p.skipLine()
			continue
		}
		line := p.line
		name := p.name()
		if name == "export" && !p.eof() && (p.peek() == ' ' || p.peek() == '\t') {
			p.skipBlanks()
			name = p.name()
		}
		if name == "" && !p.eof() && p.peek() == '\'' {
			// python-dotenv accepts a name in single quotes: 'NAME'=value.
			if end := strings.IndexAny(p.src[p.pos+1:], "'\n"); end >= 0 && p.src[p.pos+1+end] == '\'' {
				name = p.src[p.pos+1 : p.pos+1+end]
				p.pos += end + 2
			}
		}
		if !ValidName(name) {
			return p.errorf(line, "expected NAME=value (a name starts with a letter or '_' and has letters, digits, '_', '.', '-')")
		}
		p.skipBlanks()
		if p.eof() || p.peek() != '=' {
			// The word is not shown: without '=' it may be a pasted value rather than a name.
			if p.eof() || p.peek() == '\n' || p.peek() == '#' {
				return p.errorf(line, "expected NAME=value, found no '=' (write NAME= for an empty value)")
			}
			return p.errorf(line, "expected NAME=value, found a space or other character before '='")
		}
		p.pos++ // '='
		value, err := p.value(name, line)
		if err != nil {
			return err
		}
		if i, ok := p.index[name]; ok {
			p.vars[i].Value, p.vars[i].Line = value, line
		} else {
			p.index[name] = len(p.vars)
			p.vars = append(p.vars, Var{Name: name, Value: value, Line: line})
		}
	}
}

// value parses what follows '=' up to and including the end of the line.
func (p *parser) value(name string, line int) (string, error) {
	start := p.pos
	p.skipBlanks()
	spaced := p.pos > start
	if p.eof() {
		return "", nil
	}
	var value string
	quote := p.peek()
	switch quote {
	case '\'':
		p.pos++
		end := strings.IndexByte(p.src[p.pos:], '\'')
		if end < 0 {
			return "", p.errorf(line, "%s: unterminated single-quoted value", name)
		}
		value = p.src[p.pos : p.pos+end]
		p.line += strings.Count(value, "\n")
		p.pos += end + 1
	case '"':
		p.pos++
		v, err := p.doubleQuoted(name, line)
		if err != nil {
			return "", err
		}
		value = v
	default:
		end := strings.IndexByte(p.src[p.pos:], '\n')
		if end < 0 {
			end = len(p.src) - p.pos
		}
		raw := p.src[p.pos : p.pos+end]
		p.pos += end
		// An inline comment starts at a '#' preceded by a blank (or by the blanks after '=').
		if spaced && strings.HasPrefix(raw, "#") {
			raw = ""
		}
		for i := 1; i < len(raw); i++ {
			if raw[i] == '#' && (raw[i-1] == ' ' || raw[i-1] == '\t') {
				raw = raw[:i]
				break
			}
		}
		raw = strings.TrimRight(raw, " \t")
		v, err := p.expand(raw, name, line)
		if err != nil {
			return "", err
		}
		p.skipLine()
		return v, nil
	}
	// After a closing quote: blanks, an optional comment, the end of the line.
	p.skipBlanks()
	if !p.eof() && p.peek() == '#' {
		p.skipLine()
		return value, nil
	}
	if !p.eof() && p.peek() != '\n' {
		if quote == '\'' && strings.HasSuffix(value, "\\") {
			return "", p.errorf(p.line, "%s: single-quoted values have no escapes, so \\' ends the value (use double quotes for a value containing ')", name)
		}
		return "", p.errorf(p.line, "%s: unexpected text after the closing quote", name)
	}
	p.skipLine()
	return value, nil
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
	if !ValidName(ref) {
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
	return "", p.errorf(line, "%s: ${%s} is not defined earlier in this file (secretrun does not expand from its own environment; use ${%s:-default} or single quotes)", name, ref, ref)
}
