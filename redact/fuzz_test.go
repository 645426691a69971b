package redact

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand"
	"testing"
)

// fuzzAlphabet is what fuzzed needles are made of. It has no byte of the
// tokens used ('#', '[', ']', 'N', digits), so no needle can be formed
// across a token, and it includes the bytes that end ordinary output.
const fuzzAlphabet = "abcab\n%: \x00\xff"

// fuzzEscapes are the terminal escapes the fuzz tests plant (mode&128,
// input bytes 0xF8 and up): grep's colours, an SGR reset, and sequences that
// are incomplete or not CSI at all.
var fuzzEscapes = []string{"\x1b[01;31m\x1b[K", "\x1b[m\x1b[K", "\x1b[0m", "\x1b[", "\x1b[3", "\x1b[1;2", "\x1bX", "\x1b[38;5;196m"}

// fuzzCase turns the fuzzer's bytes into needles, an input and write sizes.
func fuzzCase(spec, input, splits []byte, mode uint8) (needles, names []string, in []byte, sizes []int) {
	minLen := 1
	if mode&4 != 0 {
		minLen = 4 // all needles long enough for the Wu-Manber filter
	}
	if mode&32 != 0 {
		minLen = 8 // the filter's 4-byte blocks
	}
	var cur []byte
	flush := func() {
		if len(cur) >= minLen && len(needles) < 12 {
			if len(cur) > 24 {
				cur = cur[:24]
			}
			needles = append(needles, string(cur))
		}
		cur = nil
	}
	for _, b := range spec {
		if b >= 0xF0 {
			flush()
			continue
		}
		cur = append(cur, fuzzAlphabet[int(b)%len(fuzzAlphabet)])
	}
	flush()
	in = make([]byte, 0, len(input))
	for _, b := range input {
		switch {
		case mode&128 != 0 && b >= 0xF8:
			in = append(in, fuzzEscapes[b-0xF8]...)
		case mode&1 != 0 && b != '#' && b != '[' && b != ']':
			in = append(in, b) // raw bytes
		default:
			in = append(in, fuzzAlphabet[int(b)%len(fuzzAlphabet)])
		}
	}
	if mode&2 != 0 {
		names = make([]string, len(needles))
		for i := range needles {
			names[i] = fmt.Sprintf("N%d", i%3)
		}
	}
	sizes = fuzzSizes(splits, len(in))
	return
}

// fuzzSizes cuts total bytes into write sizes taken from splits in turn:
// 1 + s%23 bytes, or 1 when s has its top bit set; one-byte writes when
// splits is empty.
func fuzzSizes(splits []byte, total int) []int {
	i := 0
	return splitSizes(total, func() int {
		if len(splits) == 0 {
			return 1
		}
		s := splits[i%len(splits)]
		i++
		if s&0x80 != 0 {
			return 1
		}
		return 1 + int(s)%23
	})
}

// splitSizes cuts total bytes into write sizes drawn from next, the last one
// cut short.
func splitSizes(total int, next func() int) []int {
	var sizes []int
	for rest := total; rest > 0; {
		n := min(next(), rest)
		sizes = append(sizes, n)
		rest -= n
	}
	return sizes
}

// fuzzCompiled treats spec as secret values (separated by 0xF0 bytes),
// derives their needles with Compile (mode&16: opt-in encodings too), and
// builds an input from input's bytes: below 0x20 a whole needle, below 0x40 a
// needle prefix, other bytes as they are ('#', the test token, excepted).
func fuzzCompiled(spec, input, splits []byte, mode uint8) (needles []string, in []byte, sizes []int) {
	var secrets []Secret
	for i, v := range bytes.Split(spec, []byte{0xF0}) {
		v = bytes.ReplaceAll(v, []byte("#"), []byte("_"))
		secrets = append(secrets, Secret{Name: fmt.Sprint("S", i), Value: string(v)})
	}
	opt := Options{MinLength: 4}
	if mode&16 != 0 {
		opt.Hex, opt.Base32, opt.UTF16 = true, true, true
	}
	m, _ := Compile(secrets, opt)
	needles = m.a.needles
	if len(needles) == 0 {
		return nil, nil, nil
	}
	for _, b := range input {
		n := needles[int(b)%len(needles)]
		switch {
		case b < 0x20:
			in = append(in, n...)
		case b < 0x40:
			in = append(in, n[:1+int(b)%len(n)]...)
		case mode&128 != 0 && b >= 0xF8:
			in = append(in, fuzzEscapes[b-0xF8]...)
		case b == '#':
			in = append(in, '_')
		default:
			in = append(in, b)
		}
	}
	if mode&32 != 0 {
		in = respell(in, input)
	}
	if len(in) > 500 {
		in = in[:500]
	}
	return needles, in, fuzzSizes(splits, len(in))
}

