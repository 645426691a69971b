package dotenv_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/providers/dotenv"
)

// kv renders parsed vars as NAME=value lines (values %q-quoted) for easy comparison.
func kv(vars []dotenv.Var) string {
	var b strings.Builder
	for _, v := range vars {
		b.WriteString(v.Name + "=" + strconvQuote(v.Value) + "\n")
	}
	return b.String()
}

func strconvQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s) + `"`
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// basics
		{"empty file", "", ""},
		{"only comments and blanks", "# c\n\n   \n\t# indented comment\n", ""},
		{"simple", "A=1\nB=two\n", "A=\"1\"\nB=\"two\"\n"},
		{"no final newline", "A=1", "A=\"1\"\n"},
		{"export", "export A=1\nexport\tB=2\n", "A=\"1\"\nB=\"2\"\n"},
		{"export as a name", "export=1\n", "export=\"1\"\n"},
		{"spaces around =", "A = 1\nB\t=\t2\n  C=3\n", "A=\"1\"\nB=\"2\"\nC=\"3\"\n"},
		{"empty value", "A=\nB=   \nC=''\nD=\"\"\n", "A=\"\"\nB=\"\"\nC=\"\"\nD=\"\"\n"},
		{"names", "_A=1\na.b-c=2\nLOWER_case9=3\n", "_A=\"1\"\na.b-c=\"2\"\nLOWER_case9=\"3\"\n"},
		{"value with =", "A=b=c==\n", "A=\"b=c==\"\n"},
		{"url", "A=postgres://u:p@h:5432/db?sslmode=disable\n", "A=\"postgres://u:p@h:5432/db?sslmode=disable\"\n"},
		{"later assignment wins", "A=1\nB=2\nA=3\n", "A=\"3\"\nB=\"2\"\n"},

		// unquoted values and comments
		{"inline comment", "A=value # comment\n", "A=\"value\"\n"},
		{"inline comment tab", "A=value\t#comment\n", "A=\"value\"\n"},
		{"hash inside value", "A=abc#def\n", "A=\"abc#def\"\n"},
		{"hash first, no space", "A=#abc\n", "A=\"#abc\"\n"},
		{"hash right after '=' and spaces is the value", "A= #abc\n", "A=\"#abc\"\n"},
		{"hash right after '=' and a tab is the value", "A=\t#abc\n", "A=\"#abc\"\n"},
		{"only a comment after value-less '='", "A= #abc # c\n", "A=\"#abc\"\n"},
		{"trailing spaces trimmed", "A=value   \t\n", "A=\"value\"\n"},
		{"inner spaces kept", "A=a b  c\n", "A=\"a b  c\"\n"},
		{"quotes inside unquoted", "A=it's \"x\"\n", "A=\"it's \\\"x\\\"\"\n"},
		{"backslashes literal unquoted", `A=C:\path\n` + "\n", "A=\"C:\\\\path\\\\n\"\n"},
		{"bare dollar literal", "A=$HOME$ $\n", "A=\"$HOME$ $\"\n"},

		// single quotes
		{"single literal", `A='a $B ${C} \n \" #x'` + "\n", `A="a $B ${C} \\n \\\" #x"` + "\n"},
		{"single with comment", "A='v' # c\n", "A=\"v\"\n"},
		{"single multi-line", "A='l1\nl2'\nB=2\n", "A=\"l1\\nl2\"\nB=\"2\"\n"},
		{"single keeps spaces", "A='  x  '\n", "A=\"  x  \"\n"},
		{"single with hash", "A='a #b'\n", "A=\"a #b\"\n"},
		{"single containing double", `A='say "hi"'` + "\n", `A="say \"hi\""` + "\n"},

		// double quotes
		{"double escapes", `A="a\nb\rc\td\"e\\f\$g\'h"` + "\n", `A="a\nb\rc\td\"e\\f$g'h"` + "\n"},
		{"double unknown escape kept", `A="\d\w"` + "\n", `A="\\d\\w"` + "\n"},
		{"double multi-line", "A=\"l1\nl2\n\"\nB=2\n", "A=\"l1\\nl2\\n\"\nB=\"2\"\n"},
		{"double keeps spaces", "A=\"  x  \"   # c\n", "A=\"  x  \"\n"},
		{"double with hash", "A=\"a #b\"\n", "A=\"a #b\"\n"},
		{"double containing single", `A="it's"` + "\n", `A="it's"` + "\n"},
		{"double JSON", `A="{\"k\":\"v\"}"` + "\n", `A="{\"k\":\"v\"}"` + "\n"},
		{"private key", "KEY=\"-----BEGIN KEY-----\nabc\n-----END KEY-----\"\n", "KEY=\"-----BEGIN KEY-----\\nabc\\n-----END KEY-----\"\n"},

		// expansion
		{"expand unquoted", "H=example.com\nU=https://${H}/x\n", "H=\"example.com\"\nU=\"https://example.com/x\"\n"},
		{"expand double", "H=h\nU=\"${H}:${H}\"\n", "H=\"h\"\nU=\"h:h\"\n"},
		{"no expand single", "H=h\nU='${H}'\n", "H=\"h\"\nU=\"${H}\"\n"},
		{"escaped dollar", "H=h\nU=\"\\${H}\"\n", "H=\"h\"\nU=\"${H}\"\n"},
		{"default used", "U=${NOPE:-fallback}\n", "U=\"fallback\"\n"},
		{"default for empty", "E=\nU=${E:-d}\n", "E=\"\"\nU=\"d\"\n"},
		{"default unused", "H=h\nU=${H:-d}\n", "H=\"h\"\nU=\"h\"\n"},
		{"empty default", "U=\"${NOPE:-}\"\n", "U=\"\"\n"},
		{"expand uses latest", "A=1\nA=${A}2\n", "A=\"12\"\n"},
		{"expanded value not re-expanded", "A='${X}'\nB=${A}\n", "A=\"${X}\"\nB=\"${X}\"\n"},

		// parity: python-dotenv tests/test_parser.py
		{"py a=b", "a=b", "a=\"b\"\n"},
		{"py quoted key", "'a'=b", "a=\"b\"\n"},
		{"py spaces", " a = b ", "a=\"b\"\n"},
		{"py export quoted key", " export 'a'=b", "a=\"b\"\n"},
		{"py comment", "# a=b", ""},
		{"py b#c", "a=b#c", "a=\"b#c\"\n"},
		{"py b #c", "a=b #c", "a=\"b\"\n"},
		{"py b tab #c", "a=b\t#c", "a=\"b\"\n"},
		{"py b tab c", "a=b\tc", "a=\"b\\tc\"\n"},
		{"py nbsp", "a=b\u00a0 c", "a=\"b\u00a0 c\"\n"},
		{"py b c trailing", "a=b c ", "a=\"b c\"\n"},
		{"py single trailing space", "a='b c '", "a=\"b c \"\n"},
		{"py double trailing space", "a=\"b c \"", "a=\"b c \"\n"},
		{"py export export_a", "export export_a=1", "export_a=\"1\"\n"},
		{"py export port", "export port=8000", "port=\"8000\"\n"},
		{"py escaped n double", `a="b\nc"`, "a=\"b\\nc\"\n"},
		{"py escaped n single", `a='b\nc'`, `a="b\\nc"` + "\n"},
		{"py escaped quote double", `a="b\"c"`, `a="b\"c"` + "\n"},
		{"py unicode", "a=à", "a=\"à\"\n"},
		{"py ugly value", "a=\"S3cr3t_P4ssw#rD\" #\nb=c", "a=\"S3cr3t_P4ssw#rD\"\nb=\"c\"\n"},
		{"py blank lines", "a=b\n\nc=d", "a=\"b\"\nc=\"d\"\n"},
		{"py comment at end", "a=b\n# comment 1", "a=\"b\"\n"},
		// parity: godotenv fixtures
		{"godotenv quoted.env", "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_F=\"2\"\nOPTION_G=\"\"\n#OPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\"\nOPTION_J='line 1\nline 2'\nOPTION_L=\"line 1\nline 2\"\nOPTION_M=\"line one\nthis is \\\"quoted\\\"\none more line\"\n",
			"OPTION_A=\"1\"\nOPTION_B=\"2\"\nOPTION_C=\"\"\nOPTION_D=\"\\\\n\"\nOPTION_E=\"1\"\nOPTION_F=\"2\"\nOPTION_G=\"\"\nOPTION_I=\"echo 'asd'\"\nOPTION_J=\"line 1\\nline 2\"\nOPTION_L=\"line 1\\nline 2\"\nOPTION_M=\"line one\\nthis is \\\"quoted\\\"\\none more line\"\n"},
		{"godotenv comments.env", "# Full line comment\nqux=thud # fred # other\nthud=fred#qux # other\nfoo=bar # baz\nbar=foo#baz\nbaz=\"foo\"#bar\n",
			"qux=\"thud\"\nthud=\"fred#qux\"\nfoo=\"bar\"\nbar=\"foo#baz\"\nbaz=\"foo\"\n"},
		{"godotenv multiline.env", "SINGLE_LINE=Single Line Value\nMULTI_LINE=\"This is a\nmultiline value = not breaking the line\nshould be properly parsed\"\nSINGLE_LINE_2=\"Another single line\"",
			"SINGLE_LINE=\"Single Line Value\"\nMULTI_LINE=\"This is a\\nmultiline value = not breaking the line\\nshould be properly parsed\"\nSINGLE_LINE_2=\"Another single line\"\n"},
		{"godotenv substitutions (braces)", "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}${OPTION_B}\n",
			"OPTION_A=\"1\"\nOPTION_B=\"1\"\nOPTION_C=\"$OPTION_B\"\nOPTION_D=\"11\"\n"},

		// lone CR line ends (python-dotenv, node and godotenv read them as line ends)
		{"lone CR lines", "A=1\rB=two\rC='q'\rD=\"d\"\rE=last", "A=\"1\"\nB=\"two\"\nC=\"q\"\nD=\"d\"\nE=\"last\"\n"},
		{"CR at end of file", "FIRST=fine\nOTHER=ok\r", "FIRST=\"fine\"\nOTHER=\"ok\"\n"},
		{"mixed line ends", "A=1\r\nB=2\rC=3\nD=4\r", "A=\"1\"\nB=\"2\"\nC=\"3\"\nD=\"4\"\n"},
		{"CR ends a comment", "# c\rA=1\n", "A=\"1\"\n"},
		{"CR after a closing quote", "A='x'\rB=2", "A=\"x\"\nB=\"2\"\n"},
		{"CR inside quotes kept", "A=\"x\ry\"\nB='p\rq'\n", "A=\"x\\ry\"\nB=\"p\\rq\"\n"},

		// Unicode white space: trimmed at the end of an unquoted value, skipped before it
		{"trailing no-break space", "A=value\u00a0\n", "A=\"value\"\n"},
		{"trailing form feed", "A=value\f\n", "A=\"value\"\n"},
		{"trailing vertical tab", "A=value\v\n", "A=\"value\"\n"},
		{"trailing em space", "A=value\u2003\n", "A=\"value\"\n"},
		{"trailing NEL", "A=value\u0085\n", "A=\"value\"\n"},
		{"inner no-break space kept", "A=a\u00a0b\n", "A=\"a\u00a0b\"\n"},
		{"leading no-break space, form feed, vertical tab", "A=\u00a0x\nB=\fy\nC=\vz\n", "A=\"x\"\nB=\"y\"\nC=\"z\"\n"},
		{"leading em space kept", "A=\u2003x\n", "A=\"\u2003x\"\n"},
		{"comment after no-break space", "A=b\u00a0#c\n", "A=\"b\"\n"},
		{"no comment after em space", "A=b\u2003#c\n", "A=\"b\u2003#c\"\n"},
		{"no-break space kept in quotes", "A=\"x\u00a0\"\n", "A=\"x\u00a0\"\n"},

		// forms every common parser accepts
		{"colon separator", "A: value\nB:x\nC : 'q'\n", "A=\"value\"\nB=\"x\"\nC=\"q\"\n"},
		{"colon inside the value", "A=b:c\nB: http://h:1\n", "A=\"b:c\"\nB=\"http://h:1\"\n"},
		{"digit-leading names", "456 = ABC\n1A=x\n", "456=\"ABC\"\n1A=\"x\"\n"},
		{"unicode names", "CAFÉ=1\n", "CAFÉ=\"1\"\n"},
		{"escaped quote in single quotes", `A='Let\'s go!'` + "\n", `A="Let's go!"` + "\n"},
		{"other backslashes in single quotes kept", `A='a\\b'` + "\n" + `B='C:\path'` + "\n" + `C='x\\'` + "\n", `A="a\\\\b"` + "\n" + `B="C:\\path"` + "\n" + `C="x\\\\"` + "\n"},
		{"compose-go plain.env", "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n",
			"OPTION_A=\"1\"\nOPTION_B=\"2\"\nOPTION_C=\"3\"\nOPTION_D=\"4\"\nOPTION_E=\"5\"\n456=\"ABC\"\nOPTION_F=\"\"\nOPTION_G=\"\"\nOPTION_H=\"my string\"\n"},

		// file forms
		{"CRLF", "A=1\r\nB=\"x\r\ny\"\r\n", "A=\"1\"\nB=\"x\\ny\"\n"},
		{"BOM", "\xef\xbb\xbfA=1\n", "A=\"1\"\n"},
		{"lone CR kept in quotes", "A=\"x\ry\"\n", "A=\"x\\ry\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars, err := dotenv.Parse(strings.NewReader(tt.in), "test.env")
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := kv(vars); got != tt.want {
				t.Errorf("Parse(%q)\ngot:\n%s\nwant:\n%s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseLines(t *testing.T) {
	in := "# header\nA=1\n\nB='x\ny\nz'\nC=\"p\nq\"\n\nexport D=4\nA=5\n"
	vars, err := dotenv.Parse(strings.NewReader(in), "f")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"A": 11, "B": 4, "C": 7, "D": 10}
	for _, v := range vars {
		if want[v.Name] != v.Line {
			t.Errorf("%s: line %d, want %d", v.Name, v.Line, want[v.Name])
		}
	}
	if vars[0].Name != "A" {
		t.Errorf("order: %v", kv(vars))
	}
}

func TestParseErrors(t *testing.T) {
	const secret = "SUPERSECRETVALUE"
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"no equals", "A=1\n" + secret + "\n", 2, "found no '='"},
		{"no equals comment", secret + " # c\n", 1, "found no '='"},
		{"space in name", "MY NAME=" + secret + "\n", 1, "found a space"},
		{"pasted value", secret + " " + secret + "\n", 1, "expected NAME=value"},
		{"unterminated single", "A=1\nB='" + secret + "\nC=3\n", 2, "B: unterminated single-quoted"},
		{"unterminated double", "B=\"" + secret + "\n", 1, "B: unterminated double-quoted"},
		{"text after quote", "B='" + secret + "'" + secret + "\n", 1, "B: unexpected text after the closing quote"},
		{"text after double", "A=1\n\nB=\"x\ny\" " + secret + "\n", 4, "B: unexpected text after the closing quote"},
		{"python bare name", "no_value_var\n", 1, "found no '='"},
		{"python bad name", "[=b\n", 1, "expected NAME=value"},
		{"python unterminated then more", "a=\"\nb=c\n", 1, "a: unterminated double-quoted"},
		{"quoted name unterminated", "'A=1\n", 1, "expected NAME=value"},
		{"bad name", "A/B=" + secret + "\n", 1, "expected NAME=value"},
		{"quoted name invalid", "'A B'=1\n", 1, "expected NAME=value"},
		{"escaped quote then unterminated", `B='it\'s ` + secret + "\n", 1, `B: unterminated single-quoted value (inside single quotes \' is an escaped quote`},
		{"escaped quote then text", "A='C:\\'\nB='" + secret + "'\n", 2, `A: unexpected text after the closing quote (inside single quotes \' is an escaped quote`},
		{"undefined expansion", "B=" + secret + "${NOPE}\n", 1, "B: a ${...} names a variable not defined earlier"},
		{"undefined expansion double", "B=\"" + secret + "${NOPE}\"\n", 1, "B: a ${...} names a variable not defined earlier"},
		{"line counted after lone CR", "A=1\rB=2\r" + secret + "\n", 3, "found no '='"},
		{"bad expansion", "B=${" + secret + " x}\n", 1, "bad ${...}"},
		{"compose-only default form", "A=1\nB=${A-" + secret + "}\n", 2, "B: "}, // A-… is a name here, and undefined
		{"compose-only alternative form", "A=1\nB=${A:+" + secret + "}\n", 2, "B: bad ${...}"},
		{"compose-only required form", "B=\"${A:?" + secret + "}\"\n", 1, "B: bad ${...}"},
		{"unterminated expansion", "B=${" + secret + "\n", 1, "unterminated ${"},
		{"unterminated expansion double", "B=\"${" + secret + "\"\n", 1, "unterminated ${"},
		{"NUL", "A=1\nB=" + secret + "\x00\n", 2, "NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dotenv.Parse(strings.NewReader(tt.in), "dir/test.env")
			var se *dotenv.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v; want a *SyntaxError", tt.in, err)
			}
			if se.File != "dir/test.env" || se.Line != tt.line {
				t.Errorf("error at %s:%d; want dir/test.env:%d (%v)", se.File, se.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "dir/test.env:") {
				t.Errorf("error %q does not start with file:line", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error text contains the value: %q", err)
			}
		})
	}
}

