package redact

import (
	"math/rand"
	"strings"
	"testing"
)

// Find's regions, replaced by the token, give exactly what MaskString gives (with a byte that
// is in no needle appended, so that the end-of-stream rule does not apply).
func TestFindAgreesWithMaskString(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	alphabet := "aab%: \n\\&u0;#"
	for i := 0; i < 3000; i++ {
		var secrets []Secret
		for j := 0; j < 1+rng.Intn(3); j++ {
			secrets = append(secrets, Secret{Name: "S", Value: findRandString(rng, alphabet, 4+rng.Intn(6))})
		}
		m, _ := Compile(secrets, Options{MinLength: 4})
		in := findRandString(rng, alphabet+"xyz", rng.Intn(60))
		var b strings.Builder
		last := 0
		for _, r := range m.Find([]byte(in)) {
			b.WriteString(in[last:r.Start])
			b.WriteString(DefaultToken)
			last = r.End
		}
		b.WriteString(in[last:])
		want := strings.TrimSuffix(m.MaskString(in+"\x00"), "\x00")
		if b.String() != want {
			t.Fatalf("secrets %q, input %q: Find gives %q, MaskString %q", secrets, in, b.String(), want)
		}
	}
}

func findRandString(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.Intn(len(alphabet))]
	}
	return string(b)
}

func TestFindEncodedForms(t *testing.T) {
	m, _ := Compile([]Secret{{Name: "K", Value: "CANARY-find/me+now"}}, Options{})
	in := "raw CANARY-find/me+now url CANARY-find%2Fme%2Bnow b64 " + "Q0FOQVJZLWZpbmQvbWUrbm93" + " end"
	rs := m.Find([]byte(in))
	if len(rs) != 3 {
		t.Fatalf("regions %v, want 3", rs)
	}
	for i, want := range []string{"CANARY-find/me+now", "CANARY-find%2Fme%2Bnow"} {
		if got := in[rs[i].Start:rs[i].End]; got != want {
			t.Errorf("region %d = %q, want %q", i, got, want)
		}
	}
	// Escaped as Gson, as an HTML page, or split by a colour code: found
	// as the Writer masks them.
	for _, in := range []string{`CANARY-find/me+now\u003d`, "CANARY-find&#47;me&#x2b;now", "CANARY-find/\x1b[1mme+now"} {
		m3, _ := Compile([]Secret{{Name: "K", Value: "CANARY-find/me+now="}, {Name: "L", Value: "CANARY-find/me+now"}}, Options{})
		if rs := m3.Find([]byte("x " + in + " y")); len(rs) != 1 || rs[0].Start != 2 || rs[0].End != 2+len(in) {
			t.Errorf("%q: regions %v", in, rs)
		}
	}
	if m2, _ := Compile(nil, Options{}); m2.Find([]byte(in)) != nil {
		t.Error("an empty matcher found something")
	}
}

// The same with long secrets planted in long base64-like text, where the skip filter runs.
func TestFindAgreesWithMaskStringLong(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < 300; i++ {
		var secrets []Secret
		for j := 0; j < 1+rng.Intn(5); j++ {
			secrets = append(secrets, Secret{Name: "S", Value: findRandString(rng, b64, 12+rng.Intn(30))})
		}
		m, _ := Compile(secrets, Options{})
		var in strings.Builder
		for k := 0; k < 20; k++ {
			in.WriteString(findRandString(rng, b64+" \n", rng.Intn(400)))
			if rng.Intn(2) == 0 {
				in.WriteString(secrets[rng.Intn(len(secrets))].Value)
			}
		}
		s := in.String()
		var b strings.Builder
		last := 0
		for _, r := range m.Find([]byte(s)) {
			b.WriteString(s[last:r.Start])
			b.WriteString(DefaultToken)
			last = r.End
		}
		b.WriteString(s[last:])
		if want := strings.TrimSuffix(m.MaskString(s+"\x00"), "\x00"); b.String() != want {
			t.Fatalf("case %d: Find and MaskString disagree", i)
		}
	}
}
