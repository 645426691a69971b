package redact

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
)

// random24Secrets returns n secrets of 24 random bytes each, base64-encoded
// (what `openssl rand -base64 24` prints): the 1,000-secret row of the
// performance table.
func random24Secrets(n int) []Secret {
	out := make([]Secret, n)
	for i := range out {
		raw := make([]byte, 24)
		_, _ = rand.Read(raw)
		out[i] = Secret{Name: fmt.Sprintf("SECRET_%04d", i), Value: base64.StdEncoding.EncodeToString(raw)}
	}
	return out
}

// BenchmarkThroughput1000: in-process, 32 KiB writes, CI-like text, 1,000
// secrets of 24 random bytes each.
func BenchmarkThroughput1000(b *testing.B) {
	secrets := random24Secrets(1000)
	benchStream(b, benchMatcher(b, secrets), ciLog(8<<20, secrets), 32<<10, 0)
}

// BenchmarkCompile1000: building the matcher for 1,000 such secrets.
func BenchmarkCompile1000(b *testing.B) {
	secrets := random24Secrets(1000)
	var m *Matcher
	for i := 0; i < b.N; i++ {
		m, _ = Compile(secrets, Options{})
	}
	b.ReportMetric(float64(m.NeedleCount()), "needles")
}
