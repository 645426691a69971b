package validate

import (
	"crypto/rsa"
	"errors"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every fake value passes Check for its rules: one row per rule and format, and combinations.
func TestFakeSatisfiesRules(t *testing.T) {
	re := regexp.MustCompile
	tests := []struct {
		name  string
		v     string // the variable's name, "" for API_SECRET
		rules *Rules
		want  string // a substring the value must have, "" for none
	}{
		{"no rules", "", nil, "fake-"},
		{"min_length", "", &Rules{MinLength: 64}, "fake-"},
		{"max_length", "", &Rules{MaxLength: 10}, ""},
		{"min and max", "", &Rules{MinLength: 40, MaxLength: 40}, "fake-"},
		{"pattern stripe", "", &Rules{Pattern: re(`^sk_live_[A-Za-z0-9]{24,}$`)}, "sk_live_"},
		{"pattern with min_length", "", &Rules{Pattern: re(`^ghp_[A-Za-z0-9]+$`), MinLength: 40}, "ghp_"},
		{"pattern alternation", "", &Rules{Pattern: re(`^(?:AKIA|ASIA)[A-Z0-9]{16}$`)}, ""},
		{"pattern unanchored", "", &Rules{Pattern: re(`sk_test_`)}, "sk_test_"},
		{"pattern classes", "", &Rules{Pattern: re(`^\d{3}-\w{2,5}\s[^a-z]?\.x$`)}, ""},
		{"pattern bounded", "", &Rules{Pattern: re(`^[a-f0-9]{8,12}$`), MinLength: 10, MaxLength: 11}, ""},
		{"one_of", "", &Rules{OneOf: []string{"staging", "production"}}, "staging"},
		{"one_of with pattern", "", &Rules{OneOf: []string{"staging", "production"}, Pattern: re(`^prod`)}, "production"},
		{"url", "", &Rules{Format: FormatURL}, "https://fake.invalid/"},
		{"url tls", "", &Rules{Format: FormatURL, RequireTLS: true}, "https://"},
		{"url long", "", &Rules{Format: FormatURL, MinLength: 80}, "https://fake.invalid/"},
		{"dsn tls", "DATABASE_URL", &Rules{RequireTLS: true}, "sslmode=verify-full"},
		{"dsn tls, other name, mysql pattern", "", &Rules{RequireTLS: true, Pattern: re(`^mysql://`)}, "tls=true"},
		{"dsn tls, redis name", "REDIS_URL", &Rules{RequireTLS: true}, "rediss://"},
		{"dsn tls with verify pattern", "DATABASE_URL", &Rules{RequireTLS: true, Pattern: re(`sslmode=verify-full`)}, "postgres://"},
		{"json", "", &Rules{Format: FormatJSON}, `"fake":true`},
		{"json keys", "", &Rules{RequiredKeys: []string{"client_email", "private_key", "/db/password", "/a~1b/c~0d", "/list/0"}}, "client_email"},
		{"json long", "", &Rules{Format: FormatJSON, MinLength: 200}, ""},
		{"base64", "", &Rules{Format: FormatBase64}, ""},
		{"base64 long", "", &Rules{Format: FormatBase64, MinLength: 44, MaxLength: 44}, ""},
		{"hex", "", &Rules{Format: FormatHex, MinLength: 64, MaxLength: 64}, ""},
		{"uuid", "", &Rules{Format: FormatUUID}, "-4"},
		{"jwt", "", &Rules{Format: FormatJWT}, "eyJ"},
		{"jwt long", "", &Rules{Format: FormatJWT, MinLength: 400}, "eyJ"},
		{"int", "", &Rules{Format: FormatInt}, ""},
		{"int pattern", "", &Rules{Format: FormatInt, Pattern: re(`^[1-9][0-9]{2}$`)}, ""},
		{"port", "", &Rules{Format: FormatPort}, ""},
		{"email", "", &Rules{Format: FormatEmail}, "@example.invalid"},
		{"email long", "", &Rules{Format: FormatEmail, MinLength: 150}, "@example.invalid"},
		{"hostname long", "", &Rules{Format: FormatHostname, MinLength: 200, MaxLength: 200}, ".invalid"},
		{"pattern exact length", "", &Rules{Pattern: re(`^[a-z]+$`), MinLength: 100, MaxLength: 100}, ""},
		{"pattern nested repeats", "", &Rules{Pattern: re(`^(ab+c)+$`), MinLength: 300}, "ab"},
		{"hostname", "", &Rules{Format: FormatHostname}, ".invalid"},
		{"pem", "", &Rules{Format: FormatPEM}, "PRIVATE KEY"},
		{"private key default", "", &Rules{PEMType: PEMPrivateKey}, "PRIVATE KEY"},
		{"private key rsa odd size", "", &Rules{PEMType: PEMPrivateKey, MinRSABits: 2049}, "PRIVATE KEY"},
		{"private key ecdsa P-384", "", &Rules{PEMType: PEMPrivateKey, KeyTypes: []string{KeyECDSA}, Curves: []string{"P-384"}}, ""},
		{"private key ed25519", "", &Rules{PEMType: PEMPrivateKey, KeyTypes: []string{KeyEd25519}}, ""},
		{"public key", "", &Rules{PEMType: PEMPublicKey}, "PUBLIC KEY"},
		{"public key P-521", "", &Rules{PEMType: PEMPublicKey, KeyTypes: []string{KeyECDSA}, Curves: []string{"P-521"}}, ""},
		{"certificate", "", &Rules{PEMType: PEMCertificate}, "CERTIFICATE"},
		{"certificate long warning", "", &Rules{PEMType: PEMCertificate, ExpiryWarning: 3 * 365 * 24 * time.Hour, KeyTypes: []string{KeyEd25519}}, ""},
		{"certificate ecdsa", "", &Rules{PEMType: PEMCertificate, KeyTypes: []string{KeyECDSA}, Curves: []string{"P-256"}}, ""},
	}
	checker := &Checker{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.v
			if name == "" {
				name = "API_SECRET"
			}
			f := &Faker{Seed: "dev"}
			v, err := f.Fake(name, tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			fails, warns := checker.Check(name, v, tt.rules)
			if len(fails) > 0 || len(warns) > 0 {
				t.Fatalf("fake value %q fails %v, warns %v", v, fails, warns)
			}
			if !strings.Contains(v, tt.want) {
				t.Errorf("fake value %q does not contain %q", v, tt.want)
			}
			again, _ := (&Faker{Seed: "dev"}).Fake(name, tt.rules)
			if again != v && (tt.rules == nil || tt.rules.PEMType != PEMCertificate) {
				t.Errorf("not deterministic: %q then %q", v, again)
			}
		})
	}
}

