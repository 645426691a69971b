package redact

import (
	"encoding/base64"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// attackCase draws needles and lines: payload lines at widths around
// wrapMinRun and maxPayloadLine, text lines with escapes and colour codes,
// blank lines, "\r\r\n", needles planted at any offset.
func attackCase(r *rand.Rand, wmin int) ([]string, []byte) {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
	var needles []string
	for k := 0; k < 1+r.Intn(3); k++ {
		switch r.Intn(4) {
		case 0:
			needles = append(needles, randString(r, b64, 4+r.Intn(8)))
		case 1:
			needles = append(needles, randString(r, b64, wmin+r.Intn(3*wmin)))
		case 2: // multi-line
			needles = append(needles, randString(r, b64, 2+r.Intn(wmin))+"\n"+randString(r, b64, 2+r.Intn(wmin)))
		default:
			needles = append(needles, randString(r, b64+" :", 5+r.Intn(40)))
		}
	}
	eols := []string{"\n", "\r\n", "\r\r\n", "\n\n", "\r"}
	var in strings.Builder
	for in.Len() < 600 {
		eol := eols[r.Intn(2)]
		if r.Intn(8) == 0 {
			eol = eols[r.Intn(len(eols))]
		}
		switch r.Intn(5) {
		case 0, 1:
			var pl strings.Builder
			for pl.Len() < 10+r.Intn(200) {
				if r.Intn(2) == 0 {
					n := needles[r.Intn(len(needles))]
					if r.Intn(4) == 0 {
						n = n[:r.Intn(len(n)+1)]
					}
					pl.WriteString(n)
				} else {
					pl.WriteString(randString(r, b64, 1+r.Intn(30)))
				}
			}
			w := wmin - 2 + r.Intn(6)
			if r.Intn(6) == 0 {
				w = maxPayloadLine - 2 + r.Intn(4)
				for pl.Len() < 2*w {
					pl.WriteString(randString(r, b64, 50))
				}
			}
			s := pl.String()
			for len(s) > 0 {
				k := min(w, len(s))
				in.WriteString(s[:k] + eol)
				s = s[k:]
			}
		case 2:
			pre := []string{"\\u0041", "&#65;", "\x1b[31m", "\x1b[0m", " ", ":", "\\n", "&amp;"}
			in.WriteString(pre[r.Intn(len(pre))])
			n := needles[r.Intn(len(needles))]
			in.WriteString(n[:r.Intn(len(n)+1)])
			in.WriteString(pre[r.Intn(len(pre))])
			in.WriteString(eol)
		case 3:
			in.WriteString(eol)
		default:
			in.WriteString(randString(r, b64, r.Intn(wmin+3)) + eol)
		}
	}
	return needles, []byte(in.String())
}

// eachWrapMinRun runs f iters times at each wrapMinRun of wms, until a
// check fails (then it logs the wrapMinRun).
func eachWrapMinRun(t *testing.T, wms []int, iters int, f func(wm int)) {
	t.Helper()
	for _, wm := range wms {
		withWrapMinRun(wm, func() {
			for it := 0; it < iters && !t.Failed(); it++ {
				f(wm)
			}
		})
		if t.Failed() {
			t.Logf("wrapMinRun %d", wm)
			return
		}
	}
}

// attackSizes cuts n bytes into writes of one byte, up to 16, up to 200,
// or all at once (so that the skip filter's rounds meet line breaks).
func attackSizes(r *rand.Rand, n int) []int {
	return splitSizes(n, func() int {
		switch r.Intn(4) {
		case 0:
			return 1
		case 1:
			return 1 + r.Intn(16)
		case 2:
			return 1 + r.Intn(200)
		}
		return n
	})
}

// TestAttackWrapReal: the oracle property at the real wrapMinRun on
// attackCase inputs (payload lines of 18 to 23 and 1022 to 1025 characters,
// text lines with escapes and colour codes, blank lines, "\r\r\n", lone
// "\r", multi-line needles and needles with spaces).
func TestAttackWrapReal(t *testing.T) {
	r := rand.New(rand.NewSource(1001))
	for it := 0; it < 400; it++ {
		needles, in := attackCase(r, 20)
		checkStream(t, needles, nil, in, attackSizes(r, len(in)))
		if t.Failed() {
			return
		}
	}
}

// TestAttackWrapSmall is TestAttackWrapReal at small wrapMinRun values,
// on both sides of 15 (below it the skip filter's kept says nothing).
func TestAttackWrapSmall(t *testing.T) {
	r := rand.New(rand.NewSource(1002))
	eachWrapMinRun(t, []int{3, 4, 5, 7, 14, 15, 16, 19}, 300, func(wm int) {
		needles, in := attackCase(r, wm)
		checkStream(t, needles, nil, in, attackSizes(r, len(in)))
	})
}

// decoratedCase draws needles and writes each with escapes, colour codes
// and line breaks inside, after a base64 run that may make the line a
// payload line.
func decoratedCase(r *rand.Rand, wm int) ([]string, []byte) {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var needles []string
	for k := 0; k < 1+r.Intn(2); k++ {
		n := randString(r, b64, 4+r.Intn(2*wm+4))
		if r.Intn(3) == 0 {
			c := r.Intn(len(n))
			n = n[:c] + "\n" + n[c:]
		}
		needles = append(needles, n)
	}
	var in strings.Builder
	for in.Len() < 400 {
		if r.Intn(3) == 0 {
			in.WriteString(randString(r, b64+" .:\n", r.Intn(2*wm)))
		}
		if r.Intn(2) == 0 {
			in.WriteString("\n" + randString(r, b64, wm-1+r.Intn(3)))
		}
		n := needles[r.Intn(len(needles))]
		for i := 0; i < len(n); i++ {
			c := n[i]
			switch x := r.Intn(12); {
			case x == 0 && c != '\n':
				in.WriteString("\\u00" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
			case x == 1 && c != '\n':
				in.WriteString("&#" + strconv.Itoa(int(c)) + ";")
			case x == 2:
				in.WriteString("\x1b[31m")
				in.WriteByte(c)
			default:
				in.WriteByte(c)
			}
			if r.Intn(6) == 0 {
				in.WriteString([]string{"\n", "\r\n", "\n", "\r\r\n"}[r.Intn(4)])
				if r.Intn(2) == 0 {
					in.WriteString(randString(r, b64, r.Intn(2*wm)))
				}
			}
		}
	}
	return needles, []byte(in.String())
}

// TestAttackDecorated: needles written with escapes (\u00XX, &#NN;) and
// colour codes among their characters and cut by line breaks, after runs
// of base64 that may make the line a payload line.
func TestAttackDecorated(t *testing.T) {
	r := rand.New(rand.NewSource(1003))
	eachWrapMinRun(t, []int{3, 5, 8, 20}, 400, func(wm int) {
		needles, in := decoratedCase(r, wm)
		checkStream(t, needles, nil, in, attackSizes(r, len(in)))
	})
}

// TestAttackSkipLong aims at the skip filter: long needles (m up to 32)
// in long base64 payloads wrapped at wrapMinRun to wrapMinRun+4 (two line
// breaks in a window), some short and some text lines, large writes.
func TestAttackSkipLong(t *testing.T) {
	r := rand.New(rand.NewSource(1004))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	eachWrapMinRun(t, []int{20, 4, 6, 10, 15, 16}, 300, func(wm int) {
		var needles []string
		alpha := b64
		if r.Intn(3) == 0 {
			alpha = "ABab+/"
		}
		for k := 0; k < 1+r.Intn(4); k++ {
			needles = append(needles, randString(r, alpha, 8+r.Intn(100)))
		}
		var pl strings.Builder
		for pl.Len() < 3000 {
			if r.Intn(3) == 0 {
				n := needles[r.Intn(len(needles))]
				if r.Intn(3) == 0 {
					n = n[:r.Intn(len(n))]
				}
				pl.WriteString(n)
			} else {
				pl.WriteString(randString(r, alpha, 1+r.Intn(60)))
			}
		}
		s := pl.String()
		var in strings.Builder
		eol := []string{"\n", "\r\n"}[r.Intn(2)]
		for len(s) > 0 {
			w := wm + r.Intn(5)
			if r.Intn(2) == 0 {
				w = wm
			}
			if r.Intn(20) == 0 {
				w = 1 + r.Intn(wm)
			}
			k := min(w, len(s))
			in.WriteString(s[:k])
			if r.Intn(30) == 0 {
				in.WriteString(" x")
			}
			in.WriteString(eol)
			s = s[k:]
		}
		data := []byte(in.String())
		sizes := splitSizes(len(data), func() int {
			if r.Intn(2) == 0 {
				return len(data)
			}
			return 1 + r.Intn(500)
		})
		checkStream(t, needles, nil, data, sizes)
	})
}

// TestAttackLiveWrap: Live swaps (to other needles, to none and back)
// at random places in attackCase inputs, so that a swap falls inside
// payload lines and line breaks.
func TestAttackLiveWrap(t *testing.T) {
	r := rand.New(rand.NewSource(1005))
	eachWrapMinRun(t, []int{3, 6, 20}, 300, func(wm int) {
		n1, in := attackCase(r, wm)
		n2, _ := attackCase(r, wm)
		n2 = append(n2, n1[:r.Intn(len(n1)+1)]...)
		sets := [][]string{n1, n2, nil, n1}
		if r.Intn(2) == 0 {
			sets = [][]string{n1, n2, n1, n2}
		}
		c1 := r.Intn(len(in) + 1)
		c2 := c1 + r.Intn(len(in)-c1+1)
		c3 := c2 + r.Intn(len(in)-c2+1)
		parts := [][]byte{in[:c1], in[c1:c2], in[c2:c3], in[c3:]}
		var sizes [][]int
		for _, p := range parts {
			sizes = append(sizes, attackSizes(r, len(p)))
		}
		checkLive(t, sets, [][]string{nil, nil, nil, nil}, parts, sizes)
	})
}

// TestAttackRealWidths: coreutils base64 at widths 20 to 29 and around
// maxPayloadLine, a secret and a long one at 31 offsets each: no stretch of
// 6 of the secret's own base64 shows when the width is joined, and the
// output is the oracle's at random splits.
func TestAttackRealWidths(t *testing.T) {
	secrets := []Secret{{Name: "T", Value: "CANARY-w-5d4c3b2a19"}, {Name: "PEMISH", Value: strings.Repeat("k9Zq", 40)}}
	m, _ := Compile(secrets, Options{})
	r := rand.New(rand.NewSource(1006))
	for _, width := range []int{20, 21, 22, 23, 25, 29, 1024, 1025} {
		for _, s := range secrets {
			sh := fmt.Sprintf(`for n in $(seq 0 30); do printf '%%s%%s%%s' "$(head -c $n /dev/zero | tr '\0' 'x')" "$1" "$(head -c 1100 /dev/zero | tr '\0' 'y')" | base64 -w %d; echo --; done`, width)
			out := program(t, "sh", "-c", sh, "_", s.Value)
			payloads := strings.Split(strings.TrimSuffix(out, "--\n"), "--\n")
			for n, pl := range payloads {
				own := alignedForms(s.Value, 6, base64.RawStdEncoding.EncodeToString)[n%3]
				for _, eol := range []string{"\n", "\r\n"} {
					in := strings.ReplaceAll(pl, "\n", eol)
					got := m.MaskString(in)
					joined := strings.NewReplacer("\r", "", "\n", "").Replace(got)
					if width <= maxPayloadLine {
						for k := 0; k+6 <= len(own); k++ {
							if strings.Contains(joined, own[k:k+6]) {
								t.Fatalf("width %d, prefix %d, %q: %q shows in\n%s", width, n, eol, own[k:k+6], got)
							}
						}
					}
					if n%5 == 0 {
						checkStream(t, m.a.needles, nil, []byte(in), attackSizes(r, len(in)))
					}
				}
			}
		}
	}
}

// TestAttackCRNeedles: needles that hold "\r\n", a lone "\r", blank
// lines or "\r\r\n" (a Windows multi-line secret), planted with their own
// line breaks after payload-like runs; strict and terminal Writers.
func TestAttackCRNeedles(t *testing.T) {
	r := rand.New(rand.NewSource(1007))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	eachWrapMinRun(t, []int{3, 5, 20}, 400, func(wm int) {
		needles, in := attackCase(r, wm)
		for k := range needles {
			switch r.Intn(3) {
			case 0:
				needles[k] = strings.ReplaceAll(needles[k], "\n", "\r\n")
			case 1:
				c := r.Intn(len(needles[k]) + 1)
				needles[k] = needles[k][:c] + []string{"\r", "\r\n", "\n\n", "\r\r\n"}[r.Intn(4)] + needles[k][c:]
			}
		}
		// Plant them with their own line breaks, after payload-like runs.
		var b strings.Builder
		b.Write(in)
		for k := 0; k < 4; k++ {
			b.WriteString(randString(r, b64, wm+r.Intn(wm)))
			b.WriteString(needles[r.Intn(len(needles))])
			b.WriteString([]string{"\n", "\r\n", "\r", ""}[r.Intn(4)])
		}
		data := []byte(b.String())
		sizes := attackSizes(r, len(data))
		checkStream(t, needles, nil, data, sizes)
		checkWidth(t, needles, data, sizes)
	})
}

// TestAttackWidth: the terminal Writer's width-keeping masks on the
// attack and decorated cases.
func TestAttackWidth(t *testing.T) {
	r := rand.New(rand.NewSource(1008))
	eachWrapMinRun(t, []int{3, 20}, 300, func(wm int) {
		needles, in := attackCase(r, wm)
		checkWidth(t, needles, in, attackSizes(r, len(in)))
		needles, in = decoratedCase(r, wm)
		checkWidth(t, needles, in, attackSizes(r, len(in)))
	})
}

// TestAttackBigWrite: payloads of 150 kB wrapped with "\r\n" at 20, 76
// and 1024 columns, in one write (cut in maxChunk pieces inside) and in
// writes just over maxChunk.
func TestAttackBigWrite(t *testing.T) {
	r := rand.New(rand.NewSource(1009))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for _, width := range []int{20, 76, 1024} {
		needles := []string{randString(r, b64, 40), randString(r, b64, 200)}
		var pl strings.Builder
		for pl.Len() < 150000 {
			if r.Intn(50) == 0 {
				pl.WriteString(needles[r.Intn(2)])
			} else {
				pl.WriteString(randString(r, b64, 30))
			}
		}
		s := pl.String()
		var in strings.Builder
		for len(s) > 0 {
			k := min(width, len(s))
			in.WriteString(s[:k] + "\r\n")
			s = s[k:]
		}
		data := []byte(in.String())
		checkStream(t, needles, nil, data, []int{len(data)})
		checkStream(t, needles, nil, data, splitSizes(len(data), func() int { return 65536 + 7 }))
		if t.Failed() {
			return
		}
	}
}

// FuzzWrapAttack: the oracle property on fuzzed needles and inputs over
// an alphabet of base64 characters, line break bytes, escape and colour
// code bytes, with long base64 runs (bytes 0xF8 and up), at wrapMinRun 3,
// 4, 5 and 20.
func FuzzWrapAttack(f *testing.F) {
	f.Add([]byte("abcab\x10abba"), []byte("abcabcabcab\x01abbaab\x01abba"), []byte{3, 0x80}, uint8(0))
	f.Fuzz(func(t *testing.T, spec, input, splits []byte, mode uint8) {
		if len(input) > 400 || len(spec) > 100 {
			return
		}
		const alpha = "abcAB+-\n\r :\\&\x1b[m0u;"
		var needles []string
		var cur []byte
		for _, b := range spec {
			if b >= 0xF0 {
				if len(cur) > 0 {
					needles = append(needles, string(cur))
				}
				cur = nil
				continue
			}
			cur = append(cur, alpha[int(b)%len(alpha)])
		}
		if len(cur) > 0 {
			needles = append(needles, string(cur))
		}
		var in []byte
		for _, b := range input {
			if b >= 0xF8 {
				in = append(in, strings.Repeat("ab", int(b-0xF6)*2)...)
				continue
			}
			in = append(in, alpha[int(b)%len(alpha)])
		}
		wm := []int{3, 4, 5, 20}[mode&3]
		withWrapMinRun(wm, func() {
			sizes := fuzzSizes(splits, len(in))
			checkStream(t, needles, nil, in, sizes)
			if mode&4 != 0 {
				checkWidth(t, needles, in, sizes)
			}
		})
	})
}
