package cmd

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretrun/secretrun/audit/audittest"
)

// auditDir is a scratch directory holding secretrun and fakechild (this test binary under
// both names, see TestMain) and the given files.
func auditDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"secretrun", "fakechild"} {
		must(t, os.Symlink(os.Args[0], filepath.Join(dir, name)))
	}
	for name, content := range files {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	return dir
}

// runSecretrun runs secretrun in dir with env and returns its exit status and combined output.
func runSecretrun(t *testing.T, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	c := exec.Command(filepath.Join(dir, "secretrun"), args...)
	c.Dir = dir
	c.Env = append([]string{"PATH=" + dir + ":/usr/bin:/bin", "HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "NO_COLOR=1", "GORACE=atexit_sleep_ms=0"}, env...)
	out, err := c.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// auditRecords reads an audit file and checks every line against the schema.
func auditRecords(t *testing.T, path string) ([]map[string]any, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	var recs []map[string]any
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		r, err := audittest.Check(line)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		recs = append(recs, r)
	}
	return recs, string(data)
}

func events(recs []map[string]any) string {
	var evs []string
	for _, r := range recs {
		evs = append(evs, r["event"].(string))
	}
	return strings.Join(evs, " ")
}

const auditConfig = `version: 1
default_profile: default
audit:
  file: audit.jsonl
profiles:
  default:
    secrets:
      TOKEN: dotenv://.env#TOKEN
      KEY: file://key.txt
  strict:
    secrets:
      TOKEN: { ref: dotenv://.env#TOKEN, validate: { pattern: '^sk_live_' } }
`

// The audit trail of a run, a refused run and a check: every record matches the schema, the
// events come in order, and no secret value appears in any record, in clear, base64 or hex —
// nor the command's arguments, which are left out unless audit.full_argv.
func TestAuditTrailHasNoSecrets(t *testing.T) {
	canaries := []string{"CANARY-audit-dotenv-4242", "CANARY-audit-file-5151", "CANARY-audit-argv-6363"}
	dir := auditDir(t, map[string]string{
		"secretrun.yaml": auditConfig,
		".env":           "TOKEN=" + canaries[0] + "\n",
		"key.txt":        canaries[1],
	})
	if status, out := runSecretrun(t, dir, nil, "--", "fakechild", "say", canaries[2], "env", "TOKEN"); status != 0 || strings.Contains(out, canaries[0]) {
		t.Fatalf("run: status %d, output:\n%s", status, out)
	}
	if status, out := runSecretrun(t, dir, nil, "-p", "strict", "--", "fakechild", "say", "RAN"); status != 125 || strings.Contains(out, "RAN") {
		t.Fatalf("failing validation: status %d, output:\n%s", status, out)
	}
	if status, out := runSecretrun(t, dir, nil, "check", "-p", "strict"); status != 125 {
		t.Fatalf("check: status %d, output:\n%s", status, out)
	}
	recs, raw := auditRecords(t, filepath.Join(dir, "audit.jsonl"))
	want := "start fetched child_started child_exited " +
		"start fetched validation_failed refused " +
		"start fetched validation_failed refused"
	if got := events(recs); got != want {
		t.Fatalf("events:\n got %s\nwant %s\n%s", got, want, raw)
	}
	for _, c := range canaries {
		for _, form := range []string{c, base64.StdEncoding.EncodeToString([]byte(c)), hex.EncodeToString([]byte(c)), strings.TrimRight(base64.RawURLEncoding.EncodeToString([]byte(c)), "=")} {
			if strings.Contains(raw, form) {
				t.Errorf("audit trail holds %q (a form of %s):\n%s", form, c, raw)
			}
		}
	}
	exited, fetched, refused := recs[3], recs[1], recs[7]
	if exited["exit_status"] != jsonNum(0) || exited["argv0"] != "fakechild" || exited["profile"] != "default" {
		t.Errorf("child_exited: %v", exited)
	}
	if m, _ := exited["masked"].(map[string]any); m["stdout"] != jsonNum(1) {
		t.Errorf("child_exited masked = %v, want stdout 1 (TOKEN printed once)", exited["masked"])
	}
	if refs := fmt.Sprint(fetched["refs"]); !strings.Contains(refs, "dotenv://.env#TOKEN") || !strings.Contains(refs, "file://key.txt") {
		t.Errorf("fetched refs = %s", refs)
	}
	if refused["reason"] != "validation_failed" || fmt.Sprint(refused["failed"]) != "[TOKEN]" || refused["command"] != "run" {
		t.Errorf("refused: %v", refused)
	}
	if recs[8]["command"] != "check" {
		t.Errorf("check's start record: %v", recs[8])
	}
	if _, ok := exited["config_sha256"].(string); !ok {
		t.Errorf("no config_sha256: %v", exited)
	}
}

func jsonNum(n int) any { return json.Number(fmt.Sprint(n)) }

// The whole command line is recorded only with audit.full_argv.
func TestAuditFullArgv(t *testing.T) {
	dir := auditDir(t, map[string]string{
		"secretrun.yaml": "version: 1\naudit: {file: a.jsonl, full_argv: true}\nprofiles:\n  default: {env: {A: b}}\n",
	})
	if status, out := runSecretrun(t, dir, nil, "--", "fakechild", "say", "hello"); status != 0 {
		t.Fatalf("status %d:\n%s", status, out)
	}
	recs, _ := auditRecords(t, filepath.Join(dir, "a.jsonl"))
	if got := fmt.Sprint(recs[0]["argv"]); got != "[fakechild say hello]" {
		t.Errorf("argv = %s", got)
	}
}

// audit.required: an audit log that cannot be written refuses the run (125) before anything is
// fetched, naming the path and the reason; without it, a warning and the run goes on.
func TestAuditRequired(t *testing.T) {
	for _, required := range []bool{true, false} {
		t.Run(fmt.Sprint("required=", required), func(t *testing.T) {
			dir := auditDir(t, map[string]string{
				"secretrun.yaml": fmt.Sprintf("version: 1\naudit: {file: missing/a.jsonl, required: %v}\nprofiles:\n  default: {secrets: {T: env://NOT_SET_ANYWHERE}}\n", required),
			})
			status, out := runSecretrun(t, dir, nil, "--", "fakechild", "say", "RAN")
			path := filepath.Join(dir, "missing", "a.jsonl")
			if !strings.Contains(out, path) || !strings.Contains(out, "no such file or directory") {
				t.Errorf("output does not name the path and the reason:\n%s", out)
			}
			if required {
				// nothing fetched: the missing env:// reference would have been reported
				if status != 125 || strings.Contains(out, "RAN") || strings.Contains(out, "NOT_SET_ANYWHERE") {
					t.Errorf("status %d, want 125 before fetching:\n%s", status, out)
				}
			} else if !strings.Contains(out, "secretrun: warning:") || !strings.Contains(out, "NOT_SET_ANYWHERE") {
				t.Errorf("status %d, want a warning and the run to go on (to the fetch):\n%s", status, out)
			}
		})
	}
}

// SECRETRUN_AUDIT_LOG alone (no audit: block) turns the file on; 20 runs appending to one file
// at once leave 20 × 4 whole records, each run's four in order.
func TestAuditConcurrentRuns(t *testing.T) {
	dir := auditDir(t, map[string]string{
		"secretrun.yaml": "version: 1\nprofiles:\n  default: {env: {A: b}}\n",
	})
	log := filepath.Join(dir, "shared.jsonl")
	const runs = 20
	var wg sync.WaitGroup
	for range runs {
		wg.Go(func() {
			if status, out := runSecretrun(t, dir, []string{"SECRETRUN_AUDIT_LOG=" + log}, "--", "fakechild", "exit", "0"); status != 0 {
				t.Errorf("status %d:\n%s", status, out)
			}
		})
	}
	wg.Wait()
	recs, _ := auditRecords(t, log)
	if len(recs) != runs*4 {
		t.Fatalf("%d records, want %d", len(recs), runs*4)
	}
	byPID := map[any][]map[string]any{}
	for _, r := range recs {
		byPID[r["pid"]] = append(byPID[r["pid"]], r)
	}
	if len(byPID) != runs {
		t.Fatalf("%d runs in the log, want %d", len(byPID), runs)
	}
	for pid, rs := range byPID {
		if got := events(rs); got != "start fetched child_started child_exited" {
			t.Errorf("pid %v: %s", pid, got)
		}
	}
}

// audit.syslog sends the same records to the syslog server named by audit.syslog_address.
func TestAuditSyslog(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no syslog")
	}
	sockDir, err := os.MkdirTemp("", "sr") // short: socket paths are limited to ~100 bytes
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	must(t, err)
	defer conn.Close()
	dir := auditDir(t, map[string]string{
		"secretrun.yaml": "version: 1\naudit: {syslog: true, syslog_address: 'unixgram:" + sock + "'}\nprofiles:\n  default: {env: {A: b}}\n",
	})
	if status, out := runSecretrun(t, dir, nil, "--", "fakechild", "exit", "4"); status != 4 {
		t.Fatalf("status %d:\n%s", status, out)
	}
	var got []string
	buf := make([]byte, 64<<10)
	for range 4 {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		must(t, err)
		_, body, _ := strings.Cut(string(buf[:n]), "]: ")
		r, err := audittest.Check([]byte(strings.TrimSuffix(body, "\n") + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r["event"].(string))
		if r["event"] == "child_exited" && r["exit_status"] != jsonNum(4) {
			t.Errorf("child_exited: %v, want exit_status 4", r)
		}
	}
	if strings.Join(got, " ") != "start fetched child_started child_exited" {
		t.Errorf("syslog events: %v", got)
	}
}

// Refusals are recorded with their reason: a protected profile not confirmed (nothing fetched),
// a failed fetch (naming the variable), and, with SECRETRUN_AUDIT_LOG, the fail-closed empty
// run where no configuration exists to name the log.
func TestAuditRefusals(t *testing.T) {
	dir := auditDir(t, map[string]string{
		"secretrun.yaml": "version: 1\ndefault_profile: dev\naudit: {file: a.jsonl}\nprofiles:\n" +
			"  dev: {secrets: {MISSING: env://NOT_SET_ANYWHERE}}\n  prod: {protected: true, secrets: {K: env://NOT_SET_ANYWHERE}}\n",
	})
	if status, out := runSecretrun(t, dir, nil, "-p", "prod", "--", "fakechild", "say", "RAN"); status != 125 {
		t.Fatalf("protected: status %d:\n%s", status, out)
	}
	if status, out := runSecretrun(t, dir, nil, "--", "fakechild", "say", "RAN"); status != 125 {
		t.Fatalf("missing secret: status %d:\n%s", status, out)
	}
	recs, raw := auditRecords(t, filepath.Join(dir, "a.jsonl"))
	if got := events(recs); got != "start refused start fetched refused" {
		t.Fatalf("events: %s\n%s", got, raw)
	}
	if recs[1]["reason"] != "protected_profile" || recs[1]["profile"] != "prod" {
		t.Errorf("protected refusal: %v", recs[1])
	}
	if recs[4]["reason"] != "fetch_failed" || fmt.Sprint(recs[4]["failed"]) != "[MISSING]" {
		t.Errorf("fetch refusal: %v", recs[4])
	}

	empty := auditDir(t, nil)
	log := filepath.Join(empty, "env.jsonl")
	if status, out := runSecretrun(t, empty, []string{"SECRETRUN_AUDIT_LOG=" + log}, "--", "fakechild", "say", "RAN"); status != 125 {
		t.Fatalf("empty run: status %d:\n%s", status, out)
	}
	recs, raw = auditRecords(t, log)
	if got := events(recs); got != "start refused" || recs[1]["reason"] != "load_failed" {
		t.Fatalf("empty run: %s", raw)
	}
}