// The value depends on the seed (profile) and the variable's name.
func TestFakeDependsOnSeedAndName(t *testing.T) {
	a, _ := (&Faker{Seed: "dev"}).Fake("API_KEY", &Rules{MinLength: 32})
	b, _ := (&Faker{Seed: "prod"}).Fake("API_KEY", &Rules{MinLength: 32})
	c, _ := (&Faker{Seed: "dev"}).Fake("OTHER_KEY", &Rules{MinLength: 32})
	if a == b || a == c {
		t.Errorf("values should differ: %q %q %q", a, b, c)
	}
}

// Rules the generator cannot satisfy give an error naming the variable and the rule.
func TestFakeUnsatisfiable(t *testing.T) {
	tests := []struct {
		rules *Rules
		rule  string
	}{
		{&Rules{Pattern: regexp.MustCompile(`^ab$`), MinLength: 5}, "pattern"},
		{&Rules{Pattern: regexp.MustCompile(`^\bx\b\Bz$`)}, "pattern"},
		{&Rules{Format: FormatUUID, Pattern: regexp.MustCompile(`^zz`)}, "pattern"},
		{&Rules{OneOf: []string{"a", "b"}, MinLength: 3}, "one_of"},
	}
	for _, tt := range tests {
		_, err := (&Faker{}).Fake("STRIPE_KEY", tt.rules)
		var fe *FakeError
		if !errors.As(err, &fe) || fe.Rule != tt.rule || fe.Var != "STRIPE_KEY" {
			t.Errorf("%+v: got %v, want a FakeError for rule %s", tt.rules, err, tt.rule)
			continue
		}
		if !strings.HasPrefix(err.Error(), "cannot make a fake value for STRIPE_KEY: ") {
			t.Errorf("message %q", err)
		}
	}
}