// respell writes some characters of in as character escapes
// (escapeStyles), chosen by a generator seeded from seed.
func respell(in, seed []byte) []byte {
	h := fnv.New64a()
	h.Write(seed)
	return respellWith(rand.New(rand.NewSource(int64(h.Sum64()))), string(in), 3)
}

// checkStream runs one case through a strict Writer and checks every
// invariant of REDACTION.md against the naive oracle.
func checkStream(t *testing.T, needles, names []string, in []byte, sizes []int) {
	t.Helper()
	if len(needles) == 0 {
		return
	}
	const token = "#"
	m := newMatcher(needles, names, Options{Token: token})
	var out bytes.Buffer
	w := m.NewWriter(&out, 0)
	pos := 0
	// The per-write checks cost a naive oracle run each: on long cases,
	// do them on a sample of the writes.
	every := 1
	if cost := len(in) * len(needles) * len(sizes); cost > 1<<21 {
		every = cost >> 21
	}
	for k, n := range sizes {
		if _, err := w.Write(in[pos : pos+n]); err != nil {
			t.Fatal(err)
		}
		pos += n
		if k%every != 0 && k != len(sizes)-1 {
			continue
		}
		// Held bytes equal the longest suffix that is a proper needle
		// prefix, of the input or of its view.
		h := oracleHold(needles, in[:pos])
		if got := int(w.holdLen()); got != h {
			t.Fatalf("needles %q sizes %v after %d bytes (%q): holds %d, want %d", needles, sizes, pos, in[:pos], got, h)
		}
		if u := w.heldBytes(); len(w.regions) == 0 && u != h {
			t.Fatalf("after %d bytes: %d bytes undecided, want the hold of %d", pos, u, h)
		}
		// Everything decided is written, nothing more.
		if want := oracleEmitted(needles, names, token, in[:pos]); !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("after %d bytes (%q):\n got  %q\n want %q", pos, in[:pos], out.Bytes(), want)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := oracle(needles, names, token, in)
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("needles %q input %q sizes %v:\n got  %q\n want %q", needles, in, sizes, out.Bytes(), want)
	}
	// No needle survives. (The escape sequences written after a token
	// may spell one with the bytes that follow: their bytes are not the
	// secret's, and the oracle comparison above covers that case.)
	regs := oracleRegions(needles, in, true)
	seqs := false
	for _, r := range regs {
		seqs = seqs || len(r.csis) > 0
	}
	if n, ok := containsAny(out.Bytes(), needles); ok && !seqs {
		t.Fatalf("needle %q survived in %q", n, out.Bytes())
	}
	// Removing the tokens and putting the masked spans back gives the input.
	var back []byte
	o, cur := out.Bytes(), 0
	for _, r := range regs {
		plain := in[cur:r.s]
		if !bytes.HasPrefix(o, plain) {
			t.Fatalf("plain bytes %q not in output %q", plain, o)
		}
		o = o[len(plain):]
		tok := oracleToken(names, token, r.id)
		if !bytes.HasPrefix(o, []byte(tok)) {
			t.Fatalf("token %q missing at %q", tok, o)
		}
		o = o[len(tok):]
		if !bytes.HasPrefix(o, r.csis) {
			t.Fatalf("escape sequences %q missing after the token at %q", r.csis, o)
		}
		o = o[len(r.csis):]
		back = append(append(back, plain...), in[r.s:r.e]...)
		cur = r.e
	}
	back = append(back, o...)
	if !bytes.Equal(back, in) {
		t.Fatalf("reconstructed %q, want %q", back, in)
	}
	if got := w.Stats().Masked; got != len(regs) {
		t.Fatalf("Stats.Masked = %d, want %d", got, len(regs))
	}
	if s := m.MaskString(string(in)); s != string(want) {
		t.Fatalf("MaskString = %q, want %q", s, want)
	}
}

