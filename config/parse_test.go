package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func mustParse(t *testing.T, yaml string) *Config {
	t.Helper()
	c, err := Parse("secretrun.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("Parse: unexpected error:\n%v", err)
	}
	return c
}

// The example of CONTRACT.md §3, verbatim, is a valid configuration.
func TestParseContractExample(t *testing.T) {
	c, err := Load("testdata/contract.yaml", "testdata/contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "testdata/contract.yaml" || c.Version != 1 || c.DefaultProfile != "dev" {
		t.Errorf("header: got path %q version %d default %q", c.Path, c.Version, c.DefaultProfile)
	}
	var (
		v  testVault
		a  testAWS
		g  testGCP
		az testAzure
	)
	for name, into := range map[string]any{"vault": &v, "aws": &a, "gcp": &g, "azure": &az} {
		if err := c.Providers.Section(name).Decode(into); err != nil {
			t.Errorf("providers.%s: %v", name, err)
		}
	}
	if v.Address != "https://vault.example.com:8200" || v.Namespace != "team-a" ||
		v.Auth.Method != "approle" || a.Region != "eu-west-1" ||
		g.Project != "acme-prod" || az.Vault != "acme-kv" {
		t.Errorf("providers: got %+v %+v %+v %+v", v, a, g, az)
	}
	if got := c.ProfileNames(); !reflect.DeepEqual(got, []string{"base", "dev"}) {
		t.Errorf("ProfileNames() = %q", got)
	}
	dev := c.Profiles["dev"]
	var names []string
	for _, s := range dev.Secrets {
		names = append(names, s.Name)
	}
	want := []string{"DATABASE_URL", "STRIPE_KEY", "GCS_HMAC", "SB_CONN", "TLS_KEY", "FEATURE_KEY"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("dev secrets in file order: got %q, want %q", names, want)
	}
	if s := dev.Secrets[4]; s.As != AsFile || s.Ref != "vault://pki/issue/web#private_key" || s.Line != 23 {
		t.Errorf("TLS_KEY: got %+v", s)
	}
	if s := dev.Secrets[5]; !s.Optional || s.Ref != "awssm://dev/feature" {
		t.Errorf("FEATURE_KEY: got %+v", s)
	}
	if dev.Inherit.Mode != InheritAll || !reflect.DeepEqual(dev.Deny, []string{"AWS_SECRET_*"}) ||
		!reflect.DeepEqual(dev.Extends, []string{"base"}) {
		t.Errorf("dev: got %+v", dev)
	}
}

// Every field, with a non-default value.
func TestParseEveryField(t *testing.T) {
	c := mustParse(t, `
version: 1
default_profile: app
redact:
  min_length: 12
  token: "[redacted]"
  name_tokens: true
  strict: true
  encodings: [hex, base32, utf16, hex]
profiles:
  app:
    extends: [a, b]
    env:
      PORT: 8080
      DEBUG: true
      HEX: 0x10
      EMPTY: ""
    secrets:
      DB_URL: vault://secret/app#db
    inherit: [PATH, HOME, "LC_*"]
    deny: [AWS_SECRET_*, "*_TOKEN"]
    clobber: false
    grace: 1m30s
  a: {}
  b:
`)
	wantRedact := Redact{MinLength: 12, Token: "[redacted]", NameTokens: true, Strict: true, Encodings: []string{"hex", "base32", "utf16"}}
	if !reflect.DeepEqual(c.Redact, wantRedact) {
		t.Errorf("redact: got %+v, want %+v", c.Redact, wantRedact)
	}
	app := c.Profiles["app"]
	wantEnv := []EnvVar{{"PORT", "8080", 14}, {"DEBUG", "true", 15}, {"HEX", "0x10", 16}, {"EMPTY", "", 17}}
	if !reflect.DeepEqual(app.Env, wantEnv) {
		t.Errorf("env (values as written, in order): got %+v", app.Env)
	}
	if !reflect.DeepEqual(app.Inherit, Inherit{Mode: InheritList, Patterns: []string{"PATH", "HOME", "LC_*"}}) {
		t.Errorf("inherit: got %+v", app.Inherit)
	}
	if !reflect.DeepEqual(app.Deny, []string{"AWS_SECRET_*", "*_TOKEN"}) {
		t.Errorf("deny: got %q", app.Deny)
	}
	if app.Clobber == nil || *app.Clobber || app.ClobberOrDefault() {
		t.Errorf("clobber: got %v", app.Clobber)
	}
	if app.Grace != 90*time.Second || app.GraceOrDefault() != 90*time.Second {
		t.Errorf("grace: got %v", app.Grace)
	}
	if !reflect.DeepEqual(app.Extends, []string{"a", "b"}) || app.Name != "app" || app.Line != 11 {
		t.Errorf("app: got %+v", app)
	}
	if b := c.Profiles["b"]; b == nil || len(b.Env)+len(b.Secrets) != 0 {
		t.Errorf("a null profile is an empty profile, got %+v", b)
	}
}

