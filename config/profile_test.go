package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

const extendsYAML = `
profiles:
  base:
    env:
      LOG_LEVEL: info
      REGION: eu
    secrets:
      SENTRY_DSN: env://SENTRY
      API_KEY: env://BASE_KEY
    deny: ["AWS_SECRET_*"]
    inherit: none
    grace: 5s
  ci:
    env:
      REGION: us
      CI: "true"
    secrets:
      API_KEY: {ref: env://CI_KEY, optional: true}
    deny: ["GITHUB_*", "AWS_SECRET_*"]
    clobber: false
  dev:
    extends: [base, ci]
    env:
      APP_ENV: dev
      SENTRY_DSN: none
    secrets:
      DB: vault://secret/dev#db
      LOG_LEVEL: env://LEVEL
    inherit: [PATH, "LC_*"]
  leaf:
    extends: dev
    grace: 20s
`

// extends: parents in order, then the profile itself; later layers win.
func TestProfileExtends(t *testing.T) {
	c := mustParse(t, extendsYAML)
	dev, err := c.Profile("dev")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	var envOrder []string
	for _, e := range dev.Env {
		env[e.Name] = e.Value
		envOrder = append(envOrder, e.Name)
	}
	// REGION from ci overrides base but keeps base's position; LOG_LEVEL moved to secrets;
	// SENTRY_DSN moved from secrets to env.
	if want := []string{"REGION", "CI", "APP_ENV", "SENTRY_DSN"}; !reflect.DeepEqual(envOrder, want) {
		t.Errorf("env order: got %q, want %q", envOrder, want)
	}
	if env["REGION"] != "us" || env["SENTRY_DSN"] != "none" {
		t.Errorf("env: got %v", env)
	}
	var secrets []string
	for _, s := range dev.Secrets {
		secrets = append(secrets, s.Name+"="+s.Ref)
	}
	if want := []string{"API_KEY=env://CI_KEY", "DB=vault://secret/dev#db", "LOG_LEVEL=env://LEVEL"}; !reflect.DeepEqual(secrets, want) {
		t.Errorf("secrets: got %q, want %q", secrets, want)
	}
	if !dev.Secrets[0].Optional {
		t.Errorf("API_KEY: the long form from ci replaces base's entry whole: %+v", dev.Secrets[0])
	}
	if want := []string{"AWS_SECRET_*", "GITHUB_*"}; !reflect.DeepEqual(dev.Deny, want) {
		t.Errorf("deny is the union: got %q, want %q", dev.Deny, want)
	}
	if dev.Inherit.Mode != InheritList || !reflect.DeepEqual(dev.Inherit.Patterns, []string{"PATH", "LC_*"}) {
		t.Errorf("inherit: the child's wins: got %+v", dev.Inherit)
	}
	if dev.Clobber == nil || *dev.Clobber {
		t.Errorf("clobber: inherited from ci: got %v", dev.Clobber)
	}
	if dev.Grace != 5*time.Second {
		t.Errorf("grace: inherited from base: got %v", dev.Grace)
	}
	if dev.Name != "dev" || !reflect.DeepEqual(dev.Extends, []string{"base", "ci"}) {
		t.Errorf("name/extends: got %q %q", dev.Name, dev.Extends)
	}

	leaf, err := c.Profile("leaf")
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Grace != 20*time.Second || len(leaf.Secrets) != 3 || leaf.Inherit.Mode != InheritList {
		t.Errorf("leaf: got %+v", leaf)
	}

	// The profile as written is untouched, and the result is the caller's to change.
	if raw := c.Profiles["dev"]; len(raw.Env) != 2 || len(raw.Secrets) != 2 {
		t.Errorf("Profile changed the parsed profile: %+v", raw)
	}
	leaf.Env[0].Value = "changed"
	*leaf.Clobber = true
	again, _ := c.Profile("leaf")
	if again.Env[0].Value != "us" || *again.Clobber {
		t.Errorf("results share memory: %+v", again)
	}
}

