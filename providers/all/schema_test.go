package all_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers/all"
)

// The `providers:` sections are the stores' own, yet a mistake in any of them is reported when
// the file is parsed, with file, line and field, as config reports every other mistake.
func TestSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field in providers.vault", "providers:\n  vault:\n    adress: http://x\n",
			[]string{`secretrun.yaml:3: providers.vault: unknown field "adress" (did you mean "address"?)`}},
		{"unknown field in providers.vault.auth", "providers:\n  vault:\n    auth: {method: approle, role_id_flie: f}\n",
			[]string{`secretrun.yaml:3: providers.vault.auth: unknown field "role_id_flie" (did you mean "role_id_file"?)`}},
		{"unknown provider", "providers:\n  awss: {}\n",
			[]string{`secretrun.yaml:2: providers: unknown field "awss" (did you mean "aws"?)`}},
		{"wrong type in providers", "providers:\n  aws: {region: [eu]}\n",
			[]string{`secretrun.yaml:2: providers.aws.region: must be a string, got a list`}},
		{"providers not a mapping", "providers: vault\n",
			[]string{`secretrun.yaml:1: providers: must be a mapping of fields, got a string`}},
		{"a section not a mapping", "providers:\n  gcp: acme-prod\n",
			[]string{`secretrun.yaml:2: providers.gcp: must be a mapping of fields, got a string`}},
		{"aws validation", "version: 1\nproviders:\n  aws:\n    region: Mars\n",
			[]string{`secretrun.yaml:4: providers.aws: region: "Mars" is not an AWS region name (like eu-west-1)`}},
		{"aws: rol_arn", "providers:\n  aws:\n    rol_arn: x\n",
			[]string{`secretrun.yaml:3: providers.aws: unknown field "rol_arn" (did you mean "role_arn"?)`}},
		{"gcp validation", "providers:\n  gcp:\n    endpoint: emulator:9090\n    plaintext: true\n",
			[]string{`secretrun.yaml:3: providers.gcp: plaintext: refusing plaintext gRPC to "emulator", which is not a loopback address (set allow_remote_plaintext: true if you really mean it)`}},
		{"azure: unknown field", "providers:\n  azure: {vault: kv, tenant: t}\n",
			[]string{`secretrun.yaml:2: providers.azure: unknown field "tenant"`}},
		{"allow_sources names the stores' schemes",
			"profiles:\n  prod:\n    allow_sources: [vault, awsm]\n",
			[]string{`secretrun.yaml:3: profiles.prod.allow_sources: unknown scheme "awsm" (did you mean "awssm"?) (known: ` + strings.Join(all.Schema().Schemes, ", ") + `)`}},
		{"problems of two sections and a profile, in line order", "providers:\n  vault: {max_parallel: many}\n  aws: {regoin: x}\nprofiles:\n  dev: {secret: {}}\n",
			[]string{
				`secretrun.yaml:2: providers.vault.max_parallel: must be an integer, got a string`,
				`secretrun.yaml:3: providers.aws: unknown field "regoin" (did you mean "region"?)`,
				`secretrun.yaml:5: profiles.dev: unknown field "secret" (did you mean "secrets"?)`,
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := all.Schema().Parse("secretrun.yaml", []byte(tc.yaml))
			if c != nil || err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			var got []string
			for _, e := range config.Errors(err) {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// A value pasted in the wrong place of a provider's section may be a credential: messages say
// what kind of value it is, never the value.
func TestSchemaErrorsDoNotShowValues(t *testing.T) {
	for _, src := range []string{
		"providers:\n  vault: {address: [x], max_parallel: hunter2-vault}\n  aws: hunter2-aws\n",
		"providers:\n  vault: {address: http://127.0.0.1:8200, hvs.hunter2}\n",
		"providers:\n  azure: {vault: [hunter2]}\n  gcp: {plaintext: hunter2}\n",
		"providers:\n  {hunter2}\n",
	} {
		_, err := all.Schema().Parse("secretrun.yaml", []byte(src))
		if err == nil {
			t.Errorf("%q: no error", src)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: the message shows the value:\n%v", src, err)
		}
	}
}

// Every complete configuration shown in the docs parses with the stores' settings checked, and
// every section a store reads is known.
func TestSchemaDocsExamples(t *testing.T) {
	docs, _ := filepath.Glob("../../docs/*.md")
	more, _ := filepath.Glob("../../docs/providers/*.md")
	docs = append(docs, more...)
	if len(docs) == 0 {
		t.Skip("no docs")
	}
	n := 0
	for _, f := range docs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
			src := b[1]
			if !strings.HasPrefix(src, "providers:") && !strings.HasPrefix(src, "version:") {
				continue // a fragment, or a file without provider settings
			}
			if strings.Contains(src, "...") || strings.Contains(src, "# error") {
				continue // elided or deliberately wrong
			}
			n++
			if _, err := all.Schema().Parse(f, []byte(src)); err != nil {
				t.Errorf("%s: example does not parse:\n%s\n%v", f, src, err)
			}
		}
	}
	if n < 4 {
		t.Errorf("found only %d complete examples with providers", n)
	}
	c, err := all.Schema().Load("../../config/testdata/contract.yaml", "contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Providers.Names(); !reflect.DeepEqual(got, []string{"aws", "azure", "gcp", "vault"}) {
		t.Errorf("contract.yaml sections %q", got)
	}
}

// The schema has a section for each store with settings (awssm and ssm share providers.aws),
// each of which an empty mapping satisfies, and the schemes of every store of the registry, in
// the list's order.
func TestSchemaSections(t *testing.T) {
	s := all.Schema()
	for _, name := range []string{"aws", "azure", "gcp", "vault"} {
		check := s.Sections[name]
		if check == nil {
			t.Errorf("no section %q", name)
			continue
		}
		c, err := config.Parse("f.yaml", []byte("providers:\n  "+name+": {}\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := check(c.Providers.Section(name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	reg := all.Registry(config.Default(), t.TempDir(), os.LookupEnv).Schemes()
	got := slices.Clone(s.Schemes)
	slices.Sort(got)
	if !reflect.DeepEqual(got, reg) {
		t.Errorf("schema schemes %q, registry %q", s.Schemes, reg)
	}
	if s.Schemes[0] != "vault" || s.Schemes[len(s.Schemes)-1] != "env" {
		t.Errorf("schemes not in the list's order: %q", s.Schemes)
	}
}

// A configuration parsed without the schema still cannot configure a store wrongly: the
// store's Open reports its section's problems, and a store whose section is fine opens.
func TestRegistryDecodesSections(t *testing.T) {
	c, err := config.Parse("secretrun.yaml", []byte("providers:\n  vault:\n    adress: http://x\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := all.Registry(c, t.TempDir(), os.LookupEnv)
	_, err = r.Provider("vault")
	if err == nil || err.Error() != `secretrun.yaml:3: providers.vault: unknown field "adress" (did you mean "address"?)` {
		t.Errorf("vault: %v", err)
	}
	if _, err := r.Provider("gcpsm"); err != nil {
		t.Errorf("gcpsm: %v", err)
	}
}
