package render

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"text/template"
)

// ParseTemplate parses a text/template whose `secret "NAME"` function returns a variable's value,
// without values, so that its syntax can be checked when the configuration is read. name names
// the template in its errors.
func ParseTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs(nil)).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("invalid template: %w", err)
	}
	return t, nil
}

// Template renders text with vars: `{{ secret "NAME" }}` is NAME's value, and a name that is not
// in vars is an error (naming it only when it is a valid variable name, since a template could
// pass a value where a name belongs). Besides `secret`, the template has text/template's own
// functions and these: `json` (a JSON string literal), `yaml` (a double-quoted YAML string: the JSON literal, which YAML reads the same),
// `shell` (a single-quoted POSIX shell word), `dotenv` (a double-quoted dotenv value).
func Template(name, text string, vars []Var) ([]byte, error) {
	m := map[string]string{}
	for _, v := range vars {
		m[v.Name] = v.Value
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs(m)).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("invalid template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, nil); err != nil {
		return nil, fmt.Errorf("cannot render the template: %w", err)
	}
	return b.Bytes(), nil
}

// FuncNames lists the functions Template adds to text/template's own.
func FuncNames() []string {
	var names []string
	for n := range funcs(nil) {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// funcs is the template's function map; values nil gives stubs for parsing.
func funcs(values map[string]string) template.FuncMap {
	return template.FuncMap{
		"secret": func(name string) (string, error) {
			v, ok := values[name]
			if ok {
				return v, nil
			}
			if values == nil {
				return "", nil
			}
			names := make([]string, 0, len(values))
			for n := range values {
				names = append(names, n)
			}
			sort.Strings(names)
			shown := "(not a variable name, not shown)"
			if isVarName(name) {
				shown = fmt.Sprintf("%q", name)
				if holdsValue(name, values) {
					shown = "(made from a value, not shown)"
				}
			}
			return "", fmt.Errorf("secret %s is not one of this file's variables (%s)", shown, strings.Join(names, ", "))
		},
		"json":   func(s string) string { return jsonString(s) },
		"yaml":   func(s string) string { return jsonString(s) },
		"shell":  ShellQuote,
		"dotenv": DotenvQuote,
	}
}

// holdsValue reports whether name, given to `secret`, may have been made from a value rather
// than written as a name: a value that looks like a variable name (hunter2Password), a piece of
// one (`slice (secret "A") 0 8`) or a name built around one (`printf "%sX" (secret "A")`).
func holdsValue(name string, values map[string]string) bool {
	for _, v := range values {
		if strings.Contains(v, name) || (len(v) >= minValueInName && strings.Contains(name, v)) {
			return true
		}
	}
	return false
}

// minValueInName is the shortest value looked for inside a name: shorter ones (a port, "app")
// occur in ordinary names by chance and would hide every typo.
const minValueInName = 4

func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