// FuzzRedact is the differential fuzz test: random needles, random input,
// random write splits down to one byte, against the naive oracle.
func FuzzRedact(f *testing.F) {
	f.Add([]byte("\x00\x00\x01"), []byte("\x00\x00\x00\x01"), []byte{0x80}, uint8(0)) // aab in aaab
	f.Add([]byte("\x00\x01\x02\x00\x03\x04\xf0\x00\x03\x04\x02\x01\x00"), []byte("\x00\x01\x02\x00\x03\x04\x02\x01\x00"), []byte{1, 2, 3}, uint8(2))
	f.Add([]byte("\x00\x01\xf0\x00\x01\x02\x03\xf0\x01\x02"), []byte("xx\x00\x01\x02\x03\x00\x01yy"), []byte{0x81, 5}, uint8(1))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00\x01"), bytes.Repeat([]byte{0}, 40), []byte{0x80, 7}, uint8(0))
	f.Add([]byte("\x05\x06\x07\x00\x01\x02\x03\x04\x00\x01\xf1\x07\x00\x01"), []byte("ab\n%: \x07\x00\x01\x02\x03\x04\x00\x01"), []byte{2}, uint8(3))
	f.Add([]byte("\x00\x01\x02\x03\x00\xf0\x01\x02\x03\x04\x01\x02"), []byte("\x05\x05\x00\x01\x02\x03\x00\x01\x02\x03\x04\x01\x02\x03\x05\x00\x01\x02\x03"), []byte{200, 3}, uint8(4))
	f.Add([]byte("\x06\x07\x08\x00\x01\x02\xf0\x00\x01\x02\x06\x07\x08\xf0\x02\x02\x02\x02"), bytes.Repeat([]byte("\x00\x01\x02\x06\x07\x08\x02\x02\x02"), 20), []byte{22, 0x80, 9}, uint8(6))
	f.Add([]byte("p@ss w0rd/\xc3\xa9\"quote\"\xf0line1\nline-two-is-long-enough"), []byte("\x00 \x01 \x22\x21 \x02x\x03"), []byte{0x80, 5, 17}, uint8(8))
	f.Add([]byte(`{"a":"CANARY-leaf-value","b":"x"}`+"\xf0postgres://u:CANARY-pw@h/db"), []byte("\x00\x01\x02\x03\x04\x05\x20\x21\x22"), []byte{3, 0x81}, uint8(8|16))
	f.Add([]byte("\x00\x01\x02\x00\x01\x02\x01"), []byte("\x05\x00\x01\xf8\x02\x00\xf9\x01\x02\xfa\x01\x05"), []byte{0x80}, uint8(128|64))
	f.Add([]byte("CANARY-p=q'r+s<t>&u\xf0CANARY-\xc3\xbcn\xc3\xaf-\xf0\x9f\x98\x80-tail"), []byte("\x00 \x01 x\x02\x21\x03"), []byte{0x80, 3, 11}, uint8(8|32))
	f.Fuzz(func(t *testing.T, spec, input, splits []byte, mode uint8) {
		if len(input) > 400 || len(spec) > 200 {
			return
		}
		var needles, names []string
		var in []byte
		var sizes []int
		if mode&8 != 0 {
			needles, in, sizes = fuzzCompiled(spec, input, splits, mode)
		} else {
			needles, names, in, sizes = fuzzCase(spec, input, splits, mode)
		}
		checkStream(t, needles, names, in, sizes)
		if mode&64 != 0 {
			checkWidth(t, needles, in, sizes) // the terminal Writer's width-keeping masks
		}
	})
}

// TestRandomized runs the fuzz property on pseudo-random cases, with and
// without the Wu-Manber filter, so that `go test` alone covers the engine's
// paths.
func TestRandomized(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	for it := 0; it < iters; it++ {
		spec := make([]byte, 4+r.Intn(60))
		for i := range spec {
			spec[i] = byte(r.Intn(6))
			if r.Intn(7) == 0 {
				spec[i] = 0xF0
			}
		}
		mode := uint8(r.Intn(8)) | uint8(r.Intn(2)*32) | uint8(r.Intn(2)*128)
		input := make([]byte, r.Intn(300))
		for i := range input {
			input[i] = byte(r.Intn(6))
			if mode&128 != 0 && r.Intn(6) == 0 {
				input[i] = byte(0xF8 + r.Intn(8))
			}
		}
		splits := make([]byte, 1+r.Intn(8))
		r.Read(splits)
		needles, names, in, sizes := fuzzCase(spec, input, splits, mode)
		checkStream(t, needles, names, in, sizes)
	}
}

