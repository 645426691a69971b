package redact

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randString returns k bytes drawn from alpha by r.
func randString(r *rand.Rand, alpha string, k int) string {
	b := make([]byte, k)
	for i := range b {
		b[i] = alpha[r.Intn(len(alpha))]
	}
	return string(b)
}

// benchSecrets returns n realistic secrets: API tokens, passwords with
// special characters, DSNs, JSON credentials and a multi-line key.
func benchSecrets(n int) []Secret {
	r := rand.New(rand.NewSource(1))
	const special = alnum + "!@#$%^&*()-_=+/<>?"
	str := func(alpha string, k int) string { return randString(r, alpha, k) }
	out := make([]Secret, n)
	for i := range out {
		var v string
		switch i % 5 {
		case 0:
			v = "ghp_" + str(alnum, 36)
		case 1:
			v = str(special, 12+r.Intn(20))
		case 2:
			v = fmt.Sprintf("postgres://svc%d:%s@db%d.internal:5432/app", i, str(special, 16), i)
		case 3:
			v = fmt.Sprintf(`{"client_id":"%s","client_secret":"%s"}`, str(alnum, 20), str(alnum, 32))
		case 4:
			v = str(alnum, 24) + "\n" + str(alnum, 24)
		}
		out[i] = Secret{Name: fmt.Sprintf("SECRET_%03d", i), Value: v}
	}
	return out
}

// typicalSecrets returns n secrets of the kinds a CI job usually holds, in
// the mix scripts/bench-redact.sh uses: GitHub-style tokens, AWS-style secret
// keys, passwords and database URLs.
func typicalSecrets(n int) []Secret {
	r := rand.New(rand.NewSource(42))
	str := func(alpha string, k int) string { return randString(r, alpha, k) }
	out := make([]Secret, n)
	for i := range out {
		var v string
		switch i % 5 {
		case 0, 1:
			v = "ghp_" + str(alnum, 36)
		case 2:
			v = str(alnum+"+/", 40)
		case 3:
			v = str(alnum+"-_.~", 20)
		case 4:
			v = fmt.Sprintf("postgres://svc%d:%s@db%d.internal:5432/app", i, str(alnum, 24), i)
		}
		out[i] = Secret{Name: fmt.Sprintf("SECRET_%03d", i), Value: v}
	}
	return out
}

// secretMixes are the two secret sets the benchmarks run with: "typical"
// (about 1,200 needles for 200 secrets) and "heavy" (special characters,
// JSON and multi-line values: about 2,500 needles).
var secretMixes = []struct {
	name string
	gen  func(int) []Secret
}{{"typical", typicalSecrets}, {"heavy", benchSecrets}}

// ciLog returns about size bytes of CI-like log text with a few secrets in it.
func ciLog(size int, secrets []Secret) []byte {
	r := rand.New(rand.NewSource(2))
	lines := []string{
		"2026-11-22T10:%02d:%02d.%03dZ [INFO] Downloading https://repo.maven.apache.org/maven2/org/apache/commons/commons-lang3/3.%d/commons-lang3-3.%d.pom\n",
		"Step %d/12 : RUN npm ci --no-audit --prefer-offline (%d%%)\n",
		"  ---> Using cache %x\n",
		"\x1b[32m✓\x1b[0m test_%d passed in %d.%03ds\n",
		"go: downloading golang.org/x/sys v0.%d.0 (%d files)\n",
		"[%d/%d] Compiling src/module_%d/handler.rs\n",
		"npm WARN deprecated request@2.88.%d: request has been deprecated, see https://github.com/request/request/issues/%d\n",
		"remote: Counting objects: %d%% (%d/1234), done.\r\n",
	}
	var b bytes.Buffer
	for b.Len() < size {
		if r.Intn(500) == 0 {
			s := secrets[r.Intn(len(secrets))]
			fmt.Fprintf(&b, "export %s=%s\n", s.Name, s.Value)
			continue
		}
		f := lines[r.Intn(len(lines))]
		switch strings.Count(f, "%") - strings.Count(f, "%%")*2 {
		case 1:
			fmt.Fprintf(&b, f, r.Intn(100000))
		case 2:
			fmt.Fprintf(&b, f, r.Intn(100), r.Intn(100000))
		case 3:
			fmt.Fprintf(&b, f, r.Intn(60), r.Intn(60), r.Intn(1000))
		default:
			fmt.Fprintf(&b, f, r.Intn(60), r.Intn(60), r.Intn(1000), r.Intn(20), r.Intn(20))
		}
	}
	return b.Bytes()
}

