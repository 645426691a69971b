package inject

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ttyStreams are Streams on a fake terminal: all three streams are tty.
func ttyStreams(tty *os.File) Streams {
	return Streams{
		In: tty, Out: tty, Err: tty,
		InFile: tty, OutFile: tty, ErrFile: tty,
		InTTY: true, OutTTY: true, ErrTTY: true,
	}
}

// runOnTerminal runs spec in this process with the given streams and returns the status and
// what appeared on the fake terminal.
func runOnTerminal(t *testing.T, spec Spec, streams func(tty *os.File) Streams) (int, string) {
	t.Helper()
	master, tty := openFakeTerminal(t)
	screen := readAll(master)
	spec.Streams = streams(tty)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	status, err := Run(ctx, spec)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Everything the child wrote was written to tty before Run returned; give the reader a
	// moment to move it from the terminal to the buffer.
	tty.Write(nil)
	time.Sleep(100 * time.Millisecond)
	return status, screen.String()
}

// The stream/pty matrix of PROCESS.md, as the child sees it.
func TestRunPTYMatrix(t *testing.T) {
	var errBuf bytes.Buffer
	for _, tc := range []struct {
		name    string
		mode    PTYMode
		streams func(tty *os.File) Streams
		want    string
	}{
		{"all three tty: one pty", PTYAuto, ttyStreams, "stdin=true stdout=true stderr=true"},
		{"stdin not tty: pty for stdout+stderr", PTYAuto, func(tty *os.File) Streams {
			s := ttyStreams(tty)
			s.In, s.InFile, s.InTTY = strings.NewReader(""), nil, false
			return s
		}, "stdin=false stdout=true stderr=true"},
		{"stderr not tty: pty for stdout only", PTYAuto, func(tty *os.File) Streams {
			s := ttyStreams(tty)
			s.Err, s.ErrFile, s.ErrTTY = &errBuf, nil, false
			return s
		}, "stdin=true stdout=true stderr=false"},
		{"--no-pty", PTYNever, ttyStreams, "stdin=true stdout=false stderr=false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := childSpec("isatty")
			spec.PTY = tc.mode
			status, screen := runOnTerminal(t, spec, tc.streams)
			if status != 0 || !strings.Contains(screen, tc.want) {
				t.Fatalf("status %d, screen %q, want %q", status, screen, tc.want)
			}
		})
	}
	t.Run("--pty without a terminal", func(t *testing.T) {
		var out bytes.Buffer
		spec := childSpec("isatty")
		spec.PTY = PTYAlways
		spec.Streams = Streams{Out: &out, Err: io.Discard}
		status, err := Run(context.Background(), spec)
		if err != nil || status != 0 || out.String() != "stdin=false stdout=true stderr=false\r\n" {
			t.Fatalf("Run = %d, %v, stdout %q", status, err, out.String())
		}
	})
}

// Colour codes and the pty's \r\n pass through byte for byte; stdout and stderr share the one
// pseudo-terminal (and one redactor, named "pty").
func TestRunPTYBytesExact(t *testing.T) {
	rw := newRecordingWrap()
	spec := childSpec("color")
	spec.Wrap = rw.Wrap
	status, screen := runOnTerminal(t, spec, ttyStreams)
	want := "\x1b[31mred\x1b[0m plain\r\n\x1b[1mbold-err\x1b[0m\r\n"
	if status != 0 || screen != want {
		t.Fatalf("status %d, screen %q, want %q", status, screen, want)
	}
	if strings.Join(rw.opened, ",") != "pty" || !rw.closed["pty"] || !rw.ttyFlag["pty"] {
		t.Fatalf("wrapped %v closed %v tty %v; want one closed tty writer named pty", rw.opened, rw.closed, rw.ttyFlag)
	}
}

// A prompt without newline shows at once; what the user types reaches the child through the
// pseudo-terminal; the outer terminal is raw meanwhile and restored exactly afterwards.
func TestRunPTYPromptAndTerminalRestored(t *testing.T) {
	master, tty := openFakeTerminal(t)
	before := termiosOf(t, tty)
	screen := readAll(master)
	spec := childSpec("prompt")
	spec.Streams = ttyStreams(tty)
	rawDuringRun := make(chan bool, 1)
	typed := make(chan struct{})
	defer func() { <-typed }()
	go func() {
		defer close(typed)
		if screen.waitFor("Password: ", 20*time.Second) {
			rawDuringRun <- termiosOf(t, tty).Lflag&(unix.ICANON|unix.ECHO) == 0
			master.Write([]byte("hunter2\r"))
		}
	}()
	status, err := Run(context.Background(), spec)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	mustSee(t, screen, "got:hunter2\r\n")
	select {
	case raw := <-rawDuringRun:
		if !raw {
			t.Error("outer terminal was not raw while the child ran")
		}
	default:
		t.Error("prompt never seen")
	}
	if after := termiosOf(t, tty); *after != *before {
		t.Fatalf("terminal not restored:\n got %+v\nwant %+v", after, before)
	}
}

