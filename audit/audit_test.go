package audit

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretrun/secretrun/audit/audittest"
)

var base = Run{User: "ana", UID: 1000, Host: "build-7", PID: 4242, Dir: "/src/app", Command: "run",
	Config: "/src/app/secretrun.yaml", ConfigSHA256: strings.Repeat("ab", 32), Profile: "prod", Argv0: "python"}

// runRecords are the records of one ordinary run, as cmd writes them.
func runRecords() []Record {
	v := "7"
	return []Record{
		{Event: Start},
		{Event: Fetched, DurationMS: Millis(42 * time.Millisecond), Refs: []Ref{
			{Name: "DB_PASS", Ref: "vault://secret/app#db", Version: &v, Status: "ok"},
			{Name: "SENTRY", Ref: "dotenv://.env#SENTRY", Status: "ok"},
			{Name: "FLAG", Ref: "awssm://feature", Status: "skipped"},
		}},
		{Event: ChildStarted, ChildPID: 4243},
		{Event: ChildExited, ExitStatus: Int(0), DurationMS: Millis(time.Second), Masked: map[string]int{"stdout": 2, "stderr": 0}},
	}
}

func TestRecordsMatchTheSchema(t *testing.T) {
	l := &Logger{Run: base, now: time.Now}
	recs := append(runRecords(),
		Record{Event: ValidationFailed, Failed: []string{"DB_PASS"}},
		Record{Event: Refused, Reason: ReasonValidation, Failed: []string{"DB_PASS"}, DurationMS: Millis(time.Millisecond)},
		Record{Event: ChildExited, ExitStatus: Int(143), Signal: "terminated", DurationMS: Millis(time.Second)},
	)
	for _, r := range recs {
		line, err := l.Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := audittest.Check(line)
		if err != nil {
			t.Errorf("%s: %v\n%s", r.Event, err, line)
			continue
		}
		if got["user"] != "ana" || got["profile"] != "prod" || got["argv0"] != "python" {
			t.Errorf("%s: base fields missing: %s", r.Event, line)
		}
		if _, ok := got["argv"]; ok {
			t.Errorf("%s: argv recorded without full_argv: %s", r.Event, line)
		}
	}
	// The checker itself rejects what the schema forbids.
	for _, bad := range []string{
		`{"v":2,"time":"2026-01-01T00:00:00Z","event":"start","user":"a","uid":1,"host":"h","pid":1,"cwd":"/","command":"run"}` + "\n",
		`{"v":1,"time":"2026-01-01T00:00:00Z","event":"start","user":"a","uid":1,"host":"h","pid":1,"cwd":"/"}` + "\n",
		`{"v":1,"time":"2026-01-01T00:00:00Z","event":"restart","user":"a","uid":1,"host":"h","pid":1,"cwd":"/","command":"run"}` + "\n",
		`{"v":1,"time":"2026-01-01T00:00:00Z","event":"start","user":"a","uid":1,"host":"h","pid":1,"cwd":"/","command":"run","value":"x"}` + "\n",
		`{"v":1,"time":"2026-01-01T00:00:00Z","event":"fetched","user":"a","uid":1,"host":"h","pid":1,"cwd":"/","command":"run","duration_ms":1,"refs":[{"name":"A","ref":"env://A","status":"ok"}]}` + "\n",
	} {
		if _, err := audittest.Check([]byte(bad)); err == nil {
			t.Errorf("schema check accepted %s", bad)
		}
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if last := lines[len(lines)-1]; last != "" {
		t.Fatalf("%s ends in a partial line: %q", path, last)
	}
	return lines[:len(lines)-1]
}

func TestFileIsCreatedPrivateAndAppended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for range 2 {
		l, err := Open(Options{File: path}, base)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runRecords() {
			if err := l.Log(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %#o, want 0600", st.Mode().Perm())
	}
	if lines := readLines(t, path); len(lines) != 8 {
		t.Errorf("%d lines, want 8 (two runs appended)", len(lines))
	}
}

func TestFileRefusals(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.jsonl")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open.jsonl")
	if err := os.WriteFile(open, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{link, "is a symbolic link"},
		{open, "writable by every user"},
		{dir, "audit log " + dir},
		{filepath.Join(dir, "missing", "a.jsonl"), "no such file or directory"},
	} {
		_, err := Open(Options{File: tc.path}, base)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("Open(%s): %v, want an error naming the path and %q", tc.path, err, tc.want)
		}
	}
}

