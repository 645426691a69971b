package render

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Var is one variable to render.
type Var struct {
	Name  string
	Value string
}

// Formats are the names Write accepts.
const (
	Dotenv = "dotenv"
	Shell  = "shell"
	JSON   = "json"
	YAML   = "yaml"
)

// Write renders vars in format (Dotenv, Shell, JSON or YAML). When a name is given twice, the
// last value wins and the name keeps its last position.
func Write(w io.Writer, format string, vars []Var) error {
	vars = LastWins(vars)
	switch format {
	case JSON:
		return writeJSON(w, vars)
	case YAML:
		return writeYAML(w, vars)
	case Shell:
		// A shell refuses `export MY-TOKEN='...'` and prints the whole word, value included, in
		// its error: eval "$(secretrun env --format shell)" would put the value in the log.
		for _, v := range vars {
			if !isVarName(v.Name) {
				return fmt.Errorf("%q is not a shell variable name (letters, digits and _, not first a digit): "+
					"a shell would refuse it and print its value in the error; use --format dotenv, json or yaml", v.Name)
			}
		}
		return writeLines(w, vars, "export ", ShellQuote)
	case Dotenv:
		return writeLines(w, vars, "", DotenvQuote)
	}
	return fmt.Errorf("unknown format %q", format)
}

// writeLines writes one PREFIXNAME=QUOTED line per variable.
func writeLines(w io.Writer, vars []Var, prefix string, quote func(string) string) error {
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "%s%s=%s\n", prefix, v.Name, quote(v.Value))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// LastWins returns vars without the earlier entries of a name given twice.
func LastWins(vars []Var) []Var {
	last := map[string]int{}
	for i, v := range vars {
		last[v.Name] = i
	}
	var kept []Var
	for i, v := range vars {
		if last[v.Name] == i {
			kept = append(kept, v)
		}
	}
	return kept
}

// writeJSON writes one JSON object, keys sorted, two-space indented. A value that is not valid
// UTF-8 is an error naming the variable: JSON would replace its bytes with U+FFFD silently.
func writeJSON(w io.Writer, vars []Var) error {
	m := make(map[string]string, len(vars))
	for _, v := range vars {
		if !utf8.ValidString(v.Value) {
			return fmt.Errorf("%s: the value is not valid UTF-8, which JSON cannot hold exactly (use format dotenv or yaml)", v.Name)
		}
		m[v.Name] = v.Value
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// writeYAML writes one YAML mapping in the given order. Every value is a double-quoted string,
// so that no YAML reader takes "yes", "0x10", "1e3" or "~" for anything but a string; a value
// that is not valid UTF-8 is written as !!binary (base64), the only exact form YAML has for it.
func writeYAML(w io.Writer, vars []Var) error {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, v := range vars {
		val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.Value, Style: yaml.DoubleQuotedStyle}
		if !utf8.ValidString(v.Value) {
			val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!binary", Value: base64.StdEncoding.EncodeToString([]byte(v.Value))}
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.Name}
		if yaml11Implicit[strings.ToLower(v.Name)] {
			key.Style = yaml.DoubleQuotedStyle // YAML 1.1 readers (PyYAML) take a bare YES for true
		}
		m.Content = append(m.Content, key, val)
	}
	if len(m.Content) == 0 {
		_, err := io.WriteString(w, "{}\n")
		return err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("cannot write YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("cannot write YAML: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// yaml11Implicit are the names YAML 1.1 reads as booleans or null when they are not quoted.
var yaml11Implicit = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "true": true,
	"false": true, "on": true, "off": true, "null": true}

// ShellQuote quotes s for POSIX shells: single quotes, with ' written as '\”.
func ShellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// DotenvQuote writes s as a dotenv value that godotenv, compose-go and python-dotenv read back
// unchanged: double-quoted with escapes, or single-quoted when s holds a '$' and no quote,
// backslash or line break. No reader unescapes "\$" but godotenv, and python-dotenv and
// compose-go expand ${...} inside double quotes, so a password such as pa$$word or p${HOME}
// needs single quotes, where every one of them reads the text as it is. (A value with both a '$'
// and a quote, backslash or line break has no form they all read the same, and python-dotenv's
// default interpolation expands ${...} even inside single quotes.)
func DotenvQuote(s string) string {
	if strings.Contains(s, "$") && !strings.ContainsAny(s, "'\\\n\r") {
		return "'" + s + "'"
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "$", `\$`)
	return `"` + r.Replace(s) + `"`
}

// GitHubBlock returns the GitHub Actions file-command block that sets name to value in
// $GITHUB_ENV or $GITHUB_OUTPUT: "NAME<<DELIMITER\nVALUE\nDELIMITER\n", with a random
// delimiter that occurs in neither. A value with a carriage return is an error: the runner reads
// the file line by line and would turn it into a line feed. random is the source of the
// delimiter (nil: crypto/rand).
func GitHubBlock(name, value string, random io.Reader) (string, error) {
	if strings.ContainsRune(value, '\r') {
		return "", fmt.Errorf("%s: the value contains a carriage return, which GitHub's environment files cannot hold exactly", name)
	}
	if strings.ContainsAny(name, "\r\n=<") || name == "" {
		return "", fmt.Errorf("invalid variable name %q for GitHub's environment files", name)
	}
	if random == nil {
		random = rand.Reader
	}
	buf := make([]byte, 16)
	for range 100 {
		if _, err := io.ReadFull(random, buf); err != nil {
			return "", fmt.Errorf("cannot make a delimiter: %w", err)
		}
		delim := "ghadelimiter_" + hex.EncodeToString(buf)
		if !strings.Contains(value, delim) && !strings.Contains(name, delim) {
			return name + "<<" + delim + "\n" + value + "\n" + delim + "\n", nil
		}
	}
	return "", fmt.Errorf("%s: cannot find a delimiter that the value does not contain", name)
}