func TestParseDefaults(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "version: 1\n", "profiles:\n"} {
		c := mustParse(t, src)
		if c.Version != 1 || c.Redact.MinLength != DefaultMinLength || c.Redact.Token != DefaultToken ||
			c.Redact.Strict || c.Redact.NameTokens || len(c.Redact.Encodings) != 0 || len(c.Profiles) != 0 {
			t.Errorf("%q: got %+v", src, c)
		}
	}
	p := mustParse(t, "profiles: {dev: {}}").Profiles["dev"]
	if p.Inherit.IsSet() || p.Clobber != nil || p.Grace != 0 || !p.ClobberOrDefault() || p.GraceOrDefault() != DefaultGrace {
		t.Errorf("unset profile settings: got %+v", p)
	}
	if !reflect.DeepEqual(Default().Redact, Redact{MinLength: 8, Token: "***"}) {
		t.Errorf("Default().Redact = %+v", Default().Redact)
	}
}

func TestSecretForms(t *testing.T) {
	f, tr := false, true
	tests := []struct {
		name, yaml string
		want       SecretSpec
	}{
		{"short form", `X: vault://secret/app#db`, SecretSpec{Name: "X", Ref: "vault://secret/app#db"}},
		{"short form quoted", `X: "awssm://dev/db"`, SecretSpec{Name: "X", Ref: "awssm://dev/db"}},
		{"long form, ref only", `X: {ref: gcpsm://s}`, SecretSpec{Name: "X", Ref: "gcpsm://s"}},
		{"optional", `X: {ref: env://A, optional: true}`, SecretSpec{Name: "X", Ref: "env://A", Optional: true}},
		{"as file", `X: {ref: file:///k, as: file}`, SecretSpec{Name: "X", Ref: "file:///k", As: AsFile}},
		{"as env is the default", `X: {ref: env://A, as: env}`, SecretSpec{Name: "X", Ref: "env://A"}},
		{"mask false", `X: {ref: env://A, mask: false}`, SecretSpec{Name: "X", Ref: "env://A", Mask: &f}},
		{"mask true", `X: {ref: env://A, mask: true}`, SecretSpec{Name: "X", Ref: "env://A", Mask: &tr}},
		{"block long form", "X:\n        ref: azkv://kv/s\n        optional: false\n        as: file", SecretSpec{Name: "X", Ref: "azkv://kv/s", As: AsFile}},
		{"case is kept", `DataBase_Url: vault://secret/a#b`, SecretSpec{Name: "DataBase_Url", Ref: "vault://secret/a#b"}},
		{"underscore first", `_x1: env://A`, SecretSpec{Name: "_x1", Ref: "env://A"}},
		{"owner and rotate_every in days", `X: {ref: env://A, owner: team-db@example.com, rotate_every: 90d}`,
			SecretSpec{Name: "X", Ref: "env://A", Owner: "team-db@example.com", RotateEvery: 90 * Day}},
		{"rotate_every days and hours", `X: {ref: env://A, rotate_every: 1d12h}`, SecretSpec{Name: "X", Ref: "env://A", RotateEvery: 36 * time.Hour}},
		{"rotate_every a Go duration", `X: {ref: env://A, rotate_every: 720h}`, SecretSpec{Name: "X", Ref: "env://A", RotateEvery: 30 * Day}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, "profiles:\n  p:\n    secrets:\n      "+tt.yaml+"\n")
			got := c.Profiles["p"].Secrets
			tt.want.Line = 4
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got[0].Masked() != (tt.want.Mask == nil || *tt.want.Mask) {
				t.Errorf("Masked() = %v", got[0].Masked())
			}
		})
	}
}

