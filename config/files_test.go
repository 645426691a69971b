package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestFiles(t *testing.T) {
	c := mustParse(t, `
profiles:
  base:
    env: {APP: demo}
    secrets:
      DB_PASS: {ref: env://DB, as: none}
      API_KEY: env://KEY
    files:
      APP_CONFIG: {format: json, include: [APP, DB_PASS]}
  dev:
    extends: base
    files:
      APP_CONFIG:
        format: template
        template: |
          db: {{ secret "DB_PASS" | yaml }}
      APP_ENV_FILE: {format: dotenv}
`)
	base, _ := c.Profile("base")
	if want := []FileSpec{{Name: "APP_CONFIG", Format: FileJSON, Include: []string{"APP", "DB_PASS"}, Line: 9, IncludeLines: []int{9, 9}}}; !reflect.DeepEqual(base.Files, want) {
		t.Errorf("base files = %+v, want %+v", base.Files, want)
	}
	if base.Secrets[0].As != AsNone {
		t.Errorf("as: none parsed as %q", base.Secrets[0].As)
	}
	dev, _ := c.Profile("dev")
	if len(dev.Files) != 2 || dev.Files[0].Format != FileTemplate || dev.Files[0].Template != "db: {{ secret \"DB_PASS\" | yaml }}\n" ||
		dev.Files[1].Name != "APP_ENV_FILE" || dev.Files[1].Include != nil {
		t.Errorf("dev files = %+v (the later layer's entry replaces the earlier one whole)", dev.Files)
	}
}

func TestFilesErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown format", "profiles:\n  p:\n    files:\n      F: {format: jsn}\n",
			[]string{`secretrun.yaml:4: profiles.p.files.F.format: must be one of dotenv, json, yaml, template, got "jsn" (did you mean "json"?)`}},
		{"missing format", "profiles:\n  p:\n    files:\n      F: {include: [A]}\n",
			[]string{`secretrun.yaml:4: profiles.p.files.F: missing format (one of dotenv, json, yaml, template)`}},
		{"template without template", "profiles:\n  p:\n    files:\n      F: {format: template}\n",
			[]string{`secretrun.yaml:4: profiles.p.files.F: format template needs a template`}},
		{"template on json", "profiles:\n  p:\n    files:\n      F:\n        format: json\n        template: x\n",
			[]string{`secretrun.yaml:6: profiles.p.files.F.template: only format template takes a template (this file's format is json)`}},
		{"bad template", "profiles:\n  p:\n    files:\n      F:\n        format: template\n        template: '{{ secret \"A\" '\n",
			[]string{`secretrun.yaml:6: profiles.p.files.F.template: invalid template: template: profiles.p.files.F.template:1: unclosed action`}},
		{"unknown template function", "profiles:\n  p:\n    files:\n      F:\n        format: template\n        template: '{{ secrt \"A\" }}'\n",
			[]string{`secretrun.yaml:6: profiles.p.files.F.template: invalid template: template: profiles.p.files.F.template:1: function "secrt" not defined`}},
		{"unknown field", "profiles:\n  p:\n    files:\n      F: {format: json, mode: 0600}\n",
			[]string{`secretrun.yaml:4: profiles.p.files.F: unknown field "mode"`}},
		{"bad file name", "profiles:\n  p:\n    files:\n      1F: {format: json}\n",
			[]string{`secretrun.yaml:4: profiles.p.files: invalid variable name "1F"`}},
		{"include unknown variable", "profiles:\n  p:\n    secrets: {DB_PASS: env://X}\n    files:\n      F:\n        format: json\n        include:\n          - DB_PAS\n",
			[]string{`secretrun.yaml:8: profiles.p.files.F.include: "DB_PAS" is not a variable of profile p (did you mean "DB_PASS"?)`}},
		{"name also a secret", "profiles:\n  p:\n    secrets: {F: env://X}\n    files:\n      F: {format: json}\n",
			[]string{`secretrun.yaml:5: profiles.p.files.F: F is also set in env or secrets; a variable holds a value or a file's path, not both`}},
		{"not a mapping", "profiles:\n  p:\n    files:\n      F: json\n",
			[]string{`secretrun.yaml:4: profiles.p.files.F: must be a mapping with format, include, template; got a string`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("secretrun.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got:\n%v\nwant:\n%s", err, w)
				}
			}
		})
	}
}
