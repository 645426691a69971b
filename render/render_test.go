package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	compose "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/joho/godotenv"
	"go.yaml.in/yaml/v3"

	"github.com/secretrun/secretrun/providers/dotenv"
)

// awkward values: YAML's implicit types, quotes, escapes, line breaks, long lines, non-ASCII.
var awkward = []Var{
	{"YES", "yes"},
	{"on", "off"},
	{"HEX", "0x10"},
	{"NUM", "1e3"},
	{"TILDE", "~"},
	{"EMPTY", ""},
	{"QUOTES", `it's "quoted" \ back`},
	{"MULTI", "line one\nline two\n  indented\n"},
	{"LONG", strings.Repeat("CANARY-long-value with spaces ", 10)},
	{"UNICODE", "pässwörd ✓ \u2028 tab\there"},
	{"COLON", "key: value # not a comment"},
	{"DOLLAR", "$HOME and ${X}"},
}

func TestYAMLRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, YAML, awkward); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := yaml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, b.String())
	}
	for _, v := range awkward {
		if got[v.Name] != v.Value {
			t.Errorf("%s: read back %#v, want %q", v.Name, got[v.Name], v.Value)
		}
	}
}

// Python's PyYAML (a different implementation) reads the same values back.
func TestYAMLPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil || exec.Command(py, "-c", "import yaml").Run() != nil {
		t.Skip("python3 with PyYAML is not available")
	}
	var b bytes.Buffer
	if err := Write(&b, YAML, awkward); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(py, "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))")
	c.Stdin = &b
	out, err := c.Output()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, v := range awkward {
		if got[v.Name] != v.Value {
			t.Errorf("%s: PyYAML read %q, want %q", v.Name, got[v.Name], v.Value)
		}
	}
}

func TestYAMLBinaryAndEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, YAML, []Var{{"BIN", "\xff\xfe raw"}}); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := yaml.Unmarshal(b.Bytes(), &got); err != nil || got["BIN"] != "\xff\xfe raw" {
		t.Errorf("binary value: %q, %v (output %q)", got["BIN"], err, b.String())
	}
	b.Reset()
	if err := Write(&b, YAML, nil); err != nil || b.String() != "{}\n" {
		t.Errorf("no variables: %q, %v", b.String(), err)
	}
}

func TestJSONRejectsInvalidUTF8(t *testing.T) {
	err := Write(&bytes.Buffer{}, JSON, []Var{{"BIN", "CANARY\xff"}})
	if err == nil || !strings.Contains(err.Error(), "BIN") || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("err = %v", err)
	}
}

func TestLastWins(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, Dotenv, []Var{{"A", "1"}, {"B", "2"}, {"A", "3"}}); err != nil {
		t.Fatal(err)
	}
	if want := "B=\"2\"\nA=\"3\"\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// parseGitHubFile reads a GitHub file-command file the way the runner does: line by line,
// NAME=VALUE or NAME<<DELIMITER ... DELIMITER.
func parseGitHubFile(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			t.Fatalf("line %q is not a heredoc", lines[i])
		}
		var value []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			value = append(value, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("%s: no closing delimiter", name)
		}
		out[name] = strings.Join(value, "\n")
	}
	return out
}

func TestGitHubBlock(t *testing.T) {
	var file strings.Builder
	for _, v := range awkward {
		block, err := GitHubBlock(v.Name, v.Value, nil)
		if err != nil {
			t.Fatal(err)
		}
		file.WriteString(block)
	}
	got := parseGitHubFile(t, file.String())
	for _, v := range awkward {
		if got[v.Name] != v.Value {
			t.Errorf("%s: read back %q, want %q", v.Name, got[v.Name], v.Value)
		}
	}
}

// A value that contains the first delimiter drawn gets another one.
func TestGitHubBlockDelimiterNotInValue(t *testing.T) {
	first := "ghadelimiter_" + strings.Repeat("00", 16)
	random := bytes.NewReader(append(make([]byte, 16), bytes.Repeat([]byte{1}, 16)...))
	block, err := GitHubBlock("X", "a\n"+first+"\nb", random)
	if err != nil {
		t.Fatal(err)
	}
	want := "X<<ghadelimiter_" + strings.Repeat("01", 16) + "\na\n" + first + "\nb\nghadelimiter_" + strings.Repeat("01", 16) + "\n"
	if block != want {
		t.Errorf("got %q, want %q", block, want)
	}
}

func TestGitHubBlockRefusesCarriageReturn(t *testing.T) {
	_, err := GitHubBlock("KEY", "CANARY\r\nx", nil)
	if err == nil || !strings.Contains(err.Error(), "KEY") || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("err = %v", err)
	}
}