func TestCaseIsKept(t *testing.T) {
	c := mustParse(t, `
profiles:
  p:
    env: {App_Env: x, app_env: y, APP_ENV: z}
    secrets: {DataBase_Url: env://A, database_url: env://B}
`)
	p := c.Profiles["p"]
	if got := []string{p.Env[0].Name, p.Env[1].Name, p.Env[2].Name}; !reflect.DeepEqual(got, []string{"App_Env", "app_env", "APP_ENV"}) {
		t.Errorf("env names: %q", got)
	}
	if p.Secrets[0].Name != "DataBase_Url" || p.Secrets[1].Name != "database_url" {
		t.Errorf("secret names: %+v", p.Secrets)
	}
}

// Anchors, aliases and merge keys work, and top-level x- keys are a place to keep anchors.
func TestParseAnchors(t *testing.T) {
	c := mustParse(t, `
x-common: &common
  LOG_LEVEL: info
  REGION: eu
profiles:
  a:
    env:
      <<: *common
      REGION: us
    secrets: &s
      DB: env://DB
  b:
    secrets: *s
`)
	a := c.Profiles["a"]
	if !reflect.DeepEqual(a.Env, []EnvVar{{"LOG_LEVEL", "info", 3}, {"REGION", "us", 9}}) {
		t.Errorf("merged env: got %+v", a.Env)
	}
	if b := c.Profiles["b"]; len(b.Secrets) != 1 || b.Secrets[0].Name != "DB" {
		t.Errorf("aliased secrets: got %+v", b.Secrets)
	}
}