// A diamond (two parents sharing a grandparent) is not a cycle.
func TestProfileDiamond(t *testing.T) {
	c := mustParse(t, `
profiles:
  root: {env: {A: root}}
  l: {extends: root, env: {L: l}}
  r: {extends: root, env: {A: r}}
  d: {extends: [l, r]}
`)
	d, err := c.Profile("d")
	if err != nil {
		t.Fatal(err)
	}
	if want := []EnvVar{{"A", "r", 5}, {"L", "l", 4}}; !reflect.DeepEqual(d.Env, want) {
		t.Errorf("got %+v, want %+v", d.Env, want)
	}
}

func TestProfileSelection(t *testing.T) {
	tests := []struct {
		name, yaml, ask string
		want            string // profile name, or "error: " + message
	}{
		{"named", "profiles: {a: {}, b: {}}", "b", "b"},
		{"default_profile", "default_profile: b\nprofiles: {a: {}, b: {}}", "", "b"},
		{"named beats default", "default_profile: b\nprofiles: {a: {}, b: {}}", "a", "a"},
		{"the only profile", "profiles: {solo: {}}", "", "solo"},
		{"no profiles: empty profile", "version: 1", "", ""},
		{"several and no default", "profiles: {a: {}, b: {}}", "",
			"error: secretrun.yaml: no profile selected and no default_profile set; choose one with -p (profiles: a, b)"},
		{"unknown, with suggestion", "profiles: {prod: {}, dev: {}}", "prdo",
			`error: secretrun.yaml: unknown profile "prdo" (did you mean "prod"?) (profiles: dev, prod)`},
		{"unknown, case", "profiles: {prod: {}, dev: {}}", "Prod",
			`error: secretrun.yaml: unknown profile "Prod" (did you mean "prod"?) (profiles: dev, prod)`},
		{"unknown, no suggestion", "profiles: {prod: {}, dev: {}}", "staging",
			`error: secretrun.yaml: unknown profile "staging" (profiles: dev, prod)`},
		{"unknown, none defined", "version: 1", "dev",
			`error: secretrun.yaml: unknown profile "dev" (no profiles are defined)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := mustParse(t, tt.yaml).Profile(tt.ask)
			got := ""
			if err != nil {
				got = "error: " + err.Error()
				if len(Errors(err)) != 1 {
					t.Errorf("not an *Error: %T", err)
				}
			} else {
				got = p.Name
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Without a configuration file, cmd may call Profile on a nil *Config.
func TestProfileNilConfig(t *testing.T) {
	var c *Config
	p, err := c.Profile("")
	if err != nil || p == nil || len(p.Env)+len(p.Secrets) != 0 {
		t.Errorf("nil config, no name: got %+v, %v", p, err)
	}
	if _, err := c.Profile("dev"); err == nil || !strings.Contains(err.Error(), `unknown profile "dev": no configuration file was found`) {
		t.Errorf("nil config, a name: got %v", err)
	}
	if c.ProfileNames() != nil {
		t.Error("ProfileNames on nil")
	}
}

// A Config built in code (not by Parse) with a cycle is still caught.
func TestProfileCycleBuiltInCode(t *testing.T) {
	c := Default()
	c.Profiles["a"] = &Profile{Name: "a", Extends: []string{"b"}}
	c.Profiles["b"] = &Profile{Name: "b", Extends: []string{"a"}}
	_, err := c.Profile("a")
	if err == nil || !strings.Contains(err.Error(), "extends cycle: a -> b -> a") {
		t.Errorf("got %v", err)
	}
	c.Profiles["b"].Extends = []string{"gone"}
	if _, err := c.Profile("a"); err == nil || !strings.Contains(err.Error(), `unknown profile "gone"`) {
		t.Errorf("got %v", err)
	}
}