func TestTemplate(t *testing.T) {
	vars := []Var{{"DB_PASS", `p"w\d`}, {"USER", "app"}}
	tests := []struct{ tmpl, want string }{
		{`user={{ secret "USER" }} pass={{ secret "DB_PASS" }}`, `user=app pass=p"w\d`},
		{`{"pass": {{ secret "DB_PASS" | json }}}`, `{"pass": "p\"w\\d"}`},
		{`pass: {{ secret "DB_PASS" | yaml }}`, `pass: "p\"w\\d"`},
		{`export P={{ secret "DB_PASS" | shell }}`, `export P='p"w\d'`},
	}
	for _, tt := range tests {
		got, err := Template("t", tt.tmpl, vars)
		if err != nil || string(got) != tt.want {
			t.Errorf("Template(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
	_, err := Template("t", `{{ secret "NOPE" }}`, vars)
	if err == nil || !strings.Contains(err.Error(), `secret "NOPE" is not one of this file's variables (DB_PASS, USER)`) {
		t.Errorf("unknown name: %v", err)
	}
	// A value passed where a name belongs is not echoed.
	_, err = Template("t", `{{ secret (secret "DB_PASS") }}`, vars)
	if err == nil || strings.Contains(err.Error(), `p"w`) {
		t.Errorf("value as name: %v", err)
	}
	// Nor a value that looks like a variable name, a piece of it, or a name built around it.
	idVars := []Var{{"TOKEN", "CanaryIdentValue77"}, {"USER", "app"}}
	for _, tmpl := range []string{
		`{{ secret (secret "TOKEN") }}`,
		`{{ secret (slice (secret "TOKEN") 0 12) }}`,
		`{{ secret (printf "%sX" (secret "TOKEN")) }}`,
	} {
		_, err = Template("t", tmpl, idVars)
		if err == nil || strings.Contains(err.Error(), "CanaryIdent") {
			t.Errorf("Template(%q): value-made name shown: %v", tmpl, err)
		}
	}
	_, err = Template("t", `{{ secret "TOKEM" }}`, idVars)
	if err == nil || !strings.Contains(err.Error(), `secret "TOKEM" is not one of`) {
		t.Errorf("a typo is still named: %v", err)
	}
	if _, err := ParseTemplate("t", `{{ secret "A" `); err == nil {
		t.Error("ParseTemplate accepted an unclosed action")
	}
	if _, err := ParseTemplate("t", `{{ secret "A" | nosuchfunc }}`); err == nil {
		t.Error("ParseTemplate accepted an unknown function")
	}
}

// Shell output is for eval: a name a shell cannot export is refused before anything is written,
// since bash would print `export: 'MY-TOKEN=VALUE': not a valid identifier`, value included.
func TestShellRefusesNamesAShellCannotExport(t *testing.T) {
	for _, name := range []string{"MY-TOKEN", "MY.KEY", "1ST", "A B"} {
		var b bytes.Buffer
		err := Write(&b, Shell, []Var{{"GOOD", "x"}, {name, "CANARY-shell-name-1"}})
		if err == nil || b.Len() != 0 || strings.Contains(err.Error(), "CANARY") || !strings.Contains(err.Error(), name) {
			t.Errorf("name %q: err %v, wrote %q", name, err, b.String())
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	var b bytes.Buffer
	if err := Write(&b, Shell, awkward); err != nil {
		t.Fatal(err)
	}
	script := b.String() + `printf '%s\0' "$QUOTES" "$MULTI" "$DOLLAR"`
	var stderr bytes.Buffer
	cmd := exec.Command(bash, "-c", script)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("bash: %v, stderr %q", err, stderr.String())
	}
	want := awkward[6].Value + "\x00" + awkward[7].Value + "\x00" + awkward[11].Value + "\x00"
	if string(out) != want {
		t.Errorf("bash read %q, want %q", out, want)
	}
}

// Dotenv values come back unchanged from the readers people load them with: godotenv,
// compose-go, secretrun's own parser and python-dotenv (with and without interpolation), for
// passwords with '$' in particular, which double quotes could not carry for all of them.
func TestDotenvQuoteReaders(t *testing.T) {
	values := []string{"pa$$word", "p${HOME}q", "$X and $", "a$b", "plain", `q"uote`, "back\\slash",
		"nl\nx", "tab\tx", "it's", "#hash", " spaced "}
	var b strings.Builder
	for i, v := range values {
		fmt.Fprintf(&b, "V%d=%s\n", i, DotenvQuote(v))
	}
	file := b.String()
	readers := map[string]func() (map[string]string, error){
		"godotenv": func() (map[string]string, error) { return godotenv.Unmarshal(file) },
		"compose-go": func() (map[string]string, error) {
			return compose.ParseWithLookup(strings.NewReader(file), func(string) (string, bool) { return "", false })
		},
		"secretrun": func() (map[string]string, error) {
			vars, err := dotenv.Parse(strings.NewReader(file), "t.env")
			m := map[string]string{}
			for _, v := range vars {
				m[v.Name] = v.Value
			}
			return m, err
		},
	}
	if py, err := exec.LookPath("python3"); err == nil && exec.Command(py, "-c", "import dotenv").Run() == nil {
		for _, interp := range []string{"True", "False"} {
			readers["python-dotenv interpolate="+interp] = func() (map[string]string, error) {
				c := exec.Command(py, "-c", "import io, json, sys, dotenv; print(json.dumps(dotenv.dotenv_values(stream=io.StringIO(sys.stdin.read()), interpolate="+interp+")))")
				c.Stdin = strings.NewReader(file)
				c.Env = append(os.Environ(), "HOME=/CANARY-home", "X=CANARY-x")
				out, err := c.Output()
				m := map[string]string{}
				if err == nil {
					err = json.Unmarshal(out, &m)
				}
				return m, err
			}
		}
	}
	for name, read := range readers {
		got, err := read()
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, file)
			continue
		}
		for i, v := range values {
			if name == "python-dotenv interpolate=True" && strings.Contains(v, "${") {
				continue // it expands ${...} inside any quotes: no form can carry it (documented)
			}
			if g := got[fmt.Sprintf("V%d", i)]; g != v {
				t.Errorf("%s read %q back as %q (written %s)", name, v, g, DotenvQuote(v))
			}
		}
	}
}