// logrotate renames the file (or copies and truncates it): the next record goes to a new file
// at the configured path, never to the renamed one.
func TestFileFollowsLogrotate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	l, err := Open(Options{File: path}, base)
	if err != nil {
		t.Fatal(err)
	}
	recs := runRecords()
	if err := l.Log(recs[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Log(recs[1]); err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, path+".1")); n != 1 {
		t.Errorf("rotated file has %d lines, want 1", n)
	}
	lines := readLines(t, path)
	if len(lines) != 1 || !strings.Contains(lines[0], `"event":"fetched"`) {
		t.Errorf("new file: %q, want the fetched record", lines)
	}
}

// Many writers appending to one file at once never interleave: every line is a whole record.
func TestConcurrentAppendsStayWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	const writers, each = 20, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			b := base
			b.PID = w
			b.Argv0 = strings.Repeat("x", 3000) // records of several KB: larger than a pipe's atomic write
			l, err := Open(Options{File: path}, b)
			if err != nil {
				t.Error(err)
				return
			}
			for range each {
				if err := l.Log(Record{Event: Start}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	lines := readLines(t, path)
	if len(lines) != writers*each {
		t.Fatalf("%d lines, want %d", len(lines), writers*each)
	}
	for _, line := range lines {
		if _, err := audittest.Check([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSyslog(t *testing.T) {
	if !SyslogSupported {
		_, err := Open(Options{Syslog: true}, base)
		if err == nil {
			t.Fatal("syslog accepted where there is none")
		}
		return
	}
	sock := filepath.Join(t.TempDir(), "log.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	l, err := Open(Options{Syslog: true, SyslogNetwork: "unixgram", SyslogAddress: sock}, base)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	recs := runRecords()
	for _, r := range recs {
		if err := l.Log(r); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 64<<10)
	for _, r := range recs {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		msg := string(buf[:n])
		// <PRI>TIMESTAMP HOST TAG[PID]: MSG — facility authpriv (10), severity info (6).
		if !strings.HasPrefix(msg, fmt.Sprintf("<%d>", 10*8+6)) {
			t.Errorf("priority: %q", msg)
		}
		_, body, ok := strings.Cut(msg, "secretrun[")
		if _, body, ok2 := strings.Cut(body, "]: "); ok && ok2 {
			rec, err := audittest.Check([]byte(strings.TrimSuffix(body, "\n") + "\n"))
			if err != nil {
				t.Error(err)
			} else if rec["event"] != string(r.Event) {
				t.Errorf("event %v, want %s", rec["event"], r.Event)
			}
		} else {
			t.Errorf("no secretrun tag: %q", msg)
		}
	}
	if _, err := Open(Options{Syslog: true, SyslogNetwork: "unixgram", SyslogAddress: sock + ".missing"}, base); err == nil ||
		!strings.Contains(err.Error(), sock+".missing") {
		t.Errorf("unreachable syslog: %v, want an error naming the address", err)
	}
}

// A destination that fails is reported; the others still get the records.
func TestOneFailingDestinationLeavesTheOthers(t *testing.T) {
	if !SyslogSupported {
		t.Skip("no syslog")
	}
	path := filepath.Join(t.TempDir(), "a.jsonl")
	l, err := Open(Options{File: path, Syslog: true, SyslogNetwork: "unixgram", SyslogAddress: path + ".nosock"}, base)
	if err == nil || !strings.Contains(err.Error(), path+".nosock") {
		t.Fatalf("error %v, want the syslog failure", err)
	}
	if err := l.Log(Record{Event: Start}); err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, path)); n != 1 {
		t.Fatalf("%d records in the file, want 1", n)
	}
}

func TestNoDestinationIsNoLogger(t *testing.T) {
	l, err := Open(Options{}, base)
	if l != nil || err != nil {
		t.Fatalf("Open with no destination = %v, %v", l, err)
	}
	if err := l.Log(Record{Event: Start}); err != nil { // a nil Logger writes nothing
		t.Fatal(err)
	}
}

// BenchmarkFileRecord is the cost of one record written to the audit file (open, one write,
// close).
func BenchmarkFileRecord(b *testing.B) {
	l, err := Open(Options{File: filepath.Join(b.TempDir(), "audit.jsonl")}, base)
	if err != nil {
		b.Fatal(err)
	}
	r := runRecords()[1]
	for b.Loop() {
		if err := l.Log(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunRecords is the audit cost of a whole ordinary run: opening the log (user and
// host look-ups are cmd's, not measured here) and its four records.
func BenchmarkRunRecords(b *testing.B) {
	path := filepath.Join(b.TempDir(), "audit.jsonl")
	recs := runRecords()
	for b.Loop() {
		l, err := Open(Options{File: path}, base)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			if err := l.Log(r); err != nil {
				b.Fatal(err)
			}
		}
	}
}
