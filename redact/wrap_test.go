package redact

import (
	"encoding/base64"
	"fmt"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
)

// TestWrappedPayload: a secret in the middle of a longer payload that
// coreutils base64 encodes and wraps (`printf 'prefix%ssuffix' "$S" |
// base64 -w W`), at every column and each of the 3 alignments, at widths
// other than 64 and 76 too, with "\n" or a terminal's "\r\n": no stretch of
// 6 of the characters that depend on the secret alone shows, and the output
// is the oracle's for the view without those line breaks.
func TestWrappedPayload(t *testing.T) {
	secrets := []Secret{
		{Name: "TOKEN", Value: "CANARY-tok-9f8e7d6c5b4a"},
		{Name: "SHORT", Value: "s3cr3t-XY"},
	}
	m, _ := Compile(secrets, Options{})
	const maxPrefix = 80
	const filler = "{\"auths\":{\"registry.example.com\":{\"auth\":\"dXNlcjpwYXNz\",\"note\":\"padding text to move the secret along the line......\"}}}"
	for _, width := range []int{60, 64, 72, 76, 100} {
		for _, s := range secrets {
			// One shell for every prefix length: payloads separated by "--".
			sh := fmt.Sprintf(`for n in $(seq 0 %d); do printf '%%s%%s%%s' "$(printf '%%s' "$2" | head -c $n)" "$1" ',"tail":1}' | base64 -w %d; echo --; done`, maxPrefix, width)
			out := program(t, "sh", "-c", sh, "_", s.Value, filler)
			payloads := strings.Split(strings.TrimSuffix(out, "--\n"), "--\n")
			if len(payloads) != maxPrefix+1 {
				t.Fatalf("%d payloads", len(payloads))
			}
			for n, pl := range payloads {
				own := alignedForms(s.Value, 6, base64.RawStdEncoding.EncodeToString)[n%3]
				if !strings.Contains(strings.ReplaceAll(pl, "\n", ""), own) {
					t.Fatalf("width %d, prefix %d: the payload does not hold %q", width, n, own)
				}
				for _, eol := range []string{"\n", "\r\n"} {
					in := strings.ReplaceAll(pl, "\n", eol)
					got := m.MaskString(in)
					joined := strings.NewReplacer("\r", "", "\n", "").Replace(got)
					for k := 0; k+6 <= len(own); k++ {
						if strings.Contains(joined, own[k:k+6]) {
							t.Fatalf("width %d, prefix %d, %q: %q shows in\n%s", width, n, eol, own[k:k+6], got)
						}
					}
					if !strings.Contains(got, "***") {
						t.Fatalf("width %d, prefix %d: nothing masked in %q", width, n, got)
					}
					if n%7 == 0 {
						checkStream(t, m.a.needles, nil, []byte(in), splitSizes(len(in), func() int { return 13 }))
					}
				}
			}
		}
	}
}

// withWrapMinRun runs f with wrapMinRun set to n, so that short random
// strings make line breaks that are taken out of the view.
func withWrapMinRun(n int, f func()) {
	old := wrapMinRun
	wrapMinRun = n
	defer func() { wrapMinRun = old }()
	f()
}

// TestRandomizedWrapped runs the oracle property (strict Writer, terminal
// Writer, and a Writer made from a Live swapped in the middle) on needles of
// base64 characters planted in noise with line breaks ("\n", "\r\n", lone
// "\r", blank lines) and colour codes inserted, with wrapMinRun lowered to 3,
// at random write splits down to one byte.
func TestRandomizedWrapped(t *testing.T) {
	r := rand.New(rand.NewSource(19))
	breaks := []string{"\n", "\r\n", "\r", "\n\n", "\r\r\n", "\x1b[m"}
	withWrapMinRun(3, func() {
		for it := 0; it < wrappedIters(); it++ {
			needles, in, sizes := wrappedCase(r, "ab+c- :\n", "ab+c-", 1, 12, breaks)
			checkStream(t, needles, nil, in, sizes)
			checkWidth(t, needles, in, sizes)
			if it%4 == 0 {
				c := r.Intn(len(in) + 1)
				other := append([]string{randString(r, "ab+c-", 2+r.Intn(8))}, needles[:r.Intn(len(needles))]...)
				cut := func(n int) []int { return splitSizes(n, func() int { return 1 + r.Intn(9) }) }
				checkLive(t, [][]string{needles, other}, [][]string{nil, nil}, [][]byte{in[:c], in[c:]}, [][]int{cut(c), cut(len(in) - c)})
			}
		}
	})
}