// Each bad configuration gives exactly these messages, with file, line and field.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top-level field", "verison: 1\n",
			[]string{`secretrun.yaml:1: unknown field "verison" (did you mean "version"?)`}},
		{"unknown field in a profile", "profiles:\n  dev:\n    secret: {}\n",
			[]string{`secretrun.yaml:3: profiles.dev: unknown field "secret" (did you mean "secrets"?)`}},
		{"unknown field in a secret's long form", "profiles:\n  dev:\n    secrets:\n      DB_URL: {ref: env://A, optinal: true}\n",
			[]string{`secretrun.yaml:4: profiles.dev.secrets.DB_URL: unknown field "optinal" (did you mean "optional"?)`}},
		{"unknown field in providers.vault", "providers:\n  vault:\n    adress: http://x\n",
			[]string{`secretrun.yaml:3: providers.vault: unknown field "adress" (did you mean "address"?)`}},
		{"unknown provider", "providers:\n  awss: {}\n",
			[]string{`secretrun.yaml:2: providers: unknown field "awss" (did you mean "aws"?)`}},
		{"unknown field in redact, no close match", "redact:\n  colour: red\n",
			[]string{`secretrun.yaml:2: redact: unknown field "colour"`}},
		{"wrong type in providers", "providers:\n  aws: {region: [eu]}\n",
			[]string{`secretrun.yaml:2: providers.aws.region: must be a string, got a list`}},
		{"providers not a mapping", "providers: vault\n",
			[]string{`secretrun.yaml:1: providers: must be a mapping of fields, got a string`}},
		{"file not a mapping", "- a\n- b\n",
			[]string{`secretrun.yaml:1: the file must be a mapping of fields such as version and profiles, got a list`}},
		{"unsupported version", "version: 2\n",
			[]string{`secretrun.yaml:1: version: unsupported version 2 (this secretrun reads version 1; a newer secretrun may read it)`}},
		{"another version: nothing else is checked", "version: 2\nprofiles: []\nnew_thing: {}\n",
			[]string{`secretrun.yaml:1: version: unsupported version 2 (this secretrun reads version 1; a newer secretrun may read it)`}},
		{"version not a number", "version: one\n",
			[]string{`secretrun.yaml:1: version: must be an integer, got "one"`}},
		{"min_length below the floor", "redact: {min_length: 3}\n",
			[]string{`secretrun.yaml:1: redact.min_length: must be at least 4, got 3 (shorter values cannot be masked safely)`}},
		{"empty token", "redact: {token: \"\"}\n",
			[]string{`secretrun.yaml:1: redact.token: must not be empty`}},
		{"unknown encoding", "redact:\n  encodings: [hex, utf-16]\n",
			[]string{`secretrun.yaml:2: redact.encodings: unknown encoding "utf-16" (did you mean "utf16"?) (known: hex, base32, utf16)`}},
		{"strict not a boolean", "redact: {strict: yes}\n",
			[]string{`secretrun.yaml:1: redact.strict: must be true or false, got "yes"`}},
		{"bad as", "profiles:\n  p:\n    secrets:\n      K: {ref: env://A, as: fille}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K.as: must be env, file or none, got "fille" (did you mean "file"?)`}},
		{"optional not a boolean", "profiles:\n  p:\n    secrets:\n      K: {ref: env://A, optional: 1}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K.optional: must be true or false, got a number`}},
		{"missing ref", "profiles:\n  p:\n    secrets:\n      K: {optional: true}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K: missing ref`}},
		{"empty ref", "profiles:\n  p:\n    secrets:\n      K: \"\"\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K: reference must not be empty`}},
		{"null ref", "profiles:\n  p:\n    secrets:\n      K:\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K: missing reference, such as vault://secret/app#key`}},
		{"ref not a string", "profiles:\n  p:\n    secrets:\n      K: 42\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K: reference must be a string such as vault://secret/app#key, got a number`}},
		{"secret is a list", "profiles:\n  p:\n    secrets:\n      K: [a]\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K: must be a reference or a mapping with ref, optional, as, mask, validate, owner, rotate_every; got a list`}},
		{"bad variable name", "profiles:\n  p:\n    secrets:\n      1DB: env://A\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets: invalid variable name "1DB": use letters, digits and '_', not starting with a digit`}},
		{"variable name with =", "profiles:\n  p:\n    env:\n      \"A=B\": x\n",
			[]string{`secretrun.yaml:4: profiles.p.env: invalid variable name "A=B": a name cannot contain '=' or NUL`}},
		{"variable name with a dash", "profiles:\n  p:\n    env:\n      MY-VAR: x\n",
			[]string{`secretrun.yaml:4: profiles.p.env: invalid variable name "MY-VAR": use letters, digits and '_', not starting with a digit`}},
		{"env value missing", "profiles:\n  p:\n    env:\n      A:\n",
			[]string{`secretrun.yaml:4: profiles.p.env.A: missing value; write A: "" for an empty value`}},
		{"env value a mapping", "profiles:\n  p:\n    env:\n      A: {b: c}\n",
			[]string{`secretrun.yaml:4: profiles.p.env.A: must be a plain value (string, number or boolean), got a mapping`}},
		{"env is a list", "profiles:\n  p:\n    env: [A=1]\n",
			[]string{`secretrun.yaml:3: profiles.p.env: must be a mapping of NAME: value, got a list`}},
		{"variable in env and secrets", "profiles:\n  p:\n    env: {A: x}\n    secrets: {A: env://A}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.A: A is also set in env (line 3); a variable belongs in env or in secrets, not both`}},
		{"duplicate variable", "profiles:\n  p:\n    secrets:\n      A: env://A\n      A: env://B\n",
			[]string{`secretrun.yaml:5: profiles.p.secrets.A: duplicate key "A" (first at line 4)`}},
		{"duplicate profile", "profiles:\n  p: {}\n  p: {}\n",
			[]string{`secretrun.yaml:3: profiles.p: duplicate key "p" (first at line 2)`}},
		{"rotate_every without unit", "profiles:\n  p:\n    secrets:\n      K:\n        ref: env://A\n        rotate_every: 90\n",
			[]string{`secretrun.yaml:6: profiles.p.secrets.K.rotate_every: missing unit in "90"; write a number of days such as "90d"`}},
		{"rotate_every bad", "profiles:\n  p:\n    secrets:\n      K: {ref: env://A, rotate_every: 3mo}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K.rotate_every: invalid duration "3mo"; write a number of days such as "90d", or a duration such as "36h"`}},
		{"rotate_every a float", "profiles:\n  p:\n    secrets:\n      K: {ref: env://A, rotate_every: 1.5}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K.rotate_every: missing unit in "1.5"; write whole days or hours, such as "90d" or "36h"`}},
		{"rotate_every negative", "profiles:\n  p:\n    secrets:\n      K: {ref: env://A, rotate_every: -5d}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K.rotate_every: invalid duration "-5d"; write a number of days such as "90d", or a duration such as "36h"`}},
		{"rotate_every zero", "profiles:\n  p:\n    secrets:\n      K: {ref: env://A, rotate_every: 0d}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K.rotate_every: must be positive, got "0d"`}},
		{"owner empty", "profiles:\n  p:\n    secrets:\n      K:\n        ref: env://A\n        owner: \"\"\n",
			[]string{`secretrun.yaml:6: profiles.p.secrets.K.owner: must not be empty; name a team or an email`}},
		{"owner a list", "profiles:\n  p:\n    secrets:\n      K: {ref: env://A, owner: [a, b]}\n",
			[]string{`secretrun.yaml:4: profiles.p.secrets.K.owner: must be a string, got a list`}},
		{"bad duration", "profiles:\n  p:\n    grace: 10x\n",
			[]string{`secretrun.yaml:3: profiles.p.grace: invalid duration "10x"; write a duration such as "10s" or "1m30s"`}},
		{"duration without unit", "profiles:\n  p:\n    grace: 10\n",
			[]string{`secretrun.yaml:3: profiles.p.grace: missing unit in "10"; write a duration such as "10s"`}},
		{"negative duration", "profiles:\n  p:\n    grace: -1s\n",
			[]string{`secretrun.yaml:3: profiles.p.grace: must be positive, got "-1s"`}},
		{"bad inherit word", "profiles:\n  p:\n    inherit: nothing\n",
			[]string{`secretrun.yaml:3: profiles.p.inherit: must be all, none or a list of names, got "nothing"`}},
		{"bad inherit pattern", "profiles:\n  p:\n    inherit: [PATH, \"LC_[\"]\n",
			[]string{`secretrun.yaml:3: profiles.p.inherit: "LC_[": malformed pattern (see path.Match syntax: *, ?, [a-z])`}},
		{"bad deny pattern", "profiles:\n  p:\n    deny: [\"\"]\n",
			[]string{`secretrun.yaml:3: profiles.p.deny: "": empty pattern`}},
		{"clobber not a boolean", "profiles:\n  p:\n    clobber: no\n",
			[]string{`secretrun.yaml:3: profiles.p.clobber: must be true or false, got "no"`}},
		{"bad profile name", "profiles:\n  my profile: {}\n",
			[]string{`secretrun.yaml:2: profiles: invalid profile name "my profile": use letters, digits, '.', '_' and '-', starting with a letter or digit`}},
		{"unknown parent", "profiles:\n  base: {}\n  dev:\n    extends: bsae\n",
			[]string{`secretrun.yaml:4: profiles.dev.extends: unknown profile "bsae" (did you mean "base"?) (profiles: base, dev)`}},
		{"cycle in extends", "profiles:\n  a: {extends: b}\n  b: {extends: c}\n  c: {extends: a}\n",
			[]string{`secretrun.yaml:2: profiles.a.extends: extends cycle: a -> b -> c -> a`}},
		{"profile extends itself", "profiles:\n  a:\n    extends: [a]\n",
			[]string{`secretrun.yaml:3: profiles.a.extends: extends cycle: a -> a`}},
		{"merge key of a string", "profiles:\n  p:\n    <<: base\n",
			[]string{`secretrun.yaml:3: profiles.p: a merge key (<<) needs a mapping or a list of mappings, got a string`}},
		{"unknown default profile", "default_profile: prdo\nprofiles: {prod: {}, dev: {}}\n",
			[]string{`secretrun.yaml:1: default_profile: unknown profile "prdo" (did you mean "prod"?) (profiles: dev, prod)`}},
		{"YAML syntax error", "profiles:\n  dev:\n    env: {A: b\n",
			[]string{`secretrun.yaml:3: invalid YAML: did not find expected ',' or '}'`}},
		{"tab indentation", "profiles:\n\tdev: {}\n",
			[]string{`secretrun.yaml:2: invalid YAML: found character that cannot start any token`}},
		{"YAML syntax error on line 1", "version: 1: 2\n",
			[]string{`secretrun.yaml:1: invalid YAML: mapping values are not allowed in this context`}},
		{"unknown anchor", "x-a: &a {}\nprofiles:\n  dev: *b\n",
			[]string{`secretrun.yaml:3: invalid YAML: unknown anchor 'b' referenced`}},
		{"error in an aliased node: the line of the text, the field where it is used", "x-s: &s {A: {ref: env://A, optinal: true}}\nprofiles:\n  dev: {secrets: *s}\n",
			[]string{`secretrun.yaml:1: profiles.dev.secrets.A: unknown field "optinal" (did you mean "optional"?)`}},
		{"two documents", "version: 1\n---\nversion: 1\n",
			[]string{`secretrun.yaml:2: a configuration file holds one YAML document; found a second one (remove the "---")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := testSchema.Parse("secretrun.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			if c != nil {
				t.Errorf("a config with errors must be nil, got %+v", c)
			}
			var got []string
			for _, e := range Errors(err) {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if len(Errors(err)) == 0 {
				t.Errorf("error is not an *Error: %T %v", err, err)
			}
		})
	}
}

// All the problems of a file are reported together, in line order, as *Error values.
func TestParseReportsAllErrors(t *testing.T) {
	_, err := Parse("secretrun.yaml", []byte(`version: 1
verison: 1
redact: {min_length: 2}
profiles:
  dev:
    extends: [base, nope]
    secrets:
      DB_URL: {ref: vault://x, optinal: true}
      2FA: env://X
    grace: soon
  base:
    env: {A: }
`))
	errs := Errors(err)
	want := []struct {
		line  int
		field string
	}{
		{2, ""}, {3, "redact.min_length"}, {6, "profiles.dev.extends"}, {8, "profiles.dev.secrets.DB_URL"},
		{9, "profiles.dev.secrets"}, {10, "profiles.dev.grace"}, {12, "profiles.base.env.A"},
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if errs[i].File != "secretrun.yaml" || errs[i].Line != w.line || errs[i].Field != w.field {
			t.Errorf("error %d: got %s:%d %q, want line %d field %q", i, errs[i].File, errs[i].Line, errs[i].Field, w.line, w.field)
		}
	}
	if n := strings.Count(err.Error(), "\n"); n != len(want)-1 {
		t.Errorf("err.Error() has %d lines, want one per problem:\n%v", n+1, err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", "testdata/does-not-exist.yaml")
	errs := Errors(err)
	if len(errs) != 1 || errs[0].Error() != "testdata/does-not-exist.yaml: cannot read configuration: no such file or directory" {
		t.Errorf("got %v", err)
	}
}

// Inline is embedded with ",inline" in TestDecodeStrict.
type Inline struct {
	Extra string `yaml:"extra"`
}

type validated struct {
	A string `yaml:"a"`
	B string `yaml:"b"`
}

func (v *validated) Validate() error {
	if v.B != "" && v.A == "" {
		return errors.New("b needs a")
	}
	return nil
}

// The strict decoder behind `providers:` handles every kind of field a provider may add, and
// calls Validate on types that have it.
func TestDecodeStrict(t *testing.T) {
	type settings struct {
		Name    string            `yaml:"name"`
		Count   int               `yaml:"count"`
		On      *bool             `yaml:"on"`
		Wait    time.Duration     `yaml:"wait"`
		Tags    []string          `yaml:"tags"`
		Headers map[string]string `yaml:"headers"`
		Nested  validated         `yaml:"nested"`
		Ptr     *validated        `yaml:"ptr"`
		Skip    string            `yaml:"-"`
		Plain   string
		Inline  `yaml:",inline"`
		private string
	}
	decode := func(src string) (settings, []string) {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		p := &parser{errorList: errorList{file: "f"}}
		var s settings
		p.decodeStrict(doc.Content[0], reflectValueOf(&s), "providers.x")
		var msgs []string
		for _, e := range Errors(p.err()) {
			msgs = append(msgs, e.Error())
		}
		return s, msgs
	}
	s, errs := decode(`
name: n
count: 3
on: false
wait: 2s
tags: [a, b]
headers: {X-Api: v, x-api: w}
nested: {a: 1}
ptr: {a: 2, b: 3}
plain: p
extra: e
`)
	if len(errs) != 0 {
		t.Fatalf("errors: %q", errs)
	}
	if s.private != "" {
		t.Errorf("unexported field set: %q", s.private)
	}
	if s.Name != "n" || s.Count != 3 || s.On == nil || *s.On || s.Wait != 2*time.Second ||
		!reflect.DeepEqual(s.Tags, []string{"a", "b"}) || s.Headers["X-Api"] != "v" || s.Headers["x-api"] != "w" ||
		s.Nested.A != "1" || s.Ptr == nil || s.Ptr.B != "3" || s.Plain != "p" || s.Extra != "e" {
		t.Errorf("got %+v", s)
	}
	_, errs = decode(`
count: many
on: yes
wait: soon
tags: a
headers: [x]
nested: {b: 1}
skip: x
private: x
`)
	want := []string{
		`f:2: providers.x.count: must be an integer, got "many"`,
		`f:3: providers.x.on: must be true or false, got "yes"`,
		`f:4: providers.x.wait: must be a duration such as "10s", got "soon"`,
		`f:5: providers.x.tags: must be a list, got "a"`,
		`f:6: providers.x.headers: must be a mapping, got a list`,
		`f:7: providers.x.nested: b needs a`,
		`f:8: providers.x: unknown field "skip"`,
		`f:9: providers.x: unknown field "private"`,
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(errs, "\n  "), strings.Join(want, "\n  "))
	}
}

// A value pasted in the wrong place under secrets or providers may be a credential: messages
// there say what kind of value it is, never the value.
func TestErrorsDoNotShowValuesUnderSecretsAndProviders(t *testing.T) {
	_, err := testSchema.Parse("secretrun.yaml", []byte(`
providers:
  vault: {address: [x], max_parallel: hunter2-vault}
  aws: hunter2-aws
profiles:
  dev:
    secrets:
      PIN: 73190248
      DB: {ref: 12345678, optional: hunter2-opt}
      K: {ref: env://K, mask: hunter2-mask}
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, v := range []string{"hunter2", "73190248", "12345678"} {
		if strings.Contains(err.Error(), v) {
			t.Errorf("the message shows %q:\n%v", v, err)
		}
	}
	if n := len(Errors(err)); n != 7 {
		t.Errorf("got %d errors, want 7:\n%v", n, err)
	}
}

// A scalar where a mapping belongs (a dotenv file given as the config), and a key without a
// value (a value written on its own: `{DB_PASS=hunter2}`), may be pasted credentials in any
// section: messages say what they are, never what they hold.
func TestErrorsDoNotShowPastedValues(t *testing.T) {
	for _, src := range []string{
		"DB_PASS=hunter2-a\nAPI_KEY=hunter2-b\n",
		"profiles: DB_PASS=hunter2\n",
		"profiles:\n  dev: DB_PASS=hunter2\n",
		"profiles:\n  dev:\n    env: DB_PASS=hunter2\n",
		"profiles:\n  dev:\n    env: {DB_PASS=hunter2}\n",
		"profiles:\n  dev:\n    secrets: {DB_PASS=hunter2}\n",
		"profiles:\n  dev:\n    secrets:\n      DB_PASS=hunter2:\n",
		"profiles:\n  dev:\n    secrets:\n      K: {ref: env://K, hunter2.x}\n",
		"profiles: {hunter2 x}\n",
		"redact: hunter2\n",
		"redact: {hunter2}\n",
		"providers:\n  vault: {address: http://127.0.0.1:8200, hvs.hunter2}\n",
		"profiles:\n  dev:\n    <<: hunter2\n",
	} {
		_, err := testSchema.Parse("secretrun.yaml", []byte(src))
		if err == nil {
			t.Errorf("%q: no error", src)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: the message shows the value:\n%v", src, err)
		}
	}
}
