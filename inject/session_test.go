package inject

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// onceWrap is a Spec.Wrap that checks the session's data path is made once: it counts how
// often each stream is wrapped and each writer closed, and fails a Write after Close, or one
// that overlaps another Write to the same writer (two children's outputs copied at once). With
// delay, each Write takes that long, which makes an overlap likely if the runner allows one.
type onceWrap struct {
	mu       sync.Mutex
	wraps    map[string]int
	closes   map[string]int
	overlaps int
	delay    time.Duration
}

func newOnceWrap() *onceWrap { return &onceWrap{wraps: map[string]int{}, closes: map[string]int{}} }

func (o *onceWrap) Wrap(name string, dst io.Writer, _ bool) io.WriteCloser {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.wraps[name]++
	return &onceWriter{o: o, name: name, dst: dst}
}

// counts returns how often each stream was wrapped and closed, as "name:wraps/closes".
func (o *onceWrap) counts() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var c []string
	for name, n := range o.wraps {
		c = append(c, fmt.Sprintf("%s:%d/%d", name, n, o.closes[name]))
	}
	slices.Sort(c)
	if o.overlaps > 0 {
		c = append(c, fmt.Sprintf("%d overlapping writes", o.overlaps))
	}
	return c
}

type onceWriter struct {
	o      *onceWrap
	name   string
	dst    io.Writer
	closed bool
	busy   bool
}

func (w *onceWriter) Write(p []byte) (int, error) {
	w.o.mu.Lock()
	closed, busy := w.closed, w.busy
	w.busy = true
	if busy {
		w.o.overlaps++
	}
	w.o.mu.Unlock()
	if closed {
		return 0, fmt.Errorf("write to the %s writer after Close", w.name)
	}
	time.Sleep(w.o.delay)
	n, err := w.dst.Write(p)
	if !busy {
		w.o.mu.Lock()
		w.busy = false
		w.o.mu.Unlock()
	}
	return n, err
}

func (w *onceWriter) Close() error {
	w.o.mu.Lock()
	defer w.o.mu.Unlock()
	w.closed = true
	w.o.closes[w.name]++
	return nil
}