// wrappedIters is how many cases the randomized wrap tests try.
func wrappedIters() int {
	if testing.Short() {
		return 300
	}
	return 3000
}

// wrappedCase draws a case of the randomized wrap tests: 1 to 4 needles of
// minLen to minLen+span-1 bytes drawn from needleAlpha, planted in noise
// drawn from alpha, with one of breaks inserted after a needle byte with
// odds 1/4 (each time), and random write sizes.
func wrappedCase(r *rand.Rand, alpha, needleAlpha string, minLen, span int, breaks []string) ([]string, []byte, []int) {
	var needles []string
	for k := 0; k < 1+r.Intn(4); k++ {
		needles = append(needles, randString(r, needleAlpha, minLen+r.Intn(span)))
	}
	in := plantedInput(r, alpha, needles, 120, 4, breaks)
	return needles, in, randomSizes(r, len(in))
}

// TestTextLineNotHeld: a text line whose end is the beginning of a needle
// after 20+ base64 characters (a URL path) is written whole at once: only a
// line made of base64 characters alone is a payload line whose break may be
// held.
func TestTextLineNotHeld(t *testing.T) {
	m := newMatcher([]string{"abcdEFGH1234ijkl"}, nil, Options{})
	tests := []struct {
		in   string
		held int
	}{
		{"GET https://example.com/path/to/some/resource/abcd\n", 0},
		{"token: QUJDRUZHSElKS0xNTk9QUVJTVFVWabcd\n", 0},
		{"QUJDRUZHSElKS0xNTk9QUVJTVFVWabcd\n", 5},
		{"QUJDRUZHSElKS0xNTk9QUVJTVFVWabcd\r\n", 6},
		{"QUJDRUZHSElKabcd\n", 0}, // shorter than wrapMinRun
	}
	for _, tt := range tests {
		var out strings.Builder
		w := m.NewWriter(&out, 0)
		w.Write([]byte(tt.in))
		if got := w.heldBytes(); got != tt.held {
			t.Errorf("%q: %d bytes held, want %d (written %q)", tt.in, got, tt.held, out.String())
		}
		w.Write([]byte("EFGH1234ijkl\n"))
		w.Close()
		if tt.held > 0 && strings.Contains(out.String(), "EFGH") {
			t.Errorf("%q: the secret across the line break shows: %q", tt.in, out.String())
		}
	}
}

// TestRandomizedWrappedMultiline is TestRandomizedWrapped with needles that
// hold line breaks themselves (a multi-line secret beside payload lines):
// the raw walk then goes on across a break (the automaton steps over it
// without going back to the root), and the view walk must still start
// there.
func TestRandomizedWrappedMultiline(t *testing.T) {
	r := rand.New(rand.NewSource(23))
	breaks := []string{"\n", "\r\n", "\n\n", "\x1b[m"}
	withWrapMinRun(3, func() {
		for it := 0; it < wrappedIters(); it++ {
			needles, in, sizes := wrappedCase(r, "ab+c :\n", "ab+c\n", 2, 10, breaks)
			checkStream(t, needles, nil, in, sizes)
			if t.Failed() {
				return
			}
		}
	})
}

