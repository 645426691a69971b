package redact

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBytesAroundSecrets: bytes outside masked regions come out identical,
// whatever they are, at every write split.
func TestBytesAroundSecrets(t *testing.T) {
	const s = "CANARY-s3cr3t-ü€"
	tests := []struct{ name, in, want string }{
		{"ANSI colours", "\x1b[31m" + s + "\x1b[0m\n", "\x1b[31m***\x1b[0m\n"},
		{"CRLF", "a\r\n" + s + "\r\n", "a\r\n***\r\n"},
		{"progress bar", "\r10%\r50% " + s + "\r100%\n", "\r10%\r50% ***\r100%\n"},
		{"NUL and binary", "\x00\xff" + s + "\x00\x80\xfe", "\x00\xff***\x00\x80\xfe"},
		{"invalid UTF-8 next to a secret", "\xc3" + s + "\xe2\x82", "\xc3***\xe2\x82"},
		{"multi-byte runes", "ü€😀 " + s + " 😀€ü", "ü€😀 *** 😀€ü"},
	}
	m, _ := Compile([]Secret{{Name: "S", Value: s}}, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.MaskString(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			// Every split into two writes (runes split across writes included) and 1-byte writes.
			for i := 0; i <= len(tt.in); i++ {
				for _, sizes := range [][]int{{i, len(tt.in) - i}, ones(len(tt.in))} {
					var out bytes.Buffer
					w := m.NewWriter(&out, 0)
					pos := 0
					for _, n := range sizes {
						w.Write([]byte(tt.in[pos : pos+n]))
						pos += n
					}
					w.Close()
					if out.String() != tt.want {
						t.Fatalf("split %v: got %q, want %q", sizes, out.String(), tt.want)
					}
				}
			}
		})
	}
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// syncBuffer is a bytes.Buffer safe for the idle timer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestIdleRelease: a secret written byte by byte, with pauses shorter and
// longer than the idle time.
func TestIdleRelease(t *testing.T) {
	const idle = 100 * time.Millisecond
	const secret = "CANARY-idle-s3cr3t"
	m, _ := Compile([]Secret{{Name: "S", Value: secret}}, Options{})
	// waitFor polls out until it equals want (the timer runs on its own
	// goroutine; a loaded machine may run it late).
	waitFor := func(t *testing.T, out *syncBuffer, want string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); out.String() != want; {
			if time.Now().After(deadline) {
				t.Fatalf("got %q, want %q", out.String(), want)
			}
			time.Sleep(idle / 10)
		}
	}

	t.Run("short pauses: nothing released, secret masked", func(t *testing.T) {
		var out syncBuffer
		w := m.NewWriter(&out, 10*idle) // pauses far shorter than the idle time, even on a loaded machine
		w.Write([]byte("pw: "))
		for i := 0; i < len(secret); i++ {
			w.Write([]byte{secret[i]})
			time.Sleep(idle / 20)
		}
		w.Write([]byte("\n"))
		w.Close()
		if out.String() != "pw: ***\n" {
			t.Errorf("got %q", out.String())
		}
		if st := w.Stats(); st.IdleReleases != 0 || st.Masked != 1 {
			t.Errorf("stats %+v", st)
		}
	})

	t.Run("long pause after 1-3 bytes: released, the rest still masked", func(t *testing.T) {
		for k := 1; k <= MaxIdleRelease; k++ {
			var out syncBuffer
			w := m.NewWriter(&out, idle)
			w.Write([]byte("pw: " + secret[:k]))
			if out.String() != "pw: " {
				t.Fatalf("k=%d: wrote %q before the pause", k, out.String())
			}
			waitFor(t, &out, "pw: "+secret[:k])
			w.Write([]byte(secret[k:] + "\n"))
			w.Close()
			if want := "pw: " + secret[:k] + "***\n"; out.String() != want {
				t.Errorf("k=%d: got %q, want %q", k, out.String(), want)
			}
			if st := w.Stats(); st.IdleReleases != 1 || st.LateMasked != 1 || st.Masked != 1 {
				t.Errorf("k=%d: stats %+v", k, st)
			}
		}
	})

	t.Run("4 or more held bytes are never released on a timer", func(t *testing.T) {
		var out syncBuffer
		w := m.NewWriter(&out, idle)
		w.Write([]byte("pw: " + secret[:4]))
		time.Sleep(3 * idle)
		if out.String() != "pw: " {
			t.Fatalf("released %q", out.String())
		}
		w.Write([]byte(secret[4:9]))
		time.Sleep(2 * idle)
		if out.String() != "pw: " {
			t.Fatalf("released %q", out.String())
		}
		w.Write([]byte(secret[9:]))
		w.Close()
		if out.String() != "pw: ***" {
			t.Errorf("got %q", out.String())
		}
	})

	t.Run("a pending token is written after the pause", func(t *testing.T) {
		var out syncBuffer
		w := m.NewWriter(&out, idle)
		w.Write([]byte("pw: " + secret))
		waitFor(t, &out, "pw: ***")
		w.Close()
	})

	t.Run("strict mode never releases", func(t *testing.T) {
		var out syncBuffer
		w := m.NewWriter(&out, 0)
		w.Write([]byte("pw: C"))
		time.Sleep(2 * idle)
		if out.String() != "pw: " {
			t.Errorf("strict mode released: %q", out.String())
		}
		w.Write([]byte("x\n"))
		if out.String() != "pw: Cx\n" {
			t.Errorf("got %q", out.String())
		}
		w.Close()
	})
}

