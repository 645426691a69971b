package inject

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// recordingWrap is a Spec.Wrap that records which streams were wrapped and checks they were
// closed; it passes bytes through unchanged.
type recordingWrap struct {
	mu      sync.Mutex
	opened  []string
	closed  map[string]bool
	ttyFlag map[string]bool
}

func newRecordingWrap() *recordingWrap {
	return &recordingWrap{closed: map[string]bool{}, ttyFlag: map[string]bool{}}
}

func (rw *recordingWrap) Wrap(name string, dst io.Writer, tty bool) io.WriteCloser {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	rw.opened = append(rw.opened, name)
	rw.ttyFlag[name] = tty
	return &recordingWriter{rw: rw, name: name, dst: dst}
}

type recordingWriter struct {
	rw   *recordingWrap
	name string
	dst  io.Writer
}

func (w *recordingWriter) Write(p []byte) (int, error) { return w.dst.Write(p) }
func (w *recordingWriter) Close() error {
	w.rw.mu.Lock()
	defer w.rw.mu.Unlock()
	w.rw.closed[w.name] = true
	return nil
}

// runPipes runs a fake child in pipe mode with stdin from in and returns its status, stdout,
// stderr and error.
func runPipes(t *testing.T, spec Spec, in io.Reader) (status int, stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	spec.Streams = Streams{In: in, Out: &out, Err: &errb}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	status, err = Run(ctx, spec)
	return status, out.String(), errb.String(), err
}

func TestRunExitStatus(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want int
	}{
		{"exit:0", 0},
		{"exit:3", 3},
		{"exit:255", 255},
		{"kill:" + strconv.Itoa(int(syscall.SIGKILL)), 128 + 9},
		{"kill:" + strconv.Itoa(int(syscall.SIGTERM)), 128 + 15},
		{"kill:" + strconv.Itoa(int(syscall.SIGINT)), 128 + 2},
		{"kill:" + strconv.Itoa(int(syscall.SIGHUP)), 128 + 1},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			status, _, stderr, err := runPipes(t, childSpec(tc.mode), nil)
			if err != nil {
				t.Fatalf("Run: %v (stderr %q)", err, stderr)
			}
			if status != tc.want {
				t.Fatalf("status = %d, want %d", status, tc.want)
			}
		})
	}
}

func TestRunCommandNotFoundOrNotExecutable(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(os.Args[0], filepath.Join(dir, "fakechild")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "noexec"), []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "garbage"), []byte("\x00\x01\x02 not a program"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "badinterp"), []byte("#!/nonexistent/interpreter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	emptyDir := t.TempDir()
	env := func(path string, mode string) []string {
		e := []string{"PATH=" + path}
		if mode != "" {
			e = append(e, childEnvVar+"="+mode)
		}
		return e
	}
	for _, tc := range []struct {
		name     string
		args     []string
		env      []string
		want     int
		wantErr  error
		wantHint string
	}{
		// Args[0] is looked up in the child's PATH, not secretrun's.
		{"found in the child's PATH", []string{"fakechild"}, env(dir, "exit:4"), 4, nil, ""},
		{"not found", []string{"no-such-command-x"}, env(dir, ""), 127, ErrCommandNotFound, ""},
		{"not found, but in secretrun's PATH", []string{"sh"}, env(emptyDir, ""), 127, ErrCommandNotFound, "secretrun's own PATH"},
		{"no PATH at all", []string{"sh"}, nil, 127, ErrCommandNotFound, "no PATH"},
		{"not executable", []string{"noexec"}, env(dir, ""), 126, ErrCommandNotExecutable, ""},
		{"a directory", []string{"adir"}, env(dir, ""), 126, ErrCommandNotExecutable, ""},
		{"exec format error", []string{"garbage"}, env(dir, ""), 126, ErrCommandNotExecutable, ""},
		{"missing #! interpreter", []string{"badinterp"}, env(dir, ""), 126, ErrCommandNotExecutable, ""},
		{"path with slash, missing", []string{filepath.Join(dir, "missing")}, env(dir, ""), 127, ErrCommandNotFound, ""},
		{"path with slash, not executable", []string{filepath.Join(dir, "noexec")}, env(dir, ""), 126, ErrCommandNotExecutable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := Spec{Args: tc.args, Env: tc.env}
			status, _, _, err := runPipes(t, spec, nil)
			if status != tc.want {
				t.Fatalf("status = %d, want %d (err %v)", status, tc.want, err)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var re *RunError
			if !errors.As(err, &re) || !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %#v, want a *RunError wrapping %v", err, tc.wantErr)
			}
			if re.ExitStatus() != tc.want {
				t.Errorf("ExitStatus() = %d, want %d", re.ExitStatus(), tc.want)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tc.args[0])) {
				t.Errorf("error %q does not name the command", err)
			}
			if strings.Contains(err.Error(), "PATH=") || strings.Contains(err.Error(), dir+string(os.PathListSeparator)) {
				t.Errorf("error %q shows the environment", err)
			}
			if !strings.Contains(re.Hint, tc.wantHint) {
				t.Errorf("hint = %q, want it to contain %q", re.Hint, tc.wantHint)
			}
		})
	}
}