// Many random combinations of rules that config validation accepts (pem rules excepted: their
// rows above cover them, and keys are slow): the fake passes Check or is refused with a
// FakeError; no value that fails its rules is ever returned.
func TestFakeRandomRules(t *testing.T) {
	patterns := []string{"", `^[A-Za-z0-9]{20,}$`, `^sk_(live|test)_[a-z0-9]+$`, `^\d+$`, `token`, `^[A-F0-9]{4}(-[A-F0-9]{4}){3}$`,
		`^.{10,20}$`, `^(?i)fake`, `[a-z]+@[a-z]+\.invalid`, `^postgres://`, `^https://`, `^[^\s]{8,}$`}
	formats := append([]string{""}, Formats...)
	rng := rand.New(rand.NewPCG(1, 2))
	checker := &Checker{}
	made := 0
	for i := 0; i < 2000; i++ {
		r := &Rules{Format: formats[rng.IntN(len(formats))]}
		if r.Format == FormatPEM {
			r.Format = ""
		}
		if p := patterns[rng.IntN(len(patterns))]; p != "" {
			r.Pattern = regexp.MustCompile(p)
		}
		if rng.IntN(3) == 0 {
			r.MinLength = rng.IntN(80)
		}
		if rng.IntN(4) == 0 {
			r.MaxLength = r.MinLength + rng.IntN(100)
		}
		if (r.Format == "" || r.Format == FormatURL || r.Format == FormatDSN) && rng.IntN(2) == 0 {
			r.RequireTLS = true
		}
		if (r.Format == "" || r.Format == FormatJSON) && !r.RequireTLS && rng.IntN(3) == 0 {
			r.RequiredKeys = []string{"a", "/b/c"}
		}
		v, err := (&Faker{Seed: "p"}).Fake("VAR", r)
		if err != nil {
			var fe *FakeError
			if !errors.As(err, &fe) {
				t.Fatalf("%+v: %v is not a FakeError", r, err)
			}
			if testing.Verbose() {
				t.Logf("refused: format %q pattern %v min %d max %d tls %v keys %v", r.Format, r.Pattern, r.MinLength, r.MaxLength, r.RequireTLS, r.RequiredKeys)
			}
			continue
		}
		made++
		if fails, _ := checker.Check("VAR", v, r); len(fails) > 0 {
			t.Fatalf("%+v: fake %q fails %v", r, v, fails)
		}
	}
	// Many random sets conflict (format hostname with pattern ^https://); about 30% get a value.
	if made < 500 {
		t.Errorf("only %d of 2000 rule sets got a fake value", made)
	}
	t.Logf("%d of 2000 random rule sets got a fake value", made)
}

// An RSA key has exactly the bits asked for, also an odd number of them.
func TestFakeRSABits(t *testing.T) {
	for _, bits := range []int{2048, 2049} {
		g := &fakeGen{stream: newStream("s", "K", 0), rules: &Rules{}}
		key, err := g.rsaKey(bits)
		if err != nil {
			t.Fatal(err)
		}
		if n := key.Public().(*rsa.PublicKey).N.BitLen(); n != bits {
			t.Errorf("key of %d bits, want %d", n, bits)
		}
	}
}

// BenchmarkFake measures the cost of a fake value: a string with rules, and a 2048-bit RSA key
// (a new name each time, so each iteration searches new primes).
func BenchmarkFake(b *testing.B) {
	b.Run("pattern", func(b *testing.B) {
		r := &Rules{Pattern: regexp.MustCompile(`^sk_live_[A-Za-z0-9]{24,}$`), MinLength: 32}
		for i := 0; b.Loop(); i++ {
			if _, err := (&Faker{Seed: "p"}).Fake("K"+strconv.Itoa(i), r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rsa2048", func(b *testing.B) {
		r := &Rules{PEMType: PEMPrivateKey}
		for i := 0; b.Loop(); i++ {
			if _, err := (&Faker{Seed: "p"}).Fake("K"+strconv.Itoa(i), r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