// The window size is copied before the child starts and again on SIGWINCH.
func TestRunPTYWindowSize(t *testing.T) {
	master, tty := openFakeTerminal(t)
	screen := readAll(master)
	spec := childSpec("winsize:watch")
	spec.Streams = ttyStreams(tty)
	typed := make(chan struct{})
	go func() {
		defer close(typed)
		if screen.waitFor("size=33x101\r\n", 20*time.Second) {
			_ = pty.Setsize(tty, &pty.Winsize{Rows: 40, Cols: 120})
			_ = syscall.Kill(os.Getpid(), syscall.SIGWINCH) // what the terminal does
		}
	}()
	defer func() { <-typed }()
	status, err := Run(context.Background(), spec)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	mustSee(t, screen, "size=40x120\r\n")
}

// Exit statuses pass through in pty mode too, signals included.
func TestRunPTYExitStatus(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want int
	}{
		{"exit:3", 3},
		{"kill:9", 137},
		{"kill:1", 129},
	} {
		status, _ := runOnTerminal(t, childSpec(tc.mode), ttyStreams)
		if status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.mode, status, tc.want)
		}
	}
}

// With stdin not a terminal, stdin is inherited as is: its EOF reaches the child.
func TestRunPTYStdinPipeEOF(t *testing.T) {
	status, screen := runOnTerminal(t, childSpec("cat"), func(tty *os.File) Streams {
		s := ttyStreams(tty)
		s.In, s.InFile, s.InTTY = strings.NewReader("hi\n"), nil, false
		return s
	})
	if status != 0 || !strings.Contains(screen, "hi\r") {
		t.Fatalf("status %d, screen %q", status, screen)
	}
}

// Large pty output arrives complete, with the last bytes written right before exit.
func TestRunPTYLastBytes(t *testing.T) {
	const n = 1 << 20
	var out bytes.Buffer
	spec := childSpec("print:" + strings.Repeat("x", 100) + "THE-END")
	spec.PTY = PTYAlways
	spec.Streams = Streams{Out: &out, Err: io.Discard}
	status, err := Run(context.Background(), spec)
	if err != nil || status != 0 || !strings.HasSuffix(out.String(), "THE-END") {
		t.Fatalf("Run = %d, %v, out %q", status, err, out.String())
	}
	// Binary data through --pty: the only change is the terminal's ONLCR (\n becomes \r\n).
	out.Reset()
	spec = childSpec("bytes:1048576:7")
	spec.PTY = PTYAlways
	spec.Streams = Streams{Out: &out, Err: io.Discard}
	status, err = Run(context.Background(), spec)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	var want bytes.Buffer
	_ = writeData(&want, 7, n)
	got := out.Bytes()
	exp := bytes.ReplaceAll(want.Bytes(), []byte("\n"), []byte("\r\n"))
	if !bytes.Equal(got, exp) {
		t.Fatalf("pty output differs: got %d bytes, want %d", len(got), len(exp))
	}
}

// A descendant holding the pseudo-terminal open after the child exited cannot keep Run from
// returning; and when the output cannot be written any more (`--pty | head -1`), the child's
// terminal is hung up so it stops, and Run returns its status.
func TestRunPTYDoesNotHang(t *testing.T) {
	t.Run("grandchild holds the terminal", func(t *testing.T) {
		var out notifyBuffer
		spec := childSpec("grandchild")
		spec.PTY = PTYAlways
		spec.Grace = 200 * time.Millisecond
		spec.Streams = Streams{Out: &out, Err: io.Discard}
		status, err := runWithGuard(t, spec, 30*time.Second)
		if err != nil || status != 0 {
			t.Fatalf("Run = %d, %v", status, err)
		}
		var gc int
		if _, err := fmt.Sscanf(out.String(), "grandchild=%d", &gc); err == nil {
			_ = syscall.Kill(gc, syscall.SIGKILL)
		}
	})
	t.Run("output closed", func(t *testing.T) {
		spec := childSpec("yes")
		spec.PTY = PTYAlways
		spec.Streams = Streams{Out: &errAfterWriter{n: 1 << 16}, Err: io.Discard}
		status, err := runWithGuard(t, spec, 30*time.Second)
		// SIGHUP from the hangup, or SIGPIPE/EIO depending on where the child was.
		if err != nil || (status != 128+int(syscall.SIGHUP) && status != 128+int(syscall.SIGPIPE) && status != 97) {
			t.Fatalf("Run = %d, %v", status, err)
		}
	})
}

// runWithGuard runs spec and fails the test if Run has not returned within guard.
func runWithGuard(t *testing.T, spec Spec, guard time.Duration) (int, error) {
	t.Helper()
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		st, err := Run(context.Background(), spec)
		done <- result{st, err}
	}()
	select {
	case r := <-done:
		return r.status, r.err
	case <-time.After(guard):
		t.Fatalf("Run did not return within %v", guard)
		return 0, nil
	}
}
