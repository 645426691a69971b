package validate

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// canary is in every test value where the format leaves room for it; no message may hold it
// or any 4-byte piece of it.
const canary = "Q7vZk2Wp"

// testNow is the clock of the tests.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type checkCase struct {
	name     string
	rules    Rules
	value    string
	fails    []string // the rules that fail, in order
	warns    []string // the rules that warn
	examples map[string]string
}

func jwt(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + "." + enc([]byte("sig-"+canary))
}

func TestCheck(t *testing.T) {
	k := func(name string) string { return pkcs8PEM(t, key(t, name)) }
	cert := func(name string, from, to time.Duration) string {
		return certPEM(t, key(t, name), testNow.Add(from), testNow.Add(to))
	}
	day := 24 * time.Hour
	year := 365 * day
	cases := []checkCase{
		// placeholders: on by default, with no rules at all
		{name: "real value", value: "sk_live_51H" + canary},
		{name: "changeme", value: "changeme", fails: []string{"placeholder"}},
		{name: "ChangeMe with blanks", value: " ChangeMe\n", fails: []string{"placeholder"}},
		{name: "TODO", value: "TODO", fails: []string{"placeholder"}},
		{name: "angle brackets", value: "<your-key-here>", fails: []string{"placeholder"}},
		{name: "xxx", value: "xxx", fails: []string{"placeholder"}},
		{name: "prefixed x run", value: "sk_live_xxxxxxxxxxxxxxxx", fails: []string{"placeholder"}},
		{name: "AKIA x run", value: "AKIAXXXXXXXXXXXXXXXX", fails: []string{"placeholder"}},
		{name: "unexpanded variable", value: "${DB_PASSWORD}", fails: []string{"placeholder"}},
		{name: "template", value: "{{ .Password }}", fails: []string{"placeholder"}},
		{name: "your api key", value: "YOUR_API_KEY", fails: []string{"placeholder"}},
		{name: "masked", value: "********", fails: []string{"placeholder"}},
		{name: "placeholder word", value: "Placeholder", fails: []string{"placeholder"}},
		{name: "allowed placeholder", rules: Rules{AllowPlaceholder: true}, value: "changeme"},
		{name: "weak but real", value: "hunter2"},
		{name: "the word test", value: "test"},
		{name: "a hostname with example", value: "db.example.com"},
		{name: "x inside a value", value: "xylophone-" + canary + "-xxx"},
		{name: "empty", value: ""},
		{name: ".env.example value", value: "sk_test_" + canary, examples: map[string]string{"V": "sk_test_" + canary}, fails: []string{"placeholder"}},
		{name: ".env.example other value", value: "sk_live_" + canary, examples: map[string]string{"V": "sk_test_" + canary}},
		{name: ".env.example other name", value: "sk_test_" + canary, examples: map[string]string{"OTHER": "sk_test_" + canary}},
		{name: ".env.example empty value", value: "", examples: map[string]string{"V": ""}},
		{name: ".env.example allowed", rules: Rules{AllowPlaceholder: true}, value: "abc" + canary, examples: map[string]string{"V": "abc" + canary}},

		// lengths, in characters
		{name: "min_length fails", rules: Rules{MinLength: 16}, value: canary, fails: []string{"min_length"}},
		{name: "min_length passes", rules: Rules{MinLength: 8}, value: canary},
		{name: "min_length counts characters", rules: Rules{MinLength: 5, MaxLength: 5}, value: "ééééé"},
		{name: "max_length fails", rules: Rules{MaxLength: 4}, value: canary, fails: []string{"max_length"}},
		{name: "both fail", rules: Rules{MinLength: 4, MaxLength: 6, OneOf: []string{"a"}}, value: canary, fails: []string{"max_length", "one_of"}},

		// pattern: RE2, anchored only as written
		{name: "pattern fails", rules: Rules{Pattern: regexp.MustCompile(`^sk_live_[A-Za-z0-9]{8}$`)}, value: "sk_test_" + canary, fails: []string{"pattern"}},
		{name: "pattern passes", rules: Rules{Pattern: regexp.MustCompile(`^sk_live_[A-Za-z0-9]{8}$`)}, value: "sk_live_" + canary},
		{name: "unanchored pattern", rules: Rules{Pattern: regexp.MustCompile(`live`)}, value: "sk_live_" + canary},

		// one_of
		{name: "one_of fails", rules: Rules{OneOf: []string{"dev", "staging", "prod"}}, value: "prod" + canary, fails: []string{"one_of"}},
		{name: "one_of passes", rules: Rules{OneOf: []string{"dev", "staging", "prod"}}, value: "staging"},

		// url and dsn
		{name: "url", rules: Rules{Format: FormatURL}, value: "https://user:" + canary + "@hooks.example/path?x=1"},
		{name: "url without scheme", rules: Rules{Format: FormatURL}, value: "hooks.example:443/" + canary, fails: []string{"format"}},
		{name: "url without host", rules: Rules{Format: FormatURL}, value: "https:///" + canary, fails: []string{"format"}},
		{name: "url that does not parse", rules: Rules{Format: FormatURL}, value: "https://" + canary + "%zz@h/", fails: []string{"format"}},
		{name: "url that is a word", rules: Rules{Format: FormatURL}, value: canary, fails: []string{"format"}},
		{name: "dsn url", rules: Rules{Format: FormatDSN}, value: "postgres://app:" + canary + "@db.internal:5432/app"},
		{name: "dsn unix socket", rules: Rules{Format: FormatDSN}, value: "postgres:///app?host=/var/run/postgresql&password=" + canary},
		{name: "dsn mysql", rules: Rules{Format: FormatDSN}, value: "app:" + canary + "@tcp(db.internal:3306)/app?parseTime=true"},
		{name: "dsn mysql no address", rules: Rules{Format: FormatDSN}, value: "app:" + canary + "@/app"},
		{name: "dsn libpq", rules: Rules{Format: FormatDSN}, value: "host=db.internal user=app password='" + canary + " x\\'y' dbname=app"},
		{name: "dsn libpq unclosed quote", rules: Rules{Format: FormatDSN}, value: "host=db.internal password='" + canary, fails: []string{"format"}},
		{name: "dsn word", rules: Rules{Format: FormatDSN}, value: canary, fails: []string{"format"}},
		{name: "dsn word slash word", rules: Rules{Format: FormatDSN}, value: "abc/" + canary, fails: []string{"format"}},

		// json
		{name: "json", rules: Rules{Format: FormatJSON}, value: `{"password": "` + canary + `"}`},
		{name: "json broken", rules: Rules{Format: FormatJSON}, value: `{"password": "` + canary + `"`, fails: []string{"format"}},
		{name: "required_keys", rules: Rules{RequiredKeys: []string{"user", "/db/password"}}, value: `{"user": "u` + canary + `", "db": {"password": "` + canary + `"}}`},
		{name: "required_keys missing", rules: Rules{RequiredKeys: []string{"user", "/db/password", "/hosts/1"}}, value: `{"db": {"pass": "` + canary + `"}, "hosts": ["a"]}`,
			fails: []string{"required_keys", "required_keys", "required_keys"}},
		{name: "required_keys not an object", rules: Rules{RequiredKeys: []string{"user"}}, value: `["` + canary + `"]`, fails: []string{"format"}},

		// base64, hex, uuid, int, port
		{name: "base64", rules: Rules{Format: FormatBase64}, value: base64.StdEncoding.EncodeToString([]byte(canary + "!"))},
		{name: "base64 url raw", rules: Rules{Format: FormatBase64}, value: base64.RawURLEncoding.EncodeToString([]byte{0xfb, 0xff, 0x01})},
		{name: "base64 fails", rules: Rules{Format: FormatBase64}, value: canary + "!!", fails: []string{"format"}},
		{name: "base64 empty", rules: Rules{Format: FormatBase64}, value: "", fails: []string{"format"}},
		{name: "hex", rules: Rules{Format: FormatHex}, value: "deadbeef0042"},
		{name: "hex odd", rules: Rules{Format: FormatHex}, value: "deadbeef004", fails: []string{"format"}},
		{name: "hex fails", rules: Rules{Format: FormatHex}, value: canary, fails: []string{"format"}},
		{name: "uuid", rules: Rules{Format: FormatUUID}, value: "123e4567-e89b-12d3-a456-426614174000"},
		{name: "uuid fails", rules: Rules{Format: FormatUUID}, value: "123e4567-e89b-12d3-a456-" + canary, fails: []string{"format"}},
		{name: "int", rules: Rules{Format: FormatInt}, value: "-8080"},
		{name: "int fails", rules: Rules{Format: FormatInt}, value: "80" + canary, fails: []string{"format"}},
		{name: "int exponent", rules: Rules{Format: FormatInt}, value: "1e3", fails: []string{"format"}},
		{name: "port", rules: Rules{Format: FormatPort}, value: "5432"},
		{name: "port zero", rules: Rules{Format: FormatPort}, value: "0", fails: []string{"format"}},
		{name: "port too big", rules: Rules{Format: FormatPort}, value: "65536", fails: []string{"format"}},
		{name: "port sign", rules: Rules{Format: FormatPort}, value: "+80", fails: []string{"format"}},

		// email, hostname
		{name: "email", rules: Rules{Format: FormatEmail}, value: "ops-" + canary + "@mail.example"},
		{name: "email with name", rules: Rules{Format: FormatEmail}, value: "Ops <ops-" + canary + "@mail.example>", fails: []string{"format"}},
		{name: "email word", rules: Rules{Format: FormatEmail}, value: canary, fails: []string{"format"}},
		{name: "hostname", rules: Rules{Format: FormatHostname}, value: "db-1." + canary + ".internal."},
		{name: "hostname ipv6", rules: Rules{Format: FormatHostname}, value: "fd00::1"},
		{name: "hostname leading dash", rules: Rules{Format: FormatHostname}, value: "-db." + canary, fails: []string{"format"}},
		{name: "hostname underscore", rules: Rules{Format: FormatHostname}, value: "db_1." + canary, fails: []string{"format"}},

		// jwt
		{name: "jwt", rules: Rules{Format: FormatJWT}, value: jwt(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"`+canary+`","exp":4102444800}`)},
		{name: "jwt expired", rules: Rules{Format: FormatJWT}, value: jwt(`{"alg":"HS256"}`, `{"sub":"`+canary+`","exp":1000}`), fails: []string{"format"}},
		{name: "jwt without alg", rules: Rules{Format: FormatJWT}, value: jwt(`{"typ":"JWT"}`, `{"sub":"`+canary+`"}`), fails: []string{"format"}},
		{name: "jwt two parts", rules: Rules{Format: FormatJWT}, value: "eyJhbGciOiJIUzI1NiJ9." + canary, fails: []string{"format"}},
		{name: "jwt payload not json", rules: Rules{Format: FormatJWT}, value: "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(canary)) + ".c2ln", fails: []string{"format"}},

		// pem
		{name: "pem any block", rules: Rules{Format: FormatPEM}, value: pemString("CANARY DATA", []byte(canary))},
		{name: "pem garbage", rules: Rules{Format: FormatPEM}, value: "-----BEGIN PRIVATE KEY-----\n" + canary, fails: []string{"format"}},
		{name: "pem truncated second block", rules: Rules{Format: FormatPEM}, value: k("p256") + "-----BEGIN CERTIFICATE-----\nMIIB" + canary, fails: []string{"format"}},
		{name: "rsa 2048 key", rules: Rules{PEMType: PEMPrivateKey}, value: k("rsa2048")},
		{name: "rsa 1024 key: default min_rsa_bits", rules: Rules{PEMType: PEMPrivateKey}, value: k("rsa1024"), fails: []string{"min_rsa_bits"}},
		{name: "rsa 1024 key allowed", rules: Rules{PEMType: PEMPrivateKey, MinRSABits: 1024}, value: k("rsa1024")},
		{name: "rsa 2048 key, min 3072", rules: Rules{PEMType: PEMPrivateKey, MinRSABits: 3072}, value: k("rsa2048"), fails: []string{"min_rsa_bits"}},
		{name: "pkcs1 key", rules: Rules{PEMType: PEMPrivateKey}, value: pemString("RSA PRIVATE KEY", pkcs1(t, "rsa2048"))},
		{name: "sec1 key", rules: Rules{PEMType: PEMPrivateKey, Curves: []string{"P-256"}}, value: pemString("EC PRIVATE KEY", sec1(t, "p256"))},
		{name: "ec key wrong curve", rules: Rules{PEMType: PEMPrivateKey, Curves: []string{"P-256"}}, value: k("p384"), fails: []string{"curves"}},
		{name: "ed25519 key not allowed", rules: Rules{PEMType: PEMPrivateKey, KeyTypes: []string{KeyRSA, KeyECDSA}}, value: k("ed25519"), fails: []string{"key_types"}},
		{name: "ed25519 key allowed", rules: Rules{PEMType: PEMPrivateKey, KeyTypes: []string{KeyEd25519}}, value: k("ed25519")},
		{name: "public key given as private", rules: Rules{PEMType: PEMPrivateKey}, value: publicPEM(t, key(t, "p256")), fails: []string{"pem_type"}},
		{name: "corrupt private key", rules: Rules{PEMType: PEMPrivateKey}, value: pemString("PRIVATE KEY", []byte(canary+canary)), fails: []string{"pem_type"}},
		{name: "encrypted private key", rules: Rules{PEMType: PEMPrivateKey}, value: pemString("ENCRYPTED PRIVATE KEY", []byte(canary)), fails: []string{"pem_type"}},
		{name: "two private keys", rules: Rules{PEMType: PEMPrivateKey}, value: k("p256") + k("p384"), fails: []string{"pem_type"}},
		{name: "key and chain bundle", rules: Rules{PEMType: PEMPrivateKey}, value: k("p256") + cert("p256", -day, year)},
		{name: "public key", rules: Rules{PEMType: PEMPublicKey, KeyTypes: []string{KeyECDSA}}, value: publicPEM(t, key(t, "p256"))},
		{name: "public key rsa 1024", rules: Rules{PEMType: PEMPublicKey, MinRSABits: 2048}, value: publicPEM(t, key(t, "rsa1024")), fails: []string{"min_rsa_bits"}},
		{name: "public key wrong type", rules: Rules{PEMType: PEMPublicKey, KeyTypes: []string{KeyRSA}}, value: publicPEM(t, key(t, "ed25519")), fails: []string{"key_types"}},

		// certificates
		{name: "certificate", rules: Rules{PEMType: PEMCertificate}, value: cert("p256", -day, year)},
		{name: "certificate expired", rules: Rules{PEMType: PEMCertificate}, value: cert("p256", -year, -day), fails: []string{"certificate"}},
		{name: "certificate not yet valid", rules: Rules{PEMType: PEMCertificate}, value: cert("p256", day, year), fails: []string{"certificate"}},
		{name: "certificate expires soon", rules: Rules{PEMType: PEMCertificate}, value: cert("p256", -year, 10*day), warns: []string{"expiry_warning"}},
		{name: "certificate expires soon, short window", rules: Rules{PEMType: PEMCertificate, ExpiryWarning: 5 * day}, value: cert("p256", -year, 10*day)},
		{name: "certificate expires soon, warnings off", rules: Rules{PEMType: PEMCertificate, ExpiryWarning: -1}, value: cert("p256", -year, 10*day)},
		{name: "chain with an expired intermediate", rules: Rules{PEMType: PEMCertificate}, value: cert("p256", -day, year) + cert("p384", -year, -day), fails: []string{"certificate"}},
		{name: "certificate small rsa key", rules: Rules{PEMType: PEMCertificate, MinRSABits: 2048}, value: cert("rsa1024", -day, year), fails: []string{"min_rsa_bits"}},
		{name: "certificate small rsa key, no minimum by default", rules: Rules{PEMType: PEMCertificate}, value: cert("rsa1024", -day, year)},
		{name: "certificate key type", rules: Rules{PEMType: PEMCertificate, KeyTypes: []string{KeyRSA}}, value: cert("ed25519", -day, year), fails: []string{"key_types"}},
		{name: "certificate given a key", rules: Rules{PEMType: PEMCertificate}, value: k("p256"), fails: []string{"pem_type"}},
		{name: "corrupt certificate", rules: Rules{PEMType: PEMCertificate}, value: pemString("CERTIFICATE", []byte(canary)), fails: []string{"pem_type"}},
	}
	cases = append(cases, tlsCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &Checker{Now: func() time.Time { return testNow }, Examples: tc.examples}
			fails, warns := c.Check("V", tc.value, &tc.rules)
			var gotFails, gotWarns []string
			for _, f := range fails {
				gotFails = append(gotFails, f.Rule)
				if f.Var != "V" || f.Expected == "" {
					t.Errorf("failure %+v: want Var V and an Expected text", f)
				}
				assertNoLeak(t, tc.value, f.String(), f.Error(), fmt.Sprintf("%v|%+v|%#v", f, f, f), jsonOf(t, f))
			}
			for _, w := range warns {
				gotWarns = append(gotWarns, w.Rule)
				assertNoLeak(t, tc.value, w.String(), fmt.Sprintf("%v|%+v|%#v", w, w, w), jsonOf(t, w))
			}
			if strings.Contains(tc.value, canary) && tc.examples == nil {
				// The messages do not depend on the secret part of the value.
				twinFails, twinWarns := c.Check("V", strings.ReplaceAll(tc.value, canary, "Zx3Rm8Tn"), &tc.rules)
				if !reflect.DeepEqual(twinFails, fails) || !reflect.DeepEqual(twinWarns, warns) {
					t.Errorf("messages change with the value:\n%v %v\n%v %v", fails, warns, twinFails, twinWarns)
				}
			}
			if !slices.Equal(gotFails, tc.fails) {
				t.Errorf("failed rules %q, want %q (%v)", gotFails, tc.fails, fails)
			}
			if !slices.Equal(gotWarns, tc.warns) {
				t.Errorf("warnings %q, want %q (%v)", gotWarns, tc.warns, warns)
			}
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertNoLeak fails when a message holds the value, a 4-byte piece of the canary, or an 8-byte
// piece of a PEM body line (the secret part of keys and certificates). Pieces of the value's
// structure (a scheme, an option name) may appear: expected texts name them. TestCheck also
// checks that messages do not change when the canary does.
func assertNoLeak(t *testing.T, value string, msgs ...string) {
	t.Helper()
	for _, msg := range msgs {
		if v := strings.TrimSpace(value); len(v) >= 4 && strings.Contains(msg, v) {
			t.Errorf("message holds the value: %s", msg)
		}
		for i := 0; i+4 <= len(canary); i++ {
			if strings.Contains(msg, canary[i:i+4]) {
				t.Errorf("message holds %q, a piece of the canary: %s", canary[i:i+4], msg)
			}
		}
		for _, line := range strings.Split(value, "\n") {
			if !strings.Contains(value, "-----BEGIN") || strings.HasPrefix(line, "-----") {
				continue
			}
			for i := 0; i+8 <= len(line); i++ {
				if strings.Contains(msg, line[i:i+8]) {
					t.Errorf("message holds %q, a piece of the PEM body: %s", line[i:i+8], msg)
				}
			}
		}
	}
}

// A value equal to .env.example's may be the real value committed there: the hint says so, and
// asks for a rotation, rather than only offering allow_placeholder.
func TestExampleValueHint(t *testing.T) {
	c := &Checker{Examples: map[string]string{"V": "CANARY-real-in-example-1", "W": "x"}}
	fails, _ := c.Check("V", "CANARY-real-in-example-1", nil)
	if len(fails) != 1 || !strings.Contains(fails[0].Hint, ".env.example holds the real value") || !strings.Contains(fails[0].Hint, "rotate") {
		t.Fatalf("failures = %+v", fails)
	}
	assertNoLeak(t, "CANARY-real-in-example-1", fails[0].String(), fails[0].Hint, jsonOf(t, fails[0]))
	fails, _ = (&Checker{}).Check("V", "changeme", nil)
	if len(fails) != 1 || strings.Contains(fails[0].Hint, "rotate") {
		t.Errorf("a placeholder word asks for a rotation: %+v", fails)
	}
}
