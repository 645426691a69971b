package redact

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

// oracleWidth is the oracle for a terminal Writer: each region replaced by
// widthMask of its bytes, less the escape sequences inside it, which follow.
func oracleWidth(needles []string, in []byte) []byte {
	var b []byte
	cur := 0
	for _, r := range oracleRegions(needles, in, true) {
		b = append(b, in[cur:r.s]...)
		var view []byte
		k := r.s
		for _, q := range r.seqs {
			view = append(view, in[k:q[0]]...)
			k = q[1]
		}
		view = append(view, in[k:r.e]...)
		b = widthMask(b, view)
		b = append(b, r.csis...)
		cur = r.e
	}
	return append(b, in[cur:]...)
}

// checkWidth runs one case through a strict terminal Writer.
func checkWidth(t *testing.T, needles []string, in []byte, sizes []int) {
	t.Helper()
	if len(needles) == 0 {
		return
	}
	m := newMatcher(needles, nil, Options{})
	var out bytes.Buffer
	w := m.NewTerminalWriter(&out, 0)
	pos := 0
	for _, n := range sizes {
		w.Write(in[pos : pos+n])
		pos += n
	}
	w.Close()
	if want := oracleWidth(needles, in); !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("needles %q input %q sizes %v:\n got  %q\n want %q", needles, in, sizes, out.Bytes(), want)
	}
}

// TestTerminalWidthRandomized: the width-keeping masks of a terminal
// Writer are the oracle's for every split, down to one byte per write.
func TestTerminalWidthRandomized(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	const alpha = "ab\n%: é€😀\x1b"
	for it := 0; it < 1500; it++ {
		var needles []string
		for k := 0; k < 1+r.Intn(5); k++ {
			needles = append(needles, randString(r, alpha, 1+r.Intn(10)))
		}
		in := []byte(randString(r, alpha, r.Intn(200)))
		for k := 0; k < 3; k++ { // plant some occurrences
			n := needles[r.Intn(len(needles))]
			at := r.Intn(len(in) + 1)
			in = append(in[:at], append([]byte(n), in[at:]...)...)
		}
		sizes := splitSizes(len(in), func() int {
			if r.Intn(2) == 0 {
				return 1
			}
			return 1 + r.Intn(20)
		})
		checkWidth(t, needles, in, sizes)
	}
}

// TestTerminalWidth: on a pseudo-terminal the mask is as wide as what it
// replaces, so a line keeps its columns (vim's cursor stays where the
// program put it); line breaks inside a secret stay.
func TestTerminalWidth(t *testing.T) {
	m, _ := Compile([]Secret{
		{Name: "TOKEN", Value: "ghp_CANARY0123456789abcdef"},
		{Name: "WIDE", Value: "CANARY-密码-😀-é"},
		{Name: "KEY", Value: "CANARY-line-one-0123\nCANARY-line-two-4567"},
	}, Options{})
	for _, c := range []struct{ in, want string }{
		{"token=ghp_CANARY0123456789abcdef;\n", "token=" + strings.Repeat("*", 26) + ";\n"},
		{"pw CANARY-密码-😀-é|\n", "pw " + strings.Repeat("*", 7+4+1+2+1+1) + "|\n"},
		{"CANARY-line-one-0123\r\nCANARY-line-two-4567\r\n", strings.Repeat("*", 20) + "\r\n" + strings.Repeat("*", 20) + "\r\n"},
	} {
		var b bytes.Buffer
		w := m.NewTerminalWriter(&b, 0)
		for i := 0; i < len(c.in); i++ { // a byte at a time, as a pty may deliver it
			w.Write([]byte{c.in[i]})
		}
		w.Close()
		if b.String() != c.want {
			t.Errorf("%q:\n got  %q\n want %q", c.in, b.String(), c.want)
		}
		if strings.Contains(b.String(), "CANARY") {
			t.Errorf("secret survived: %q", b.String())
		}
	}
	// Explicit choices win: name tokens (or a custom token) are kept.
	named, _ := Compile([]Secret{{Name: "TOKEN", Value: "ghp_CANARY0123456789abcdef"}}, Options{NameTokens: true})
	var b bytes.Buffer
	w := named.NewTerminalWriter(&b, 0)
	w.Write([]byte("t=ghp_CANARY0123456789abcdef\n"))
	w.Close()
	if b.String() != "t=[TOKEN]\n" {
		t.Errorf("name tokens on a terminal: %q", b.String())
	}
	// The default writer keeps the short token.
	if got := m.MaskString("t=ghp_CANARY0123456789abcdef\n"); got != "t=***\n" {
		t.Errorf("pipe token: %q", got)
	}
}