// hashWriter counts and hashes what is written to it.
type hashWriter struct {
	n int64
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func newHashWriter() *hashWriter { return &hashWriter{h: sha256.New()} }
func (w *hashWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return w.h.Write(p)
}
func (w *hashWriter) sum() string { return fmt.Sprintf("%d:%x", w.n, w.h.Sum(nil)) }

func expectedData(seed uint64, n int64) string {
	w := newHashWriter()
	_ = writeData(w, seed, n)
	return w.sum()
}

// Every byte of both streams arrives, in order, including the last ones written right before
// the child exits, and both writers are closed before Run returns.
func TestRunPipeModeByteExact(t *testing.T) {
	const n = 8<<20 + 12345
	out, errw := newHashWriter(), newHashWriter()
	rw := newRecordingWrap()
	spec := childSpec(fmt.Sprintf("bytes:%d:42:both", n))
	spec.Streams = Streams{Out: out, Err: errw}
	spec.Wrap = rw.Wrap
	status, err := Run(context.Background(), spec)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	if got, want := out.sum(), expectedData(42, n); got != want {
		t.Errorf("stdout %s, want %s", got, want)
	}
	if got, want := errw.sum(), expectedData(43, n); got != want {
		t.Errorf("stderr %s, want %s", got, want)
	}
	if strings.Join(rw.opened, ",") != "stdout,stderr" || !rw.closed["stdout"] || !rw.closed["stderr"] {
		t.Errorf("wrapped %v, closed %v; want stdout and stderr, both closed", rw.opened, rw.closed)
	}
	if rw.ttyFlag["stdout"] || rw.ttyFlag["stderr"] {
		t.Errorf("tty flags %v for pipes", rw.ttyFlag)
	}
}

func TestRunLastBytesBeforeExit(t *testing.T) {
	// A prompt without newline followed by an immediate exit, on both streams.
	status, stdout, _, err := runPipes(t, childSpec("print:last words, no newline"), nil)
	if err != nil || status != 0 || stdout != "last words, no newline" {
		t.Fatalf("Run = %d, %v, stdout %q", status, err, stdout)
	}
	status, _, stderr, err := runPipes(t, childSpec("stderr:on stderr"), nil)
	if err != nil || status != 0 || stderr != "on stderr" {
		t.Fatalf("Run = %d, %v, stderr %q", status, err, stderr)
	}
}

// `echo hi | secretrun -- cat` prints hi and exits 0: stdin EOF reaches the child, whether
// stdin is a file (inherited as is) or any reader.
func TestRunStdinEOF(t *testing.T) {
	t.Run("reader", func(t *testing.T) {
		status, stdout, _, err := runPipes(t, childSpec("cat"), strings.NewReader("hi\n"))
		if err != nil || status != 0 || stdout != "hi\n" {
			t.Fatalf("Run = %d, %v, stdout %q", status, err, stdout)
		}
	})
	t.Run("pipe file", func(t *testing.T) {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pr.Close()
		fmt.Fprint(pw, "hi\n")
		pw.Close()
		var out bytes.Buffer
		spec := childSpec("cat")
		spec.Streams = Streams{In: pr, InFile: pr, Out: &out, Err: io.Discard}
		status, err := Run(context.Background(), spec)
		if err != nil || status != 0 || out.String() != "hi\n" {
			t.Fatalf("Run = %d, %v, stdout %q", status, err, out.String())
		}
	})
	t.Run("no stdin", func(t *testing.T) {
		status, stdout, _, err := runPipes(t, childSpec("cat"), nil)
		if err != nil || status != 0 || stdout != "" {
			t.Fatalf("Run = %d, %v, stdout %q", status, err, stdout)
		}
	})
}

// A grandchild that keeps the child's stdout open cannot keep Run from returning: after the
// child exits, output is read for at most Grace+1s.
func TestRunGrandchildHoldingPipe(t *testing.T) {
	spec := childSpec("grandchild")
	spec.Grace = 200 * time.Millisecond
	var out bytes.Buffer
	spec.Streams = Streams{Out: &out, Err: io.Discard}
	status, err := runWithGuard(t, spec, 20*time.Second) // below the grandchild's 30s sleep
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	var gc int
	if _, err := fmt.Sscanf(out.String(), "grandchild=%d", &gc); err != nil {
		t.Fatalf("stdout %q", out.String())
	}
	_ = syscall.Kill(gc, syscall.SIGKILL)
}

// errAfterWriter accepts n bytes, then fails like a closed pipe.
type errAfterWriter struct{ n int }

func (w *errAfterWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, syscall.EPIPE
	}
	w.n -= len(p)
	return len(p), nil
}

