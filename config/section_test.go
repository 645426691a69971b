package config

import (
	"reflect"
	"strings"
	"testing"
)

// testSchema stands in for the built-in stores' schema (providers/all, which config must not
// import) in the tests of the generic `providers:` decoding: sections named and shaped like
// theirs, so that the messages are the ones users see.
var testSchema = Schema{Sections: map[string]func(Section) error{
	"vault": decodeAs[testVault],
	"aws":   decodeAs[testAWS],
	"gcp":   decodeAs[testGCP],
	"azure": decodeAs[testAzure],
	"loose": nil, // known, checked by nobody
}, Schemes: []string{"vault", "awssm", "ssm", "gcpsm", "azkv", "dotenv", "file", "sops", "env"}}

type testVault struct {
	Address     string `yaml:"address"`
	Namespace   string `yaml:"namespace"`
	MaxParallel int    `yaml:"max_parallel"`
	Auth        struct {
		Method string `yaml:"method"`
		Mount  string `yaml:"mount"`
	} `yaml:"auth"`
}

type testAWS struct {
	Region  string `yaml:"region"`
	RoleARN string `yaml:"role_arn"`
}

type testGCP struct {
	Project string `yaml:"project"`
}

type testAzure struct {
	Vault string `yaml:"vault"`
}

func decodeAs[S any](s Section) error {
	var v S
	return s.Decode(&v)
}

// With a schema, sections are decoded by their stores' types and checked where they are; a
// section a schema does not know is an unknown field; without a schema every mapping is kept.
func TestSchemaSections(t *testing.T) {
	src := "providers:\n  vault:\n    address: https://v:8200\n    auth: {method: approle}\n  aws: {region: eu-west-1}\n  loose: {anything: 1}\n"
	c, err := testSchema.Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Providers.Names(); !reflect.DeepEqual(got, []string{"aws", "loose", "vault"}) {
		t.Errorf("Names() = %q", got)
	}
	var v testVault
	sec := c.Providers.Section("vault")
	if err := sec.Decode(&v); err != nil || v.Address != "https://v:8200" || v.Auth.Method != "approle" {
		t.Errorf("vault: %+v, %v", v, err)
	}
	if sec.Line() != 3 || sec.Field() != "providers.vault" || !sec.Set() || sec.File != "f.yaml" {
		t.Errorf("section: line %d field %q set %v file %q", sec.Line(), sec.Field(), sec.Set(), sec.File)
	}
	if err := sec.Errorf("address and namespace disagree"); err.Error() != "f.yaml:3: providers.vault: address and namespace disagree" {
		t.Errorf("Errorf: %v", err)
	}
	absent := c.Providers.Section("gcp")
	g := testGCP{Project: "kept"}
	if err := absent.Decode(&g); err != nil || g.Project != "kept" || absent.Set() || absent.Line() != 0 {
		t.Errorf("absent section: %+v, %v, line %d", g, err, absent.Line())
	}

	// Without a schema the sections are kept unchecked, and the store's Decode finds the
	// problem with the same message.
	c, err = Parse("f.yaml", []byte("providers:\n  vault:\n    adress: x\n  nonesuch: {a: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Providers.Section("vault").Decode(&v)
	if err == nil || err.Error() != `f.yaml:3: providers.vault: unknown field "adress" (did you mean "address"?)` {
		t.Errorf("Decode: %v", err)
	}
	if got := c.Providers.Names(); !reflect.DeepEqual(got, []string{"nonesuch", "vault"}) {
		t.Errorf("Names() = %q", got)
	}

	// A check's plain error is placed at the section.
	plain := Schema{Sections: map[string]func(Section) error{"x": func(Section) error { return errString("bad x") }}}
	if _, err := plain.Parse("f.yaml", []byte("providers:\n  x:\n    a: 1\n")); err == nil || err.Error() != "f.yaml:3: providers.x: bad x" {
		t.Errorf("plain check error: %v", err)
	}
	// A section that is not a mapping is reported once, without its value, by config itself.
	_, err = testSchema.Parse("f.yaml", []byte("providers:\n  aws: hunter2\n  loose: [hunter2]\n"))
	if n := len(Errors(err)); n != 2 || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "f.yaml:2: providers.aws: must be a mapping of fields, got a string") {
		t.Errorf("got %d errors: %v", n, err)
	}
}

// Without a schema, allow_sources takes any scheme-shaped name; with one, only its schemes.
func TestSchemaSchemes(t *testing.T) {
	src := "profiles:\n  prod:\n    allow_sources: [nosuch, \"vault://\"]\n"
	c, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Profiles["prod"].AllowSources; !reflect.DeepEqual(got, []string{"nosuch", "vault"}) {
		t.Errorf("AllowSources = %q", got)
	}
	_, err = Parse("f.yaml", []byte("profiles:\n  prod:\n    allow_sources: [\"No Such\"]\n"))
	if err == nil || err.Error() != `f.yaml:3: profiles.prod.allow_sources: "No Such" is not a scheme name, such as vault or awssm` {
		t.Errorf("malformed scheme: %v", err)
	}
	_, err = Schema{Schemes: []string{"vault"}}.Parse("f.yaml", []byte(src))
	if err == nil || err.Error() != `f.yaml:3: profiles.prod.allow_sources: unknown scheme "nosuch" (known: vault)` {
		t.Errorf("with schemes: %v", err)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