// randomBase64 returns size bytes of random base64 text in 76-column lines:
// the adversarial case, since every byte can start a base64 needle.
func randomBase64(size int) []byte {
	r := rand.New(rand.NewSource(3))
	raw := make([]byte, size*3/4)
	r.Read(raw)
	enc := base64.StdEncoding.EncodeToString(raw)
	var b bytes.Buffer
	for len(enc) > 76 && b.Len() < size {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	return b.Bytes()
}

func benchMatcher(b *testing.B, secrets []Secret) *Matcher {
	m, _ := Compile(secrets, Options{})
	b.ReportMetric(float64(m.NeedleCount()), "needles")
	return m
}

// forMixes runs f as a sub-benchmark for each secret mix.
func forMixes(b *testing.B, f func(b *testing.B, secrets []Secret)) {
	for _, mix := range secretMixes {
		secrets := mix.gen(200)
		b.Run(mix.name, func(b *testing.B) { f(b, secrets) })
	}
}

// streamThrough writes data to w in chunks of size n.
func streamThrough(w io.Writer, data []byte, n int) {
	for len(data) > 0 {
		k := n
		if k > len(data) {
			k = len(data)
		}
		w.Write(data[:k])
		data = data[k:]
	}
}

// benchStream reports the throughput of m on data written in chunks of
// size chunk to a fresh Writer with idle release idle, closed each time.
func benchStream(b *testing.B, m *Matcher, data []byte, chunk int, idle time.Duration) {
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := m.NewWriter(io.Discard, idle)
		streamThrough(w, data, chunk)
		w.Close()
	}
}

// BenchmarkThroughputCI: in-process, 32 KiB writes, CI-like text, 200
// secrets (target ≥ 1 GB/s).
func BenchmarkThroughputCI(b *testing.B) {
	forMixes(b, func(b *testing.B, secrets []Secret) {
		benchStream(b, benchMatcher(b, secrets), ciLog(8<<20, secrets), 32<<10, 0)
	})
}

// BenchmarkThroughputBase64: the same on random base64 text (target ≥ 500 MB/s).
func BenchmarkThroughputBase64(b *testing.B) {
	forMixes(b, func(b *testing.B, secrets []Secret) {
		benchStream(b, benchMatcher(b, secrets), randomBase64(8<<20), 32<<10, 0)
	})
}

// BenchmarkThroughputColour: the CI text as `grep --color=always` prints
// it, every digit highlighted (four SGR sequences per digit), with the
// secrets highlighted inside too: the cost of looking through colour codes.
func BenchmarkThroughputColour(b *testing.B) {
	forMixes(b, func(b *testing.B, secrets []Secret) {
		var data []byte
		for _, c := range ciLog(4<<20, secrets) {
			if c >= '0' && c <= '9' {
				data = append(data, "\x1b[01;31m\x1b[K"...)
				data = append(data, c)
				data = append(data, "\x1b[m\x1b[K"...)
				continue
			}
			data = append(data, c)
		}
		benchStream(b, benchMatcher(b, secrets), data, 32<<10, 0)
	})
}

// BenchmarkOneByteWrites: 1-byte writes, about 1,000 needles (target ≥ 20 MB/s).
func BenchmarkOneByteWrites(b *testing.B) {
	forMixes(b, func(b *testing.B, secrets []Secret) {
		benchStream(b, benchMatcher(b, secrets), ciLog(1<<20, secrets), 1, IdleTerminal)
	})
}

// BenchmarkPathological: "aaaa…" against the needle "a…ab" must stay linear:
// the same MB/s at every input size.
func BenchmarkPathological(b *testing.B) {
	m := newMatcher([]string{strings.Repeat("a", 63) + "b", strings.Repeat("a", 7) + "b"}, nil, Options{})
	for _, size := range []int{1 << 20, 8 << 20} {
		data := bytes.Repeat([]byte("a"), size)
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			benchStream(b, m, data, 32<<10, 0)
		})
	}
}