// TestRandomizedWrappedLines runs the oracle property at the real
// wrapMinRun on lines such as a terminal shows: payload lines of base64
// wrapped at a random width of 20 or more, with needles at any offset and
// cut across any number of lines; text lines that end in punctuation or in
// a run of base64 characters (a URL path, a needle's start); short lines of
// base64; "\n" and "\r\n". Writes are large as well as small, so that the
// skip filter's rounds of four windows meet the line breaks (both its quick
// test of the bytes before a line break, and the closer look).
func TestRandomizedWrappedLines(t *testing.T) {
	r := rand.New(rand.NewSource(41))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	iters := 400
	if testing.Short() {
		iters = 60
	}
	for it := 0; it < iters; it++ {
		var needles []string
		for k := 0; k < 1+r.Intn(3); k++ {
			needles = append(needles, randString(r, b64, 20+r.Intn(30)))
		}
		eol := "\n"
		if r.Intn(3) == 0 {
			eol = "\r\n"
		}
		var in strings.Builder
		for in.Len() < 1500 {
			switch r.Intn(4) {
			case 0, 1: // a payload, with needles at any offset, wrapped
				var pl strings.Builder
				for pl.Len() < 40+r.Intn(300) {
					if r.Intn(3) == 0 {
						n := needles[r.Intn(len(needles))]
						if r.Intn(4) == 0 {
							n = n[:r.Intn(len(n))] // a needle cut short
						}
						pl.WriteString(n)
					} else {
						pl.WriteString(randString(r, b64, 1+r.Intn(40)))
					}
				}
				w := 20 + r.Intn(80)
				s := pl.String()
				for len(s) > 0 {
					k := min(w, len(s))
					in.WriteString(s[:k] + eol)
					s = s[k:]
				}
			case 2: // a text line
				in.WriteString(randString(r, "abc xyz.:/()%-", 5+r.Intn(60)))
				if r.Intn(2) == 0 {
					in.WriteString(randString(r, b64, r.Intn(40)))
				}
				if r.Intn(3) == 0 {
					n := needles[r.Intn(len(needles))]
					in.WriteString(n[:r.Intn(len(n))])
				}
				in.WriteString(eol)
			default: // a short line of base64
				in.WriteString(randString(r, b64, 1+r.Intn(19)) + eol)
			}
		}
		data := []byte(in.String())
		sizes := splitSizes(len(data), func() int {
			switch r.Intn(3) {
			case 0:
				return 1 + r.Intn(16)
			case 1:
				return 1 + r.Intn(300)
			}
			return len(data)
		})
		checkStream(t, needles, nil, data, sizes)
		if t.Failed() {
			return
		}
	}
}