// When the output cannot be written any more, the child gets SIGPIPE (as `yes | head -1`
// would without secretrun) and Run returns its status.
func TestRunWriteErrorStopsChild(t *testing.T) {
	spec := childSpec("yes")
	spec.Streams = Streams{Out: &errAfterWriter{n: 1 << 20}, Err: io.Discard}
	status, err := runWithGuard(t, spec, 30*time.Second)
	if err != nil || status != 128+int(syscall.SIGPIPE) {
		t.Fatalf("Run = %d, %v; want %d", status, err, 128+int(syscall.SIGPIPE))
	}
}

// `secretrun -- yes | head -1` returns promptly, for real: the runner's stdout is a pipe
// that the reader closes after one line.
func TestRunnerYesHeadClosesPipe(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = runnerEnv(runnerConfig{Child: "yes"})
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 2)
	if _, err := io.ReadFull(stdout, line); err != nil || string(line) != "y\n" {
		t.Fatalf("read %q, %v", line, err)
	}
	stdout.Close() // like head -1 exiting
	status := waitStatus(t, cmd, 30*time.Second)
	if status != 128+int(syscall.SIGPIPE) {
		t.Fatalf("runner exited %d, want %d (stderr %q)", status, 128+int(syscall.SIGPIPE), stderr.String())
	}
}

// waitStatus waits for cmd (with a hang guard) and returns its exit status.
func waitStatus(t *testing.T, cmd *exec.Cmd, guard time.Duration) int {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(guard):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("runner did not exit within %v", guard)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("runner died of %v", ws.Signal())
	}
	return ws.ExitStatus()
}

// Cancelling ctx sends SIGTERM: a child whose shutdown handler takes 1s completes it (and its
// last output arrives); a child ignoring SIGTERM is killed after Grace.
func TestRunCancelGrace(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		grace   time.Duration
		want    int
		wantOut string
	}{
		{"slowterm", 5 * time.Second, 0, "ready\nshutdown complete"},
		{"ignoreterm", 300 * time.Millisecond, 128 + 9, "ready\n"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			spec := childSpec(tc.mode)
			spec.Grace = tc.grace
			status, stdout, err := runCancelWhenReady(spec)
			if err != nil || status != tc.want {
				t.Fatalf("Run = %d, %v; want %d", status, err, tc.want)
			}
			if stdout != tc.wantOut {
				t.Fatalf("stdout %q, want %q", stdout, tc.wantOut)
			}
		})
	}
}

// Cancelling the run after a forwarded SIGTERM does not send a second one; cancelling alone
// sends exactly one.
func TestRunCancelSendsOneSIGTERM(t *testing.T) {
	status, stdout, err := runCancelWhenReady(childSpec("signals"))
	if err != nil || status != 0 || !strings.HasSuffix(stdout, "got SIGTERM=1\n") {
		t.Fatalf("Run = %d, %v, stdout %q", status, err, stdout)
	}
}

// runCancelWhenReady runs spec in pipe mode and cancels the run once the child has printed
// "ready\n" (within 20s); it returns Run's status and error and the child's stdout.
func runCancelWhenReady(spec Spec) (status int, stdout string, err error) {
	out := &notifyBuffer{}
	spec.Streams = Streams{Out: out, Err: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if out.waitFor("ready\n", 20*time.Second) {
			cancel()
		}
	}()
	status, err = Run(ctx, spec)
	return status, out.String(), err
}

// notifyBuffer is a concurrency-safe buffer one can wait on.
type notifyBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *notifyBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *notifyBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls until the buffer contains s or the guard expires.
func (b *notifyBuffer) waitFor(s string, guard time.Duration) bool {
	deadline := time.Now().Add(guard)
	for time.Now().Before(deadline) {
		if strings.Contains(b.String(), s) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func TestRunStarted(t *testing.T) {
	spec := childSpec("exit:0")
	var got int
	spec.Started = func(pid int) { got = pid }
	if status, _, _, err := runPipes(t, spec, nil); status != 0 || err != nil {
		t.Fatalf("Run = %d, %v", status, err)
	}
	if got <= 0 {
		t.Fatalf("Started got pid %d", got)
	}
}

// The child's environment is exactly Spec.Env: nothing of secretrun's own leaks in.
func TestRunEnvIsExactlySpecEnv(t *testing.T) {
	spec := Spec{Args: []string{os.Args[0]}, Env: []string{childEnvVar + "=env", "FOO=bar"}}
	status, stdout, _, err := runPipes(t, spec, nil)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	if want := childEnvVar + "=env\nFOO=bar\n"; stdout != want {
		t.Fatalf("child environment %q, want %q", stdout, want)
	}
}
