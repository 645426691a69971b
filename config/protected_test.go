package config

import (
	"reflect"
	"strings"
	"testing"
)

// Protected profiles and allow_sources: what the file may say, each error with its line.
func TestProtectedErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"default_profile names a protected profile",
			"default_profile: prod\nprofiles:\n  dev: {}\n  prod: {protected: true}\n",
			[]string{`secretrun.yaml:1: default_profile: profile "prod" is protected and cannot be the default; remove default_profile (or name an unprotected profile) and select prod with -p prod or SECRETRUN_PROFILE=prod`}},
		{"an unprotected profile extends a protected one",
			"profiles:\n  prod: {protected: true}\n  dev:\n    extends:\n      - base\n      - prod\n  base: {}\n",
			[]string{`secretrun.yaml:6: profiles.dev.extends: profile "prod" is protected, and dev is not: dev would use prod's secrets without confirmation; mark dev protected: true too, or do not extend prod`}},
		{"protected is a boolean",
			"profiles:\n  prod: {protected: yes}\n",
			[]string{`secretrun.yaml:2: profiles.prod.protected: must be true or false, got "yes"`}},
		{"unknown field near protected",
			"profiles:\n  prod: {protect: true}\n",
			[]string{`secretrun.yaml:2: profiles.prod: unknown field "protect" (did you mean "protected"?)`}},
		{"allow_sources: unknown scheme",
			"profiles:\n  prod:\n    allow_sources: [vault, awsm]\n",
			[]string{`secretrun.yaml:3: profiles.prod.allow_sources: unknown scheme "awsm" (did you mean "awssm"?) (known: vault, awssm, ssm, gcpsm, azkv, dotenv, file, sops, env)`}},
		{"allow_sources: empty list",
			"profiles:\n  prod:\n    allow_sources: []\n",
			[]string{`secretrun.yaml:3: profiles.prod.allow_sources: must list at least one scheme, such as [vault, awssm]`}},
		{"allow_sources: a secret of another scheme, also from a parent",
			"profiles:\n  base:\n    secrets:\n      SENTRY: dotenv://.env#SENTRY\n  prod:\n    protected: true\n    extends: base\n    allow_sources: [vault, awssm]\n    secrets:\n      DB: vault://secret/prod#db\n      KEY: file:///home/dev/key.pem\n      API: {ref: awssm://prod/api}\n",
			[]string{
				`secretrun.yaml:4: profiles.prod.secrets.SENTRY: SENTRY uses dotenv://, which allow_sources of profile prod does not allow (allowed: vault, awssm)`,
				`secretrun.yaml:11: profiles.prod.secrets.KEY: KEY uses file://, which allow_sources of profile prod does not allow (allowed: vault, awssm)`,
			}},
		{"allow_sources is inherited by a profile that extends",
			"profiles:\n  prod:\n    protected: true\n    allow_sources: vault\n  prod-eu:\n    protected: true\n    extends: prod\n    secrets:\n      DB: env://DB\n",
			[]string{`secretrun.yaml:9: profiles.prod-eu.secrets.DB: DB uses env://, which allow_sources of profile prod-eu does not allow (allowed: vault)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := testSchema.Parse("secretrun.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			var got []string
			for _, e := range Errors(err) {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// What is allowed: a protected profile extending an unprotected base or another protected
// profile, allow_sources on any profile, a scheme written with its "://".
func TestProtectedValid(t *testing.T) {
	c := mustParse(t, `
default_profile: dev
profiles:
  base:
    secrets: {SENTRY: vault://secret/shared#sentry}
  dev:
    extends: base
  prod:
    protected: true
    extends: base
    allow_sources: ["vault://", awssm]
    secrets: {DB: awssm://prod/db}
  prod-eu:
    protected: true
    extends: prod
`)
	prod, err := c.Profile("prod")
	if err != nil {
		t.Fatal(err)
	}
	if !prod.Protected || !reflect.DeepEqual(prod.AllowSources, []string{"vault", "awssm"}) {
		t.Errorf("prod: protected %v, allow_sources %q", prod.Protected, prod.AllowSources)
	}
	eu, err := c.Profile("prod-eu")
	if err != nil {
		t.Fatal(err)
	}
	if !eu.Protected || !reflect.DeepEqual(eu.AllowSources, []string{"vault", "awssm"}) {
		t.Errorf("prod-eu: protected %v, allow_sources %q (allow_sources is inherited)", eu.Protected, eu.AllowSources)
	}
	dev, err := c.Profile("")
	if err != nil {
		t.Fatal(err)
	}
	if dev.Name != "dev" || dev.Protected || dev.AllowSources != nil || !dev.AllowsScheme("dotenv") {
		t.Errorf("dev: %+v", dev)
	}
	if prod.AllowsScheme("dotenv") || !prod.AllowsScheme("awssm") {
		t.Errorf("prod.AllowsScheme: dotenv allowed or awssm refused")
	}
}

// A protected profile is never chosen for an empty name: not as the only profile, not as a
// default_profile set in code (Parse refuses it in a file).
func TestProtectedNeverImplicit(t *testing.T) {
	only := mustParse(t, "profiles:\n  prod: {protected: true}\n")
	_, err := only.Profile("")
	if err == nil || err.Error() != `secretrun.yaml: profile "prod" is protected and is never used implicitly (it is the only profile); name it with -p prod (or SECRETRUN_PROFILE=prod)` {
		t.Errorf("only profile: %v", err)
	}
	if p, err := only.Profile("prod"); err != nil || !p.Protected {
		t.Errorf("named: %v %+v", err, p)
	}
	only.DefaultProfile = "prod"
	if _, err := only.Profile(""); err == nil || !strings.Contains(err.Error(), "never used implicitly (default_profile); name it with -p prod") {
		t.Errorf("default_profile: %v", err)
	}
}
