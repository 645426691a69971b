package config

import (
	"reflect"
	"strings"
	"testing"
)

// The name rules, as the user reads them: rename wins whole; otherwise strip, sanitize, upper
// (the key only), then prefix; a result that is not a variable name says which rule to add.
func TestImportVarName(t *testing.T) {
	tests := []struct {
		name    string
		im      Import
		key     string
		want    string
		wantErr string
	}{
		{"as is", Import{}, "DB_PASSWORD", "DB_PASSWORD", ""},
		{"prefix", Import{Prefix: "APP_"}, "token", "APP_token", ""},
		{"upper leaves the prefix as written", Import{Prefix: "app_", Upper: true}, "token", "app_TOKEN", ""},
		{"strip then prefix", Import{Strip: "prod_", Prefix: "APP_"}, "prod_db", "APP_db", ""},
		{"strip only when present", Import{Strip: "prod_"}, "db", "db", ""},
		{"sanitize a path", Import{Sanitize: true, Upper: true}, "db/pass-word.v2", "DB_PASS_WORD_V2", ""},
		{"sanitize non-ASCII", Import{Sanitize: true}, "clé", "cl_", ""},
		{"rename wins over every rule", Import{Prefix: "X_", Upper: true, Rename: map[string]string{"api.key": "API_KEY"}}, "api.key", "API_KEY", ""},
		{"needs sanitize", Import{}, "db-password", "", `key "db-password" gives "db-password", which is not a valid variable name: add sanitize: true`},
		{"needs a prefix", Import{}, "2fa_seed", "", `key "2fa_seed" gives "2fa_seed", which is not a valid variable name: add a prefix (such as prefix: APP_) or rename: {"2fa_seed": NAME}`},
		{"prefix fixes a digit", Import{Prefix: "APP_"}, "2fa_seed", "APP_2fa_seed", ""},
		{"strip leaves nothing", Import{Strip: "db"}, "db", "", `key "db" leaves an empty name once strip "db" is removed; add rename: {"db": NAME}`},
		{"sanitized but still a digit first", Import{Sanitize: true}, "1-x", "", `add a prefix`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.im.VarName(tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("VarName(%q) = %q, %v; want an error containing %q", tt.key, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("VarName(%q) = %q, %v; want %q", tt.key, got, err, tt.want)
			}
		})
	}
}

func TestParseImports(t *testing.T) {
	c := mustParse(t, `
profiles:
  base:
    import:
      - vault://secret/shared
      - {from: dotenv://.env, prefix: DOT_}
  app:
    extends: base
    import:
      - from: vault://secret/app/
        prefix: APP_
        strip: app_
        upper: true
        sanitize: true
        recursive: true
        optional: true
        rename: {db-pass: DATABASE_PASSWORD}
      - {from: dotenv://.env, prefix: LOCAL_}
`)
	p, err := c.Profile("app")
	if err != nil {
		t.Fatal(err)
	}
	want := []Import{
		{From: "vault://secret/shared", Line: 5},
		{From: "dotenv://.env", Prefix: "LOCAL_", Line: 18}, // the later layer's entry replaces the parent's, in its place
		{From: "vault://secret/app/", Prefix: "APP_", Strip: "app_", Upper: true, Sanitize: true, Recursive: true, Optional: true,
			Rename: map[string]string{"db-pass": "DATABASE_PASSWORD"}, Line: 10},
	}
	if !reflect.DeepEqual(p.Imports, want) {
		t.Errorf("Imports:\n got %+v\nwant %+v", p.Imports, want)
	}
	if base, _ := c.Profile("base"); len(base.Imports) != 2 || base.Imports[1].Prefix != "DOT_" {
		t.Errorf("the parent's own imports changed: %+v", base.Imports)
	}
}

func TestParseImportErrors(t *testing.T) {
	_, err := Parse("secretrun.yaml", []byte(`
profiles:
  a:
    allow_sources: [vault]
    import:
      - {from: vault://secret/app/, prefx: APP_}
      - {prefix: APP_}
      - {from: not-a-ref}
      - {from: vault://x/, upper: yes}
      - {from: vault://x, rename: {a: 1BAD}}
      - {from: vault://y, prefix: "9_"}
      - {from: dotenv://.env}
      - 42
  b:
    import: {from: vault://secret/}
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`secretrun.yaml:6: profiles.a.import[0]: unknown field "prefx" (did you mean "prefix"?)`,
		`secretrun.yaml:7: profiles.a.import[1]: missing from, the reference to import`,
		`secretrun.yaml:8: profiles.a.import[2].from: must be a reference such as vault://secret/app/`,
		`secretrun.yaml:9: profiles.a.import[3].upper: must be true or false`,
		`secretrun.yaml:10: profiles.a.import[4].rename.a: invalid variable name "1BAD"`,
		`secretrun.yaml:11: profiles.a.import[5].prefix: "9_" cannot start a variable name`,
		`secretrun.yaml:13: profiles.a.import[7]: reference must be a string such as vault://secret/app#key, got the number 42`,
		`secretrun.yaml:15: profiles.b.import: must be a list of imports`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "not-a-ref") {
		t.Errorf("a string where a reference belongs is quoted (it may be a credential):\n%v", err)
	}
}

// allow_sources covers imports too, with the entry's line.
func TestImportAllowSources(t *testing.T) {
	_, err := Parse("secretrun.yaml", []byte(`
profiles:
  prod:
    allow_sources: [vault]
    import:
      - vault://secret/app/
      - dotenv://.env
`))
	want := `secretrun.yaml:7: profiles.prod.import: this import uses dotenv://, which allow_sources of profile prod does not allow (allowed: vault)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
	if strings.Contains(err.Error(), "vault://secret") {
		t.Errorf("an allowed import is reported: %v", err)
	}
}
