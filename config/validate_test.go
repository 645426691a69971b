package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/validate"
)

// Every field of a `validate:` block, with aliases.
func TestParseValidate(t *testing.T) {
	c := mustParse(t, `
profiles:
  app:
    secrets:
      PLAIN: vault://secret/app#plain
      DB_URL:
        ref: vault://secret/app#db
        validate: {require_tls: true, min_length: 10, max_length: 200}
      STRIPE:
        ref: awssm://stripe
        validate:
          pattern: ^sk_live_[A-Za-z0-9]{24}$
          one_of: [a, b]
          allow_placeholder: true
      TLS_KEY:
        ref: vault://secret/tls#key
        as: file
        validate: {pem_type: private key, min_rsa_bits: 3072, key_types: [rsa, ec], curves: [prime256v1, P-384]}
      TLS_CERT:
        ref: vault://secret/tls#cert
        validate: {format: pem, pem_type: certificate, expiry_warning: 14d}
      CERT_NOWARN:
        ref: vault://secret/tls#cert
        validate: {pem_type: cert, expiry_warning: 0s}
      SA:
        ref: gcpsm://sa
        validate: {format: json, required_keys: [client_email, /private_key]}
`)
	s := c.Profiles["app"].Secrets
	if s[0].Validate != nil {
		t.Errorf("PLAIN: got rules %+v, want nil", s[0].Validate)
	}
	if r := s[1].Validate; !r.RequireTLS || r.MinLength != 10 || r.MaxLength != 200 {
		t.Errorf("DB_URL: got %+v", r)
	}
	if r := s[2].Validate; r.Pattern.String() != `^sk_live_[A-Za-z0-9]{24}$` || !reflect.DeepEqual(r.OneOf, []string{"a", "b"}) || !r.AllowPlaceholder {
		t.Errorf("STRIPE: got %+v", r)
	}
	want := &validate.Rules{PEMType: validate.PEMPrivateKey, MinRSABits: 3072, KeyTypes: []string{"rsa", "ecdsa"}, Curves: []string{"P-256", "P-384"}}
	if r := s[3].Validate; !reflect.DeepEqual(r, want) || s[3].As != AsFile {
		t.Errorf("TLS_KEY: got %+v, want %+v", r, want)
	}
	if r := s[4].Validate; r.Format != validate.FormatPEM || r.PEMType != validate.PEMCertificate || r.ExpiryWarning != 14*24*time.Hour {
		t.Errorf("TLS_CERT: got %+v", r)
	}
	if r := s[5].Validate; r.ExpiryWarning >= 0 {
		t.Errorf("CERT_NOWARN: expiry_warning 0s must turn warnings off (negative), got %v", r.ExpiryWarning)
	}
	if r := s[6].Validate; r.Format != validate.FormatJSON || !reflect.DeepEqual(r.RequiredKeys, []string{"client_email", "/private_key"}) {
		t.Errorf("SA: got %+v", r)
	}
}

// A later layer's secret replaces an earlier one whole, rules included.
func TestValidateExtends(t *testing.T) {
	c := mustParse(t, `
profiles:
  base:
    secrets:
      DB: {ref: vault://a#db, validate: {require_tls: true}}
      KEY: {ref: vault://a#key, validate: {min_length: 32}}
  dev:
    extends: base
    secrets:
      DB: vault://a#devdb
`)
	p, err := c.Profile("dev")
	if err != nil {
		t.Fatal(err)
	}
	if p.Secrets[0].Validate != nil || p.Secrets[1].Validate == nil || p.Secrets[1].Validate.MinLength != 32 {
		t.Errorf("got %+v and %+v", p.Secrets[0].Validate, p.Secrets[1].Validate)
	}
}

// Every mistake in a validate block is reported at once, with its line and field.
func TestValidateErrors(t *testing.T) {
	_, err := Parse("secretrun.yaml", []byte(`profiles:
  app:
    secrets:
      A:
        ref: vault://a#b
        validate:
          min_lenght: 3
          format: urll
          pattern: "([a-z"
          pem_type: privatekey
          min_length: -1
      B:
        ref: vault://a#b
        validate: {format: json, require_tls: true, min_rsa_bits: 2048}
      C:
        ref: vault://a#b
        validate: {pem_type: public_key, expiry_warning: 10, key_types: [dsa], curves: P-999}
      D:
        ref: vault://a#b
        validate: {min_length: 10, max_length: 5, one_of: [], required_keys: [""], allow_placeholder: yes}
      E:
        ref: vault://a#b
        validate: [min_length]
`))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`secretrun.yaml:7: profiles.app.secrets.A.validate: unknown field "min_lenght" (did you mean "min_length"?)`,
		`secretrun.yaml:8: profiles.app.secrets.A.validate.format: unknown format "urll" (did you mean "url"?) (known: url, dsn, json, base64, hex, uuid, jwt, int, port, email, hostname, pem)`,
		`secretrun.yaml:9: profiles.app.secrets.A.validate.pattern: invalid RE2 pattern: missing closing ]: ` + "`[a-z`",
		`secretrun.yaml:10: profiles.app.secrets.A.validate.pem_type: must be private_key, certificate or public_key, got "privatekey" (did you mean "private_key"?)`,
		`secretrun.yaml:11: profiles.app.secrets.A.validate.min_length: must be positive, got -1`,
		`secretrun.yaml:14: profiles.app.secrets.B.validate.require_tls: require_tls needs format: url or dsn (or no format)`,
		`secretrun.yaml:14: profiles.app.secrets.B.validate.min_rsa_bits: min_rsa_bits needs pem_type`,
		`secretrun.yaml:17: profiles.app.secrets.C.validate.expiry_warning: invalid duration "10"; write a duration such as "720h" or "30d"`,
		`secretrun.yaml:17: profiles.app.secrets.C.validate.key_types: unknown value "dsa" (did you mean "rsa"?) (known: rsa, ecdsa, ed25519)`,
		`secretrun.yaml:17: profiles.app.secrets.C.validate.curves: unknown value "P-999" (known: P-256, P-384, P-521)`,
		`secretrun.yaml:17: profiles.app.secrets.C.validate.expiry_warning: expiry_warning needs pem_type: certificate`,
		`secretrun.yaml:20: profiles.app.secrets.D.validate.one_of: must list at least one value`,
		`secretrun.yaml:20: profiles.app.secrets.D.validate.required_keys: empty key`,
		`secretrun.yaml:20: profiles.app.secrets.D.validate.allow_placeholder: must be true or false, got a string`,
		`secretrun.yaml:20: profiles.app.secrets.D.validate.max_length: max_length is smaller than min_length`,
		`secretrun.yaml:23: profiles.app.secrets.E.validate: must be a mapping of fields, got a list`,
	}
	got := strings.Split(err.Error(), "\n")
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("missing error:\n  %s\ngot:\n  %s", w, strings.Join(got, "\n  "))
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d errors, want %d:\n  %s", len(got), len(want), strings.Join(got, "\n  "))
	}
}

// The complete configurations in docs/validation.md parse.
func TestValidationDocExamplesParse(t *testing.T) {
	doc, err := os.ReadFile("../docs/validation.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) == 0 {
		t.Fatal("no yaml example in docs/validation.md")
	}
	for _, b := range blocks {
		if _, err := Parse("docs/validation.md", []byte(b[1])); err != nil {
			t.Errorf("example does not parse:\n%s\n%v", b[1], err)
		}
	}
}
