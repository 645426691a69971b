package validate

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// fuzzRules applies every rule at once, one format at a time.
func fuzzRules() []*Rules {
	var out []*Rules
	for _, f := range Formats {
		out = append(out, &Rules{Format: f, MinLength: 4, MaxLength: 64, Pattern: regexp.MustCompile(`^a`), OneOf: []string{"a"}})
	}
	return append(out,
		&Rules{RequireTLS: true},
		&Rules{RequiredKeys: []string{"a", "/b/0"}},
		&Rules{PEMType: PEMPrivateKey, KeyTypes: []string{KeyRSA}, Curves: []string{"P-256"}},
		&Rules{PEMType: PEMCertificate, MinRSABits: 4096},
		&Rules{PEMType: PEMPublicKey},
	)
}

// Check never panics, and no message holds the value. Messages are ASCII (but for the
// pattern, which is ASCII here), so a value with a byte outside printable ASCII can be looked
// for in them without matching the messages' own words by chance.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{"changeme", "postgres://u:p\xff@h/db?sslmode=require", "host=a password='x", "u:p@tcp(h)/d?tls=true",
		`{"a": {"b": [1]}}`, "eyJhbGciOiJub25lIn0.e30.", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "xxxx\x00"} {
		f.Add(seed)
	}
	rules := fuzzRules()
	c := &Checker{Now: func() time.Time { return testNow }}
	f.Fuzz(func(t *testing.T, value string) {
		binary := len(value) >= 4 && strings.IndexFunc(value, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0
		for _, r := range rules {
			fails, warns := c.Check("V", value, r)
			for _, fl := range fails {
				if binary && strings.Contains(fl.String(), value) {
					t.Fatalf("message holds the value: %s", fl)
				}
			}
			for _, w := range warns {
				if binary && strings.Contains(w.String(), value) {
					t.Fatalf("warning holds the value: %s", w)
				}
			}
		}
	})
}