// TestConcurrentIdle hammers Write, the idle timer and Stats together; run
// with -race.
func TestConcurrentIdle(t *testing.T) {
	const secret = "CANARY-race-s3cr3t"
	m, _ := Compile([]Secret{{Name: "S", Value: secret}}, Options{})
	var out syncBuffer
	w := m.NewWriter(&out, time.Millisecond)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			w.Stats()
			time.Sleep(50 * time.Microsecond)
		}
	}()
	for i := 0; i < 300; i++ {
		w.Write([]byte("x CAN"))
		if i%7 == 0 {
			time.Sleep(2 * time.Millisecond)
		}
		w.Write([]byte("ARY-race-s3cr3t y\n"))
	}
	wg.Wait()
	w.Close()
	if strings.Contains(out.String(), secret) {
		t.Error("secret survived")
	}
}

type failWriter struct{ n int }

var errPipe = errors.New("broken pipe")

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errPipe
	}
	f.n--
	return len(p), nil
}

func TestDestinationError(t *testing.T) {
	m, _ := Compile([]Secret{{Name: "S", Value: "CANARY-s3cr3t-x"}}, Options{})
	w := m.NewWriter(&failWriter{n: 1}, 0)
	if n, err := w.Write([]byte("one\n")); n != 4 || err != nil {
		t.Fatalf("first write: %d, %v", n, err)
	}
	if _, err := w.Write([]byte("two\n")); !errors.Is(err, errPipe) {
		t.Fatalf("second write: %v, want the destination's error", err)
	}
	if _, err := w.Write([]byte("three\n")); !errors.Is(err, errPipe) {
		t.Fatalf("third write: %v", err)
	}
	if err := w.Close(); !errors.Is(err, errPipe) {
		t.Fatalf("Close: %v", err)
	}
	// An empty matcher passes bytes through and errors too.
	e, _ := Compile(nil, Options{})
	var b bytes.Buffer
	ew := e.NewWriter(&b, IdlePipe)
	ew.Write([]byte("raw\x00"))
	ew.Close()
	if b.String() != "raw\x00" {
		t.Errorf("empty matcher: %q", b.String())
	}
	if _, err := ew.Write([]byte("x")); err != ErrClosed {
		t.Errorf("write after close: %v", err)
	}
	var _ io.WriteCloser = w
}

type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// TestWriterContract: Close flushes and does not close the destination, is
// idempotent; Stats counts one token per region; MaxHold and NeedleCount.
func TestWriterContract(t *testing.T) {
	m, _ := Compile([]Secret{{Name: "S", Value: "CANARY-s3cr3t-abc"}}, Options{Token: "<redacted>"})
	if m.MaxHold() != m.a.maxLen-1 || m.NeedleCount() == 0 {
		t.Errorf("MaxHold %d, NeedleCount %d", m.MaxHold(), m.NeedleCount())
	}
	var dst closeRecorder
	w := m.NewWriter(&dst, 0)
	w.Write([]byte("a CANARY-s3cr3t-abcCANARY-s3cr3t-abc b CANARY-s3cr3t-abc c CANARY-s3cr"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if dst.closed {
		t.Error("Close closed the destination")
	}
	if want := "a <redacted> b <redacted> c <redacted>"; dst.String() != want {
		t.Errorf("got %q, want %q", dst.String(), want)
	}
	if st := w.Stats(); st.Masked != 3 {
		t.Errorf("stats %+v", st)
	}
}
