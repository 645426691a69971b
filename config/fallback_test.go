package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFallback(t *testing.T) {
	c := mustParse(t, `
profiles:
  base:
    secrets: {DB_PASS: vault://secret/db#password}
    fallback:
      identity: file://~/.config/secretrun/key.txt
  cron:
    extends: base
  etl:
    extends: base
    fallback: {path: etl.age, passphrase: env://SNAPSHOT_PASS, max_age: 2h}
  plain:
    secrets: {DB_PASS: vault://secret/db#password}
`)
	want := map[string]*Fallback{
		"base":  {Identity: "file://~/.config/secretrun/key.txt", MaxAge: DefaultFallbackMaxAge, Line: 5},
		"cron":  {Identity: "file://~/.config/secretrun/key.txt", MaxAge: DefaultFallbackMaxAge, Line: 5}, // inherited
		"etl":   {Path: "etl.age", Passphrase: "env://SNAPSHOT_PASS", MaxAge: 2 * time.Hour, Line: 11},
		"plain": nil,
	}
	for name, w := range want {
		p, err := c.Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.Fallback, w) {
			t.Errorf("%s: fallback = %+v, want %+v", name, p.Fallback, w)
		}
	}
}

func TestFallbackErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"remote key", "profiles:\n  p:\n    fallback:\n      identity: vault://secret/key#k\n",
			`secretrun.yaml:4: profiles.p.fallback.identity: must be an env:// or file:// reference (the fallback is for when remote stores are down)`},
		{"no key", "profiles:\n  p:\n    fallback: {max_age: 1h}\n",
			`secretrun.yaml:3: profiles.p.fallback: missing identity (an age identity file, file://…) or passphrase (env://… or file://…)`},
		{"both keys", "profiles:\n  p:\n    fallback:\n      identity: file://k\n      passphrase: env://P\n",
			`secretrun.yaml:4: profiles.p.fallback: set identity or passphrase, not both`},
		{"max_age without unit", "profiles:\n  p:\n    fallback:\n      passphrase: env://P\n      max_age: 24\n",
			`secretrun.yaml:5: profiles.p.fallback.max_age: missing unit in "24"`},
		{"negative max_age", "profiles:\n  p:\n    fallback:\n      passphrase: env://P\n      max_age: -1h\n",
			`secretrun.yaml:5: profiles.p.fallback.max_age: must be positive`},
		{"unknown field", "profiles:\n  p:\n    fallback:\n      passphrase: env://P\n      maxage: 1h\n",
			`secretrun.yaml:5: profiles.p.fallback: unknown field "maxage"`},
		{"empty path", "profiles:\n  p:\n    fallback:\n      passphrase: env://P\n      path: ''\n",
			`secretrun.yaml:5: profiles.p.fallback.path: must not be empty`},
		{"not a mapping", "profiles:\n  p:\n    fallback: yes\n",
			`secretrun.yaml:3: profiles.p.fallback: must be a mapping`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("secretrun.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}