// BenchmarkCompile200: building the matcher for 200 secrets (target ≤ 50 ms).
func BenchmarkCompile200(b *testing.B) {
	forMixes(b, func(b *testing.B, secrets []Secret) {
		var m *Matcher
		for i := 0; i < b.N; i++ {
			m, _ = Compile(secrets, Options{})
		}
		b.ReportMetric(float64(m.NeedleCount()), "needles")
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/build")
	})
}

// BenchmarkMemory: heap held by the matcher for 200 secrets and two streams,
// and its growth over a long stream (target ≤ 32 MB, flat).
func BenchmarkMemory(b *testing.B) {
	forMixes(b, benchMemory)
}

func benchMemory(b *testing.B, secrets []Secret) {
	data := ciLog(4<<20, secrets)
	heap := func() float64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapAlloc)
	}
	for i := 0; i < b.N; i++ {
		before := heap()
		m, _ := Compile(secrets, Options{})
		// Strict writers: no timers, so nothing outlives the iteration.
		w1, w2 := m.NewWriter(io.Discard, 0), m.NewWriter(io.Discard, 0)
		streamThrough(w1, data, 32<<10)
		streamThrough(w2, data, 1<<10)
		afterShort := heap()
		for j := 0; j < 64; j++ { // 256 MiB more per stream
			streamThrough(w1, data, 32<<10)
			streamThrough(w2, data, 4<<10)
		}
		afterLong := heap()
		b.ReportMetric((afterShort-before)/(1<<20), "MB-heap")
		b.ReportMetric((afterLong-afterShort)/(1<<20), "MB-growth-512MiB")
		w1.Close()
		w2.Close()
		runtime.KeepAlive(m)
		runtime.KeepAlive(w1)
		runtime.KeepAlive(w2)
	}
}

// BenchmarkLineLatency: added latency of one line-sized write (compared with
// writing the line straight to the destination): p50 and p99 in µs (targets
// 10 and 100).
func BenchmarkLineLatency(b *testing.B) {
	forMixes(b, benchLineLatency)
}

func benchLineLatency(b *testing.B, secrets []Secret) {
	m := benchMatcher(b, secrets)
	data := ciLog(4<<20, secrets)
	lines := bytes.SplitAfter(data, []byte("\n"))
	w := m.NewWriter(io.Discard, IdleTerminal)
	d := make([]time.Duration, 0, b.N)
	base := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := lines[i%len(lines)]
		t0 := time.Now()
		io.Discard.Write(l)
		t1 := time.Now()
		w.Write(l)
		t2 := time.Now()
		base = append(base, t1.Sub(t0))
		d = append(d, t2.Sub(t1))
	}
	b.StopTimer()
	w.Close()
	pct := func(s []time.Duration, p float64) float64 {
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[int(p*float64(len(s)-1))].Nanoseconds()) / 1000
	}
	b.ReportMetric(pct(d, 0.5)-pct(base, 0.5), "p50-µs")
	b.ReportMetric(pct(d, 0.99)-pct(base, 0.99), "p99-µs")
}

// BenchmarkLiveOverhead: a Writer made from a Live (which looks for a newer
// matcher at each write) against a plain Writer of the same matcher, timed
// in turn in each iteration, the order alternating; live/plain is the ratio
// of their total times. CI-like
// text in 32 KiB writes, and in 1-byte writes (where a per-write cost would
// show most).
func BenchmarkLiveOverhead(b *testing.B) {
	secrets := typicalSecrets(200)
	m, _ := Compile(secrets, Options{})
	l := NewLive(m)
	for _, c := range []struct {
		name  string
		size  int
		chunk int
	}{{"32KiB", 8 << 20, 32 << 10}, {"1byte", 1 << 20, 1}} {
		data := ciLog(c.size, secrets)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var plain, live time.Duration
			run := func(w io.WriteCloser) time.Duration {
				t0 := time.Now()
				streamThrough(w, data, c.chunk)
				w.Close()
				return time.Since(t0)
			}
			for i := 0; i < b.N; i++ {
				// Alternate which goes first, so that neither always
				// finds the caches warm.
				if i%2 == 0 {
					plain += run(m.NewWriter(io.Discard, 0))
					live += run(l.NewWriter(io.Discard, 0))
				} else {
					live += run(l.NewWriter(io.Discard, 0))
					plain += run(m.NewWriter(io.Discard, 0))
				}
			}
			b.ReportMetric(float64(live)/float64(plain), "live/plain")
		})
	}
}
