package providers_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

const jsonDoc = `{
  "username": "app",
  "password": "PW-SECRET-1",
  "port": 5432,
  "big": 12345678901234567890,
  "ratio": 0.25,
  "enabled": false,
  "nothing": null,
  "empty": "",
  "nested": {"a/b": {"c~d": "DEEP-SECRET-2"}, "": "empty-name"},
  "list": ["zero", {"k": "one"}, [1, 2]],
  "obj": {"b": 1, "a": "x"},
  "unicode": "päss 秘密"
}`

const yamlDoc = `
username: app
password: PW-SECRET-1
port: 5432
enabled: false
date: 2024-01-02
nested:
  a/b:
    c~d: DEEP-SECRET-2
list:
  - zero
  - k: one
multi: |
  line1
  line2
`

func TestSelectKey(t *testing.T) {
	tests := []struct {
		doc, key, want string
	}{
		{jsonDoc, "username", "app"},
		{jsonDoc, "password", "PW-SECRET-1"},
		{jsonDoc, "port", "5432"},
		{jsonDoc, "big", "12345678901234567890"}, // numbers keep their digits
		{jsonDoc, "ratio", "0.25"},
		{jsonDoc, "enabled", "false"},
		{jsonDoc, "empty", ""},
		{jsonDoc, "unicode", "päss 秘密"},
		{jsonDoc, "obj", `{"a":"x","b":1}`},
		{jsonDoc, "list", `["zero",{"k":"one"},[1,2]]`},
		{jsonDoc, "/password", "PW-SECRET-1"},
		{jsonDoc, "/nested/a~1b/c~0d", "DEEP-SECRET-2"},
		{jsonDoc, "/nested/", "empty-name"},
		{jsonDoc, "/list/0", "zero"},
		{jsonDoc, "/list/1/k", "one"},
		{jsonDoc, "/list/2/1", "2"},
		{jsonDoc, "a/b", ""}, // not a pointer: a top-level field named "a/b" (see the error test)
		{`["a","b"]`, "/1", "b"},
		{`  {"k":"v"}  ` + "\n", "k", "v"},
		{`{"k":"v"}` + "\n", "/k", "v"},
		{yamlDoc, "username", "app"},
		{yamlDoc, "port", "5432"},
		{yamlDoc, "enabled", "false"},
		{yamlDoc, "date", "2024-01-02"},
		{yamlDoc, "/nested/a~1b/c~0d", "DEEP-SECRET-2"},
		{yamlDoc, "/list/1/k", "one"},
		{yamlDoc, "multi", "line1\nline2\n"},
		{"a: 1\nb: two\n", "b", "two"},
	}
	for _, tt := range tests {
		if tt.key == "a/b" {
			continue
		}
		got, err := providers.SelectKey([]byte(tt.doc), tt.key)
		if err != nil {
			t.Errorf("SelectKey(%q): %v", tt.key, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("SelectKey(%q) = %q; want %q", tt.key, got, tt.want)
		}
	}
}

func TestSelectKeyErrors(t *testing.T) {
	secrets := []string{"PW-SECRET-1", "DEEP-SECRET-2"}
	tests := []struct {
		doc, key string
		text     []string
	}{
		{jsonDoc, "nope", []string{`"nope"`, "fields:", "password"}},
		{jsonDoc, "Password", []string{`"Password"`}},
		{jsonDoc, "/nested/nope", []string{`"/nested/nope"`, `no field "nope" under /nested`}},
		{jsonDoc, "/password/x", []string{`"/password/x"`, "not an object or list"}},
		{jsonDoc, "/list/3", []string{`no index "3" in a list of 3`}},
		{jsonDoc, "/list/-1", []string{`no index "-1"`}},
		{jsonDoc, "/list/x", []string{`no index "x"`}},
		{jsonDoc, "nothing", []string{`"nothing" is null`}},
		{jsonDoc, "a/b", []string{`"a/b"`}},
		{"PW-SECRET-1", "k", []string{"not a JSON or YAML object"}},
		{"PW-SECRET-1\n", "/k", []string{"not a JSON or YAML object"}},
		{"{PW-SECRET-1: [", "k", []string{"not a JSON or YAML object"}},
		{"- PW-SECRET-1\n", "k", []string{`no index "k" in a list of 1`}},
		{"", "k", []string{`"k"`}},
		{yamlDoc, "nope", []string{`"nope"`}},
		// Plain text with ": " is a YAML mapping whose field name is part of the secret.
		{"PW-SECRET-1: DEEP-SECRET-2", "k", []string{`no field "k"`}},
		{"x: {PW-SECRET-1: 1}", "/x/k", []string{`no field "k" under /x`}},
	}
	for _, tt := range tests {
		_, err := providers.SelectKey([]byte(tt.doc), tt.key)
		if !errors.Is(err, providers.ErrKeyNotFound) {
			t.Errorf("SelectKey(%q) = %v; want ErrKeyNotFound", tt.key, err)
			continue
		}
		for _, want := range tt.text {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("SelectKey(%q) error %q does not contain %q", tt.key, err, want)
			}
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("SelectKey(%q) error contains a value: %q", tt.key, err)
			}
		}
	}
}

// Field lists in errors are capped.
func TestSelectKeyManyFields(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 30; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"f` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1`)
	}
	b.WriteString("}")
	_, err := providers.SelectKey([]byte(b.String()), "nope")
	if err == nil || !strings.HasSuffix(err.Error(), "...)") {
		t.Errorf("error = %v", err)
	}
}

// YAML scalars come back as written; anchors, aliases and merge keys work; non-string keys are
// taken by their text; a document of nested aliases cannot blow up.
func TestSelectKeyYAMLDetails(t *testing.T) {
	doc := `
base: &base
  host: db
  port: 5432
prod:
  <<: *base
  port: 6543
hex: 0x1F
under: 1_000
octal: 012
float: 1.5e3
inf: .inf
when: 2024-01-02 10:00:00
yes_str: yes
1: one
true: t
alias: *base
`
	for key, want := range map[string]string{
		"hex":            "0x1F",
		"under":          "1_000",
		"octal":          "012",
		"float":          "1.5e3",
		"inf":            ".inf",
		"when":           "2024-01-02 10:00:00",
		"yes_str":        "yes",
		"1":              "one",
		"true":           "t",
		"/prod/host":     "db",
		"/prod/port":     "6543",
		"/alias/port":    "5432",
		"base":           `{"host":"db","port":5432}`,
		"/base/port":     "5432",
		"/prod/nonexist": "",
	} {
		got, err := providers.SelectKey([]byte(doc), key)
		if want == "" {
			if !errors.Is(err, providers.ErrKeyNotFound) {
				t.Errorf("SelectKey(%q) = %q, %v; want ErrKeyNotFound", key, got, err)
			}
			continue
		}
		if err != nil || string(got) != want {
			t.Errorf("SelectKey(%q) = %q, %v; want %q", key, got, err, want)
		}
	}

	var laughs strings.Builder
	laughs.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		laughs.WriteString(name + ": &" + name + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				laughs.WriteString(", ")
			}
			laughs.WriteString("*" + prev)
		}
		laughs.WriteString("]\n")
		prev = name
	}
	if _, err := providers.SelectKey([]byte(laughs.String()), "a"); !errors.Is(err, providers.ErrKeyNotFound) {
		t.Errorf("billion laughs: %v; want a bounded failure", err)
	}
}
