package redact

import (
	"bytes"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// escSeqs returns the complete CSI sequences in b, in order, as a terminal
// reads them (with no limit on how many follow each other), and what the
// terminal shows: the rest.
func escSeqs(b []byte) (seqs []string, shown []byte) {
	var out []string
	for i := 0; i < len(b); i++ {
		if b[i] != escByte {
			shown = append(shown, b[i])
			continue
		}
		shown = append(shown, b[i])
		e := escParser{on: true, n: 1}
		for j := i + 1; j < len(b); j++ {
			r := e.feed(b[j])
			if r == escDone {
				out = append(out, string(b[i:j+1]))
				shown = shown[:len(shown)-1]
				i = j
			}
			if r != escMore {
				break
			}
		}
	}
	return out, shown
}

// TestGrepColorInsideValue: `env | grep --color=always PATTERN` where the
// pattern matches inside a secret value splits the value with grep's SGR
// sequences. Run through the real grep, masked at every split into two
// writes and one byte at a time: no character of the value is left in what
// the terminal shows (the view), the value's line is one token, and every
// colour sequence grep wrote comes out, in order, so the colour state ends
// as grep left it.
func TestGrepColorInsideValue(t *testing.T) {
	path, err := exec.LookPath("grep")
	if err != nil {
		t.Skip("grep not installed")
	}
	const value = "CANARYk3y-0123-tail-9876"
	env := "HOME=/root\nAPI_TOKEN=" + value + "\nSHELL=/bin/bash\nOTHER=CANARYk3y-0123-tail-9876,CANARYk3y-0123-tail-9876\n"
	m, _ := Compile([]Secret{{Name: "API_TOKEN", Value: value}}, Options{})
	for _, pattern := range []string{"0123", "TOKEN|y-|0123", "[0-9]", "k3y-0123-t", "CANARY", "6$"} {
		cmd := exec.Command(path, "--color=always", "-E", pattern)
		cmd.Stdin = strings.NewReader(env)
		raw, err := cmd.Output()
		if err != nil {
			t.Fatalf("grep %s: %v", pattern, err)
		}
		if !bytes.Contains(raw, []byte("\x1b[")) || bytes.Contains(raw, []byte(value)) && pattern != "6$" && pattern != "CANARY" {
			t.Fatalf("grep %s did not split the value: %q", pattern, raw)
		}
		want := m.MaskString(string(raw))
		check := func(what string, got []byte) {
			t.Helper()
			if string(got) != want {
				t.Fatalf("grep %s, %s:\n got  %q\n want %q", pattern, what, got, want)
			}
			seqs, view := escSeqs(got)
			for _, piece := range []string{"CANARY", "k3y", "0123", "tail", "9876"} {
				if bytes.Contains(view, []byte(piece)) {
					t.Fatalf("grep %s, %s: %q of the value shows: %q", pattern, what, piece, got)
				}
			}
			rawSeqs, _ := escSeqs(raw)
			if g, w := strings.Join(seqs, " "), strings.Join(rawSeqs, " "); g != w {
				t.Fatalf("grep %s, %s: colour sequences\n got  %q\n want %q", pattern, what, g, w)
			}
		}
		for cut := 0; cut <= len(raw); cut++ {
			var b bytes.Buffer
			w := m.NewWriter(&b, 0)
			w.Write(raw[:cut])
			w.Write(raw[cut:])
			w.Close()
			check("split", b.Bytes())
		}
		var b bytes.Buffer
		w := m.NewWriter(&b, 0)
		for i := range raw {
			w.Write(raw[i : i+1])
		}
		w.Close()
		check("byte by byte", b.Bytes())
		if _, view := escSeqs([]byte(want)); !bytes.Contains(view, []byte("API_TOKEN=***\n")) {
			t.Fatalf("grep %s: the value is not one token: %q", pattern, want)
		}
	}
}

// TestEscapesInsideValue: table cases of the view walk.
func TestEscapesInsideValue(t *testing.T) {
	m, _ := Compile([]Secret{{Name: "S", Value: "CANARY-secret-42"}}, Options{})
	long := "\x1b[" + strings.Repeat("1", maxEscLen-3) + "m"
	tooLong := "\x1b[" + strings.Repeat("1", maxEscLen-2) + "m"
	for _, c := range []struct{ in, want string }{
		// grep's highlight inside the value: one token, then the sequences.
		{"v=CANARY-\x1b[01;31m\x1b[Ksecret\x1b[m\x1b[K-42\n", "v=***\x1b[01;31m\x1b[K\x1b[m\x1b[K\n"},
		// Colours around the value are left where they are.
		{"\x1b[32mCANARY-secret-42\x1b[0m\n", "\x1b[32m***\x1b[0m\n"},
		// A 256-colour and a truecolour SGR, an erase-line.
		{"CANA\x1b[38;5;196mRY-sec\x1b[38;2;1;2;3mret-4\x1b[K2.", "***\x1b[38;5;196m\x1b[38;2;1;2;3m\x1b[K."},
		// Not a CSI sequence: ESC X is text, so the value is broken.
		{"CANARY-\x1bXsecret-42\n", "CANARY-\x1bXsecret-42\n"},
		// More than maxEscRun sequences in a row: text again.
		{"CANARY-" + strings.Repeat("\x1b[m", maxEscRun+1) + "secret-42\n", "CANARY-" + strings.Repeat("\x1b[m", maxEscRun+1) + "secret-42\n"},
		{"CANARY-" + strings.Repeat("\x1b[m", maxEscRun) + "secret-42\n", "***" + strings.Repeat("\x1b[m", maxEscRun) + "\n"},
		// The longest sequence taken out, and one byte longer: text.
		{"CANARY-" + long + "secret-42!", "***" + long + "!"},
		{"CANARY-" + tooLong + "secret-42!", "CANARY-" + tooLong + "secret-42!"},
		// The end of the stream after a sequence: the held beginning of
		// the value (8+ characters) is masked. Inside an incomplete
		// sequence, that sequence is text, so there is no held beginning.
		{"x CANARY-se\x1b[1m", "x ***\x1b[1m"},
		{"x CANARY-se\x1b[3", "x CANARY-se\x1b[3"},
	} {
		if got := m.MaskString(c.in); got != c.want {
			t.Errorf("%q:\n got  %q\n want %q", c.in, got, c.want)
		}
		var b bytes.Buffer
		w := m.NewWriter(&b, 0)
		for i := 0; i < len(c.in); i++ {
			w.Write([]byte{c.in[i]})
		}
		w.Close()
		if b.String() != c.want {
			t.Errorf("%q byte by byte:\n got  %q\n want %q", c.in, b.String(), c.want)
		}
	}
	// A secret that holds ESC itself turns decoding off: matched raw only.
	esc, _ := Compile([]Secret{{Name: "E", Value: "CANARY-\x1b[1m-secret"}}, Options{})
	if got := esc.MaskString("a CANARY-\x1b[1m-secret b"); got != "a *** b" {
		t.Errorf("secret with ESC: %q", got)
	}
}

// TestIdleReleaseEscapes: the idle release counts the characters of a held
// beginning, not the colour codes inside it: 3 characters with a code are
// released after the pause (and the rest of the secret is still masked, its
// codes after the token); 4 characters with a code are held until the
// stream moves on.
func TestIdleReleaseEscapes(t *testing.T) {
	const idle = 50 * time.Millisecond
	m, _ := Compile([]Secret{{Name: "S", Value: "CANARY-idle-s3cr3t"}}, Options{})
	var out syncBuffer
	w := m.NewWriter(&out, idle)
	w.Write([]byte("pw: CA\x1b[1mN"))
	for deadline := time.Now().Add(5 * time.Second); out.String() != "pw: CA\x1b[1mN"; {
		if time.Now().After(deadline) {
			t.Fatalf("3 characters not released: %q", out.String())
		}
		time.Sleep(idle / 10)
	}
	w.Write([]byte("ARY-\x1b[0midle-s3cr3t\n"))
	w.Close()
	if want := "pw: CA\x1b[1mN***\x1b[0m\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	if st := w.Stats(); st.IdleReleases != 1 || st.LateMasked != 1 {
		t.Errorf("stats %+v", st)
	}

	var out4 syncBuffer
	w = m.NewWriter(&out4, idle)
	w.Write([]byte("pw: CA\x1b[1mNA"))
	time.Sleep(6 * idle)
	if out4.String() != "pw: " {
		t.Errorf("4 held characters released: %q", out4.String())
	}
	w.Close()
}