// FuzzParse checks that the parser never panics and never puts file content into an error,
// beyond variable names.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"A=1", "export A='x'", "A=\"a\\nb\"", "A=${B:-c}", "A=\"${", "A='", "\xef\xbb\xbfA=1\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vars, err := dotenv.Parse(strings.NewReader(in), "f")
		if err == nil {
			for _, v := range vars {
				if !dotenv.ValidName(v.Name) {
					t.Fatalf("invalid name %q", v.Name)
				}
			}
		}
	})
}

// TestParseErrorsNeverQuoteInterpolation: the text inside ${...} may be a value (a password that
// happens to look like a name), so no error message shows it, whatever the error.
func TestParseErrorsNeverQuoteInterpolation(t *testing.T) {
	const canary = "CANARY_Pw0rd"
	tests := []struct{ name, in string }{
		{"undefined", "A=${" + canary + "}\n"},
		{"undefined in double quotes", "A=\"x${" + canary + "}\"\n"},
		{"undefined after a default", "A=${NOPE:-" + canary + "}${" + canary + "2}\n"},
		{"undefined, defined later", "A=${" + canary + "}\n" + canary + "=1\n"},
		{"bad", "A=${" + canary + " x}\n"},
		{"shell form", "A=${" + canary + ":?required}\n"},
		{"digit first", "A=${9" + canary + "}\n"},
		{"unterminated", "A=${" + canary + "\n"},
		{"unterminated in double quotes", "A=\"${" + canary + "\"\n"},
		{"unterminated double quote", "A=\"${" + canary + "}\n"},
		{"text after the quote", "A=\"x\"${" + canary + "}\n"},
		{"no '='", "${" + canary + "}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dotenv.Parse(strings.NewReader(tt.in), "test.env")
			if err == nil {
				t.Fatalf("Parse(%q): no error", tt.in)
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("error shows the inside of ${...}: %q", err)
			}
			if !strings.HasPrefix(err.Error(), "test.env:") {
				t.Errorf("error %q does not start with file:line", err)
			}
		})
	}
}

func TestParseQuoted(t *testing.T) {
	in := "A=plain\nB='single'\nC=\"double\"\nD=\nE=''\nF=vault://x\nG: \"y\" # c\nH=\"x\"\nH=unquoted again\n"
	vars, err := dotenv.Parse(strings.NewReader(in), "f")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"A": false, "B": true, "C": true, "D": false, "E": true, "F": false, "G": true, "H": false}
	for _, v := range vars {
		if v.Quoted != want[v.Name] {
			t.Errorf("%s: Quoted = %v, want %v", v.Name, v.Quoted, want[v.Name])
		}
	}
	if len(vars) != len(want) {
		t.Errorf("got %d vars, want %d", len(vars), len(want))
	}
}