// openSession opens a Session on spec for the test, closed at the end.
func openSession(t *testing.T, spec Spec) *Session {
	t.Helper()
	if spec.Args == nil {
		spec.Args = []string{os.Args[0]}
	}
	if spec.Grace == 0 {
		spec.Grace = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	s, err := Open(ctx, spec)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// mustStart starts a child with env.
func mustStart(t *testing.T, s *Session, env []string) {
	t.Helper()
	if err := s.Start(env, nil); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

// exitOf waits for the current child's Exit (with a hang guard) and checks that it is
// delivered once only.
func exitOf(t *testing.T, s *Session) Exit {
	t.Helper()
	var ex Exit
	select {
	case ex = <-s.Exited():
	case <-time.After(30 * time.Second):
		t.Fatal("no Exit within 30s")
	}
	select {
	case again := <-s.Exited():
		t.Fatalf("Exited delivered twice: %+v, then %+v", ex, again)
	default:
	}
	return ex
}

// A restart, as the watcher does it: child A runs, Stop, child B starts with another
// environment. Both outputs arrive complete and in order through the same Wrap writers,
// made once and closed once; each child's Exit is delivered once; Signal reaches the child
// that runs now; Spec.Started is called for each child.
func TestSessionRestart(t *testing.T) {
	wrap := newOnceWrap()
	var out notifyBuffer
	started := make(chan int, 2)
	s := openSession(t, Spec{
		Streams: Streams{Out: &out, Err: io.Discard},
		Wrap:    wrap.Wrap,
		Started: func(pid int) { started <- pid },
	})

	mustStart(t, s, genEnv("A", "serve:300000"))
	mustSee(t, &out, "A ready\n")
	s.Stop()
	if ex := exitOf(t, s); ex != (Exit{Status: 3}) {
		t.Fatalf("A's Exit = %+v, want status 3 (its SIGTERM handler's)", ex)
	}

	mustStart(t, s, genEnv("BB", "serve:200000"))
	mustSee(t, &out, "BB ready\n")
	s.Signal(syscall.SIGUSR1)
	mustSee(t, &out, "BB got SIGUSR1\n")
	s.Stop()
	if ex := exitOf(t, s); ex != (Exit{Status: 3}) {
		t.Fatalf("B's Exit = %+v, want status 3", ex)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	want := genData(1, 300000) + "A ready\nA stopping\n" +
		genData(2, 200000) + "BB ready\nBB got SIGUSR1\nBB stopping\n"
	if got := out.String(); got != want {
		t.Fatalf("output: %d bytes, want %d; tails %q / %q", len(got), len(want), tail(got), tail(want))
	}
	if got := wrap.counts(); !slices.Equal(got, []string{"stderr:1/1", "stdout:1/1"}) {
		t.Fatalf("wraps/closes per stream = %v, want each stream wrapped once and closed once", got)
	}
	if a, b := <-started, <-started; a == b || a <= 0 || b <= 0 {
		t.Fatalf("Started called with pids %d and %d, want one call per child", a, b)
	}
}

// genData is what writeData writes.
func genData(seed uint64, n int64) string {
	var b bytes.Buffer
	_ = writeData(&b, seed, n)
	return b.String()
}

// tail returns the last 60 bytes of s.
func tail(s string) string { return s[max(0, len(s)-60):] }

// stdin is shared by the children: a file is inherited by each (they share its offset), a
// reader that is not a file (a test's) is one pipe for the session. Either way what a child
// left unread goes to the next one.
func TestSessionStdinSharedAcrossChildren(t *testing.T) {
	file, err := os.CreateTemp(t.TempDir(), "stdin")
	must(t, err)
	defer file.Close()
	_, err = file.WriteString("first\nsecond\n")
	must(t, err)
	_, err = file.Seek(0, io.SeekStart)
	must(t, err)
	for _, tc := range []struct {
		name string
		in   Streams
	}{
		{"file", Streams{In: file, InFile: file}},
		{"reader", Streams{In: strings.NewReader("first\nsecond\n")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out notifyBuffer
			tc.in.Out, tc.in.Err = &out, io.Discard
			s := openSession(t, Spec{Streams: tc.in})
			mustStart(t, s, genEnv("A", "line"))
			if ex := exitOf(t, s); ex.Status != 0 {
				t.Fatalf("A exited %+v", ex)
			}
			mustStart(t, s, genEnv("B", "line"))
			if ex := exitOf(t, s); ex.Status != 0 {
				t.Fatalf("B exited %+v", ex)
			}
			if got := out.String(); got != "A got:first\nB got:second\n" {
				t.Fatalf("output %q", got)
			}
		})
	}
}

// SIGTERM sent to secretrun between Stop and the next Start (the restart window) ends the run:
// Start refuses with ErrStopping, and no new child runs.
func TestSessionSIGTERMDuringRestartStops(t *testing.T) {
	var out notifyBuffer
	s := openSession(t, Spec{Streams: Streams{Out: &out, Err: io.Discard}})
	mustStart(t, s, genEnv("A", "serve"))
	mustSee(t, &out, "A ready\n")
	s.Stop()
	if ex := exitOf(t, s); ex.Status != 3 {
		t.Fatalf("A exited %+v", ex)
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil { // caught by the session
		t.Fatal(err)
	}
	select {
	case <-s.Stopping():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not make the session stop")
	}
	err := s.Start(genEnv("B", "serve"), nil)
	if !errors.Is(err, ErrStopping) {
		t.Fatalf("Start after SIGTERM = %v, want ErrStopping", err)
	}
	if !strings.Contains(err.Error(), "signal 15") {
		t.Fatalf("error %q does not name the signal", err)
	}
	time.Sleep(200 * time.Millisecond) // B would have printed by now
	if strings.Contains(out.String(), "B ") {
		t.Fatalf("a child started after SIGTERM: %q", out.String())
	}
}

// Another forwarded signal with no child running (SIGHUP, SIGUSR1 during a restart) is dropped
// with a trace: the next child starts with fresh state, and would die of a SIGUSR1 it gets
// before its handler is installed.
func TestSessionOtherSignalDuringRestartIsDropped(t *testing.T) {
	var out notifyBuffer
	traces := make(chan string, 4)
	s := openSession(t, Spec{
		Streams: Streams{Out: &out, Err: io.Discard},
		Trace:   func(format string, args ...any) { traces <- fmt.Sprintf(format, args...) },
	})
	mustStart(t, s, genEnv("A", "serve"))
	mustSee(t, &out, "A ready\n")
	s.Stop()
	exitOf(t, s)

	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case tr := <-traces:
		if tr != "no command running: signal SIGUSR1 dropped" {
			t.Fatalf("trace %q", tr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no trace of the dropped SIGUSR1")
	}
	mustStart(t, s, genEnv("B", "serve"))
	mustSee(t, &out, "B ready\n")
	if strings.Contains(out.String(), "B got SIGUSR1") {
		t.Fatalf("the SIGUSR1 sent between children reached B: %q", out.String())
	}
	// The relay now forwards to B.
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	mustSee(t, &out, "B got SIGUSR1\n")
	s.Stop()
	if ex := exitOf(t, s); ex.Status != 3 {
		t.Fatalf("B exited %+v", ex)
	}
	if got := out.String(); got != "A ready\nA stopping\nB ready\nB got SIGUSR1\nB stopping\n" {
		t.Fatalf("output %q", got)
	}
}

// SIGTERM forwarded to a running child ends the run too: after that child exits, no new one
// starts (a watcher that was restarting it at that moment gets ErrStopping).
func TestSessionSIGTERMWhileChildRunsEndsTheRun(t *testing.T) {
	var out notifyBuffer
	s := openSession(t, Spec{Streams: Streams{Out: &out, Err: io.Discard}})
	mustStart(t, s, genEnv("A", "serve"))
	mustSee(t, &out, "A ready\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if ex := exitOf(t, s); ex.Status != 3 {
		t.Fatalf("A exited %+v, want 3 from its SIGTERM handler", ex)
	}
	if err := s.Start(genEnv("B", "serve"), nil); !errors.Is(err, ErrStopping) {
		t.Fatalf("Start after a forwarded SIGTERM = %v, want ErrStopping", err)
	}
}

// Stop on a child that ignores SIGTERM kills it with SIGKILL after the grace period.
func TestSessionStopEscalatesToSIGKILL(t *testing.T) {
	var out notifyBuffer
	s := openSession(t, Spec{Streams: Streams{Out: &out, Err: io.Discard}, Grace: 300 * time.Millisecond})
	mustStart(t, s, childEnv("ignoreterm"))
	mustSee(t, &out, "ready\n")
	s.Stop()
	if ex := exitOf(t, s); ex != (Exit{Status: 128 + 9, Signal: syscall.SIGKILL}) {
		t.Fatalf("Exit = %+v, want SIGKILL", ex)
	}
}

// Start's errors: a command missing from the new environment's PATH is a *RunError with
// status 127, and the session stays usable; Start while a child runs is refused; Stop without
// a child does nothing.
func TestSessionStartErrors(t *testing.T) {
	var out notifyBuffer
	s := openSession(t, Spec{Args: []string{"secretrun-no-such-command"}, Streams: Streams{Out: &out, Err: io.Discard}})
	s.Stop() // no child: returns at once
	var re *RunError
	if err := s.Start([]string{"PATH=/nonexistent"}, nil); !errors.As(err, &re) || re.Status != StatusNotFound {
		t.Fatalf("Start = %v, want a *RunError with status 127", err)
	}

	s = openSession(t, Spec{Streams: Streams{Out: &out, Err: io.Discard}})
	mustStart(t, s, genEnv("A", "serve"))
	if err := s.Start(genEnv("B", "serve"), nil); err == nil || errors.As(err, &re) {
		t.Fatalf("second Start while A runs = %v, want a plain error", err)
	}
	s.Stop()
	exitOf(t, s)
}

// The end of the session's context during a restart ends the run like SIGTERM: Start's error
// wraps ErrStopping (and the context's error, in a *RunError with status 125).
func TestSessionContextEndDuringRestartStops(t *testing.T) {
	var out notifyBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Open(ctx, Spec{Args: []string{os.Args[0]}, Streams: Streams{Out: &out, Err: io.Discard}, Grace: 2 * time.Second})
	must(t, err)
	defer s.Close()
	mustStart(t, s, genEnv("A", "serve"))
	mustSee(t, &out, "A ready\n")
	s.Stop()
	exitOf(t, s)
	cancel()
	<-s.Stopping()
	err = s.Start(genEnv("B", "serve"), nil)
	var re *RunError
	if !errors.Is(err, ErrStopping) || !errors.Is(err, context.Canceled) || !errors.As(err, &re) || re.Status != StatusFailure {
		t.Fatalf("Start after the context ended = %v", err)
	}
}

// Close stops a child that still runs, and flushes and closes the writers after its last
// output.
func TestSessionCloseStopsTheChild(t *testing.T) {
	wrap := newOnceWrap()
	var out notifyBuffer
	s := openSession(t, Spec{Streams: Streams{Out: &out, Err: io.Discard}, Wrap: wrap.Wrap})
	mustStart(t, s, genEnv("A", "serve"))
	mustSee(t, &out, "A ready\n")
	exited := s.Exited()
	must(t, s.Close())
	if ex := <-exited; ex.Status != 3 {
		t.Fatalf("A exited %+v", ex)
	}
	if got := out.String(); got != "A ready\nA stopping\n" {
		t.Fatalf("output %q", got)
	}
	if got := wrap.counts(); !slices.Equal(got, []string{"stderr:1/1", "stdout:1/1"}) {
		t.Fatalf("wraps/closes per stream = %v", got)
	}
}

// pty mode: each child gets a new pseudo-terminal with the outer terminal's current window
// size; the outer terminal stays raw between children and is restored by Close; the one "pty"
// writer carries both children's output in order, the old child's last lines (written while
// it stops) complete before the new child's first.
func TestSessionPTYRestart(t *testing.T) {
	master, tty := openFakeTerminal(t)
	screen := readAll(master)
	wrap := newOnceWrap()
	wrap.delay = 2 * time.Millisecond // a slow redactor: A's last output takes a while to drain
	s := openSession(t, Spec{Streams: ttyStreams(tty), Wrap: wrap.Wrap})

	mustStart(t, s, append(genEnv("A", "serve"), "GEN_TAIL=3000")) // ~40 KB written on SIGTERM
	mustSee(t, screen, "A ready\r\n")
	s.Stop()
	if ex := exitOf(t, s); ex.Status != 3 {
		t.Fatalf("A exited %+v", ex)
	}
	if termiosOf(t, tty).Lflag&unix.ISIG != 0 {
		t.Fatal("the outer terminal left raw mode between children")
	}
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	mustStart(t, s, childEnv("winsize"))
	if ex := exitOf(t, s); ex.Status != 0 {
		t.Fatalf("B exited %+v", ex)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if termiosOf(t, tty).Lflag&unix.ISIG == 0 {
		t.Fatal("the outer terminal is still raw after Close")
	}
	mustSee(t, screen, "size=40x120\r\n")
	var want strings.Builder
	want.WriteString("A ready\r\n")
	for i := range 3000 {
		fmt.Fprintf(&want, "A tail %d\r\n", i)
	}
	want.WriteString("A stopping\r\nsize=40x120\r\n")
	if got := screen.String(); !strings.HasSuffix(got, want.String()) {
		t.Fatalf("screen: %d bytes ending %q; want A's last output complete, then B's", len(got), tail(got))
	}
	if got := wrap.counts(); !slices.Equal(got, []string{"pty:1/1"}) {
		t.Fatalf("wraps/closes per stream = %v, want the pty stream wrapped once and closed once, and no overlap", got)
	}
}

// As PID 1, orphans are reaped while each child runs, across restarts, and the status is the
// last child's.
func TestSessionPID1ReapsAcrossChildren(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare not found; PID 1 behaviour is tested with unshare --pid --fork")
	}
	if out, err := exec.Command(unshare, "--pid", "--fork", "--mount-proc", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare --pid --fork --mount-proc refused here (%v): %s", err, bytes.TrimSpace(out))
	}
	cmd := exec.Command(unshare, "--pid", "--fork", "--mount-proc", os.Args[0])
	cmd.Env = sessionEnv(sessionScript{Envs: [][]string{childEnv("orphans:3"), childEnv("orphans:3")}})
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, cmd, 60*time.Second); st != 7 {
		t.Fatalf("exit status %d, want the last child's 7 (stderr %q)", st, stderr.String())
	}
	if out.String() != "zombies=0\nzombies=0\n" {
		t.Fatalf("children saw zombies: %q (stderr %q)", out.String(), stderr.String())
	}
}

// pty mode with stdin relayed: keys typed while no child runs wait in the outer terminal
// (raw, so not echoed) and reach the next child's pseudo-terminal; none is consumed by the
// stopped child's relay.
func TestSessionPTYKeysTypedDuringRestart(t *testing.T) {
	master, tty := openFakeTerminal(t)
	screen := readAll(master)
	s := openSession(t, Spec{Streams: ttyStreams(tty)})
	mustStart(t, s, genEnv("A", "serve"))
	mustSee(t, screen, "A ready\r\n")
	s.Stop()
	exitOf(t, s)
	typeLine(t, master, "typed-between")
	mustStart(t, s, childEnv("prompt"))
	if ex := exitOf(t, s); ex.Status != 0 {
		t.Fatalf("B exited %+v", ex)
	}
	mustSee(t, screen, "got:typed-between\r\n")
}