// TestRandomizedCompiled runs the same property on needle sets derived by
// Compile from random secrets (long needles, many encodings: the Wu-Manber
// filter and the deep automaton states at work), with inputs made of needle
// fragments, whole needles and noise.
func TestRandomizedCompiled(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	// The bytes every encoder treats specially: quotes of each kind,
	// backslashes, entities, percent sets, control characters, non-ASCII.
	const alpha = "abcXYZ019+/=-_.~ %:\n\"\\<&'é`$@?[]\t\x1b\x7f€😀"
	iters := 150
	if testing.Short() {
		iters = 20
	}
	for it := 0; it < iters; it++ {
		var secrets []Secret
		for k := 0; k < 1+r.Intn(6); k++ {
			v := randString(r, alpha, 8+r.Intn(20))
			if it%3 == 0 {
				v = randString(r, alpha, 32+r.Intn(30)) // all needles long: the widest skip window
			}
			switch r.Intn(5) {
			case 0: // a YAML/INI document: its fields are needles too
				v = "token: " + v + "\nkey = " + randString(r, alpha, 8+r.Intn(12))
			case 1: // a PEM block: its 16-byte pieces are needles
				v = "-----BEGIN KEY-----\n" + randString(r, alnum, 20+r.Intn(30)) + "\n" + randString(r, alnum, 10+r.Intn(30)) + "\n-----END KEY-----"
			}
			secrets = append(secrets, Secret{Name: fmt.Sprintf("S%d", k), Value: v})
		}
		m, _ := Compile(secrets, Options{})
		needles := m.a.needles
		if len(needles) == 0 {
			continue
		}
		var in []byte
		for len(in) < 2000 {
			n := needles[r.Intn(len(needles))]
			switch r.Intn(4) {
			case 0:
				in = append(in, n...)
			case 1:
				a := r.Intn(len(n))
				in = append(in, n[a:a+r.Intn(len(n)-a)+1]...)
			default:
				in = append(in, randString(r, alpha, r.Intn(20))...)
			}
		}
		sizes := splitSizes(len(in), func() int {
			n := 1 + r.Intn(70)
			if r.Intn(3) == 0 {
				n = 1
			}
			return n
		})
		checkStream(t, needles, nil, in, sizes)
	}
}

// TestRandomizedEscapes plants needle occurrences split by terminal escapes
// (grep's colours, resets, incomplete and non-CSI sequences, runs longer
// than maxEscRun) in noise and checks the strict Writer and the terminal
// Writer against the oracle for random write splits, down to one byte.
func TestRandomizedEscapes(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	const alpha = "abcab:%[1m;\n"
	iters := 2000
	if testing.Short() {
		iters = 200
	}
	for it := 0; it < iters; it++ {
		var needles []string
		minLen := 1 + 3*r.Intn(3) // 1, 4, 7: first-byte filter and Wu-Manber
		for k := 0; k < 1+r.Intn(4); k++ {
			needles = append(needles, randString(r, alpha, minLen+r.Intn(10)))
		}
		in := plantedInput(r, alpha, needles, 150, 3, fuzzEscapes)
		sizes := splitSizes(len(in), func() int {
			if r.Intn(2) == 0 {
				return 1
			}
			return 1 + r.Intn(30)
		})
		checkStream(t, needles, nil, in, sizes)
		checkWidth(t, needles, in, sizes)
	}
}

// plantedInput returns at least size bytes of noise drawn from alpha and
// needles, whole or cut short, with one of ins (escape sequences, line
// breaks) inserted after each needle byte, each time with odds 1/insOdds.
func plantedInput(r *rand.Rand, alpha string, needles []string, size, insOdds int, ins []string) []byte {
	var in []byte
	for len(in) < size {
		if r.Intn(3) == 0 || len(needles) == 0 {
			in = append(in, randString(r, alpha, r.Intn(8))...)
			continue
		}
		n := needles[r.Intn(len(needles))]
		if r.Intn(4) == 0 {
			n = n[:1+r.Intn(len(n))]
		}
		for i := 0; i < len(n); i++ {
			in = append(in, n[i])
			for r.Intn(insOdds) == 0 {
				in = append(in, ins[r.Intn(len(ins))]...)
			}
		}
	}
	return in
}

// randomSizes cuts total bytes into writes of one byte (half of them) or of
// 1-30 bytes.
func randomSizes(r *rand.Rand, total int) []int {
	return splitSizes(total, func() int {
		if r.Intn(2) == 0 {
			return 1
		}
		return 1 + r.Intn(30)
	})
}