// TestPrefixBound: the shortcuts scanDecoding takes instead of stopping the
// raw walk at an ESC give the automaton's exact state: where mayEndPrefix
// is false the state is the root, and walking the prefixBound bytes alone
// gives the state cut back to the gap.
func TestPrefixBound(t *testing.T) {
	r := rand.New(rand.NewSource(17))
	const alpha = "abcab[1m;\n"
	for it := 0; it < 300; it++ {
		var needles []string
		for k := 0; k < 1+r.Intn(6); k++ {
			needles = append(needles, randString(r, alpha, 1+r.Intn(12)))
		}
		a := newMatcher(needles, nil, Options{}).a
		p := []byte(randString(r, alpha+"xyz", 200))
		for e := 0; e <= len(p); e++ {
			st := a.walkFrom(0, p[:e])
			if e >= 2 && !a.mayEndPrefix(p, e) && st != 0 {
				t.Fatalf("needles %q: mayEndPrefix false at %d of %q, state depth %d", needles, e, p, a.depthOf(st))
			}
			for _, gap := range []int64{0, 1, 2, 3, 5, 8, 13, 40, 1 << 40} {
				l := a.prefixBound(p, e, gap)
				if l > e {
					continue
				}
				if got, want := a.walkFrom(0, p[e-l:e]), a.truncate(st, gap); got != want {
					t.Fatalf("needles %q, %q at %d gap %d: bound %d gives depth %d, want %d", needles, p, e, gap, l, a.depthOf(got), a.depthOf(want))
				}
			}
		}
	}
}