// TestWrappedRealEncoders: Python's MIME base64 (base64.encodebytes, 76
// columns), base64 re-wrapped with textwrap at the narrowest width joined
// (20) and an odd one (33), and OpenSSL's `openssl base64` (64 columns), of
// a JSON document that holds the secret at every offset: no stretch of 6 of
// the characters that depend on the secret alone shows.
func TestWrappedRealEncoders(t *testing.T) {
	const value = "CANARY-wrap-7c1e9a0b2d"
	m, _ := Compile([]Secret{{Name: "TOKEN", Value: value}}, Options{})
	join := strings.NewReplacer("\r", "", "\n", "").Replace
	check := func(what string, n int, payload string) {
		t.Helper()
		own := alignedForms(value, 6, base64.RawStdEncoding.EncodeToString)[n%3]
		if !strings.Contains(join(payload), own) {
			t.Fatalf("%s, offset %d: the payload does not hold %q", what, n, own)
		}
		got := m.MaskString(payload)
		joined := join(got)
		for k := 0; k+6 <= len(own); k++ {
			if strings.Contains(joined, own[k:k+6]) {
				t.Fatalf("%s, offset %d: %q shows in\n%s", what, n, own[k:k+6], got)
			}
		}
	}
	const py = `
import base64, sys, textwrap
value = sys.argv[1]
for n in range(40):
    doc = ('{"pad":"' + 'x' * n + '","token":"' + value + '","tail":[1,2,3]}').encode()
    b = base64.b64encode(doc).decode()
    for out in (base64.encodebytes(doc).decode(), "\n".join(textwrap.wrap(b, 20)) + "\n", "\n".join(textwrap.wrap(b, 33)) + "\n"):
        sys.stdout.write(out + "--\n")
`
	out := program(t, "python3", "-c", py, value)
	parts := strings.Split(strings.TrimSuffix(out, "--\n"), "--\n")
	if len(parts) != 120 {
		t.Fatalf("%d payloads", len(parts))
	}
	for k, pl := range parts {
		// The secret starts 19+n bytes into the document.
		check([]string{"encodebytes", "textwrap 20", "textwrap 33"}[k%3], 19+k/3, pl)
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	for n := 0; n < 40; n++ {
		doc := `{"pad":"` + strings.Repeat("x", n) + `","token":"` + value + `","tail":[1,2,3]}`
		cmd := exec.Command("openssl", "base64")
		cmd.Stdin = strings.NewReader(doc)
		b, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		check("openssl base64", 19+n, string(b))
	}
}

// TestLiveSwapMidPayloadLine: a Live swap while a payload line is being
// written, its last bytes held (a prefix the old and new secrets share):
// the held bytes are scanned again as the end of that payload line, so the
// new secret cut by its line break is masked; the oracle (checkLive) sees
// the line from its start too, at random splits around the swap.
func TestLiveSwapMidPayloadLine(t *testing.T) {
	oldN := "PREFIXaaaaOLDxxxxxxxxxx"
	newN := "PREFIXaaaaNEWyyyyyyyyyy"
	before := strings.Repeat("Q", 30) + "PREFIXaaaa"
	after := "\nNEWyyyyyyyyyy" + strings.Repeat("Z", 20) + "\n"
	l := NewLive(newMatcher([]string{oldN}, nil, Options{Token: "#"}))
	var out strings.Builder
	w := l.NewWriter(&out, 0)
	w.Write([]byte(before))
	l.Set(newMatcher([]string{newN}, nil, Options{Token: "#"}))
	w.Write([]byte(after))
	w.Close()
	if want := strings.Repeat("Q", 30) + "#" + strings.Repeat("Z", 20) + "\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	r := rand.New(rand.NewSource(61))
	cut := func(n int) []int { return splitSizes(n, func() int { return 1 + r.Intn(12) }) }
	for _, eol := range []string{"\n", "\r\n"} {
		for it := 0; it < 200; it++ {
			a := strings.ReplaceAll(before, "\n", eol)
			b := strings.ReplaceAll(after, "\n", eol)
			c := 25 + r.Intn(len(a)+len(eol)-24)
			in := a + b
			checkLive(t, [][]string{{oldN}, {newN}}, [][]string{nil, nil}, [][]byte{[]byte(in[:c]), []byte(in[c:])}, [][]int{cut(c), cut(len(in) - c)})
			if t.Failed() {
				return
			}
		}
	}
}

// TestWrappedMultilineNeedleBesideColour: a needle that holds a line break
// ("a\n+++b+ab"), a payload line ("c++", at wrapMinRun 3) whose line break
// is taken out, and a colour code after it: the output is the oracle's
// ("ab#\x1b[m") at every split into two writes and in one-byte writes.
// (It was a debugging test that only logged the result.)
func TestWrappedMultilineNeedleBesideColour(t *testing.T) {
	withWrapMinRun(3, func() {
		needles := []string{"a\n+++b+ab", "ac++c"}
		in := []byte("aba\nc++\n\x1b[mc")
		if got, want := newMatcher(needles, nil, Options{Token: "#"}).MaskString(string(in)), "ab#\x1b[m"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		for c := 1; c < len(in); c++ {
			checkStream(t, needles, nil, in, []int{c, len(in) - c})
		}
		checkStream(t, needles, nil, in, ones(len(in)))
	})
}
