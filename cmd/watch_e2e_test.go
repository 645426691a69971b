package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	vaultapi "github.com/hashicorp/vault/api"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/secretrun/secretrun/audit/audittest"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers/azkv/azkvtest"
)

// The watch tests run secretrun in-process with a watched profile whose one secret, V, comes
// from a real store (or a file), rotate V while the child runs, and check that the child is
// restarted once, within the interval plus its jitter, with the new value, and that both values
// are masked in its output. The child prints a short hash of $V, then $V itself and the old value
// (from old.txt), which secretrun must mask, and waits for a file named stop.

// watchChild is the child: `start HASH`, then the values to be masked, then it waits.
const watchChild = `h=$(printf %s "$V" | sha256sum | cut -c1-16)
echo "start $h"
echo "value [$V]"
[ -e old.txt ] && echo "old [$(cat old.txt)]"
while [ ! -e stop ]; do sleep 0.02; done`

// Short settings, so that a test takes seconds: checks every 500 ms ±10 %.
const (
	e2eWatchInterval = 500 * time.Millisecond
	e2eWatchDebounce = 200 * time.Millisecond
	e2eWatchBlock    = "    watch: { interval: 500ms, jitter: 0.1, debounce: 200ms, min_interval: 500ms }\n"
)

// lockedBuffer is a bytes.Buffer written by the run and read by the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// watchedProcess is a watched run in progress.
type watchedProcess struct {
	t        *testing.T
	dir      string
	out, err *lockedBuffer
	status   chan int
}

// tokenDir is a new directory holding token.txt, whose content is value, and a secretrun.yaml
// whose default profile has the watch block given (a line such as e2eWatchBlock) and the one
// secret V: v (file://token.txt, or a mapping that names it).
func tokenDir(t *testing.T, value, watch, v string) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte(value), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  default:\n"+
		watch+"    secrets:\n      V: "+v+"\n"), 0o600))
	return dir
}

// startWatched runs `secretrun run FLAGS -- sh -c watchChild` in dir.
func startWatched(t *testing.T, dir string, flags ...string) *watchedProcess {
	t.Helper()
	return startScript(t, dir, watchChild, flags...)
}

// startScript runs `secretrun run FLAGS -- sh -c SCRIPT` in dir.
func startScript(t *testing.T, dir, script string, flags ...string) *watchedProcess {
	t.Helper()
	return startScriptEnv(t, dir, nil, script, flags...)
}

// startScriptEnv is startScript with env added to secretrun's environment.
func startScriptEnv(t *testing.T, dir string, env []string, script string, flags ...string) *watchedProcess {
	t.Helper()
	w := &watchedProcess{t: t, dir: dir, out: &lockedBuffer{}, err: &lockedBuffer{}, status: make(chan int, 1)}
	d := testDeps()
	d.Dir = dir
	d.Environ = append([]string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}, env...)
	d.Streams = inject.Streams{In: strings.NewReader(""), Out: w.out, Err: w.err}
	args := append(append([]string{"run"}, flags...), "--", "sh", "-c", script)
	go func() { w.status <- Execute(d, args) }()
	t.Cleanup(func() { w.stop() })
	return w
}

// waitFor waits until stdout has the line `start` + the hash of value, and returns when.
func (w *watchedProcess) waitFor(value string, limit time.Duration) time.Time {
	w.t.Helper()
	want := "start " + shortHash(value) + "\n"
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if strings.Contains(w.out.String(), want) {
			return time.Now()
		}
		time.Sleep(2 * time.Millisecond)
	}
	w.t.Fatalf("no child started with the value %s within %v\nstdout:\n%s\nstderr:\n%s", shortHash(value), limit, w.out, w.err)
	return time.Time{}
}

// starts counts the children started.
func (w *watchedProcess) starts() int { return strings.Count(w.out.String(), "start ") }

// stop makes the child exit 0 and returns secretrun's status.
func (w *watchedProcess) stop() int {
	_ = os.WriteFile(filepath.Join(w.dir, "stop"), nil, 0o600)
	select {
	case s := <-w.status:
		w.status <- s
		return s
	case <-time.After(20 * time.Second):
		w.t.Fatalf("the run did not end after its child was told to stop\nstderr:\n%s", w.err)
		return -1
	}
}

func shortHash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])[:16]
}

// watchCase is one store: how V is referenced and configured, and how it is rotated.
type watchCase struct {
	name      string
	providers string // the providers: section, or ""
	ref       string
	rotate    func(t *testing.T, value string) // also sets the first value
}

// TestWatchRestartsOnRotation rotates V in each store and in a file (rewritten in place, and
// swapped the Kubernetes way) while the child runs.
func TestWatchRestartsOnRotation(t *testing.T) {
	env := testenv.Require(t, testenv.VaultAddr, testenv.VaultToken, testenv.AWSEndpoint, testenv.GCPSMGRPC)
	vaultAddr, vaultToken, awsEndpoint, gcpAddr := env[0], env[1], env[2], env[3]
	run := randHex(t, 6)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	vc := vaultAdmin(t, vaultAddr, vaultToken)
	sm := secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(awsEndpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDWATCH", "watch-admin-secret", ""),
	})
	gc, err := secretmanager.NewClient(ctx, option.WithEndpoint(gcpAddr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	must(t, err)
	defer gc.Close()
	kvs := azkvtest.New(t)
	caFile := filepath.Join(t.TempDir(), "azkv-ca.pem")
	must(t, os.WriteFile(caFile, kvs.CAPEM(), 0o600))
	t.Setenv(e2eAzkvAddr, kvs.Addr())
	t.Setenv(e2eAzkvCAFile, caFile)
	// The providers' SDKs read their settings from secretrun's process environment.
	for k, v := range map[string]string{"VAULT_ADDR": vaultAddr, "VAULT_TOKEN": vaultToken,
		"AWS_ENDPOINT_URL": awsEndpoint, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDWATCH",
		"AWS_SECRET_ACCESS_KEY": "watch-secret", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}

	cases := []watchCase{
		{name: "vault kv v2", ref: "vault://secret/watch-" + run + "#v", rotate: func(t *testing.T, v string) {
			_, err := vc.KVv2("secret").Put(ctx, "watch-"+run, map[string]any{"v": v})
			must(t, err)
		}},
		{name: "aws moto", ref: "awssm://watch/" + run, rotate: func(t *testing.T, v string) {
			_, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("watch/" + run), SecretString: aws.String(v)})
			if exists := (*smtypes.ResourceExistsException)(nil); errors.As(err, &exists) {
				_, err = sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("watch/" + run), SecretString: aws.String(v)})
			}
			must(t, err)
		}},
		{name: "gcp emulator",
			providers: "  gcp: { project: secretrun-e2e, endpoint: " + gcpAddr + ", plaintext: true }\n",
			ref:       "gcpsm://watch-" + run,
			rotate: func(t *testing.T, v string) {
				_, err := gc.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
					Parent: "projects/secretrun-e2e", SecretId: "watch-" + run,
					Secret: &secretmanagerpb.Secret{Replication: &secretmanagerpb.Replication{
						Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}}}},
				})
				if err != nil && status.Code(err) != codes.AlreadyExists {
					t.Fatal(err)
				}
				crc := int64(crc32.Checksum([]byte(v), crc32.MakeTable(crc32.Castagnoli)))
				_, err = gc.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{
					Parent:  "projects/secretrun-e2e/secrets/watch-" + run,
					Payload: &secretmanagerpb.SecretPayload{Data: []byte(v), DataCrc32C: &crc}})
				must(t, err)
			}},
		{name: "azure fake", ref: "azkv://watch-kv/watch-" + run, rotate: func(t *testing.T, v string) {
			kvs.Put("watch-kv", "watch-"+run, v)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { watchRotation(t, c, nil) })
	}
	t.Run("file rewritten in place", func(t *testing.T) {
		var dir string
		watchRotation(t, watchCase{ref: "file://token.txt", rotate: func(t *testing.T, v string) {
			must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte(v), 0o600))
		}}, func(d string) { dir = d })
	})
	t.Run("kubernetes ..data swap", func(t *testing.T) {
		var dir string
		n := 0
		watchRotation(t, watchCase{ref: "file://secrets/token", rotate: func(t *testing.T, v string) {
			n++
			k8sSwap(t, filepath.Join(dir, "secrets"), n, v)
		}}, func(d string) { dir = d })
	})
}

// k8sSwap writes value as the key "token" of a mounted secret the way the kubelet does: a new
// timestamped directory, a ..data_tmp symlink to it renamed over ..data; token -> ..data/token.
func k8sSwap(t *testing.T, mount string, n int, value string) {
	t.Helper()
	gen := fmt.Sprintf("..2026_12_06_00_00_%02d.%d", n, n)
	must(t, os.MkdirAll(filepath.Join(mount, gen), 0o700))
	must(t, os.WriteFile(filepath.Join(mount, gen, "token"), []byte(value), 0o600))
	must(t, os.Symlink(gen, filepath.Join(mount, "..data_tmp")))
	must(t, os.Rename(filepath.Join(mount, "..data_tmp"), filepath.Join(mount, "..data")))
	if n == 1 {
		must(t, os.Symlink("..data/token", filepath.Join(mount, "token")))
	} else {
		must(t, os.RemoveAll(filepath.Join(mount, fmt.Sprintf("..2026_12_06_00_00_%02d.%d", n-1, n-1))))
	}
}

// watchRotation runs c: first value, a watched run, a second value, one restart.
func watchRotation(t *testing.T, c watchCase, setDir func(string)) {
	dir := t.TempDir()
	if setDir != nil {
		setDir(dir)
	}
	old := "CANARY-watch-old-" + randHex(t, 8)
	fresh := "CANARY-watch-new-" + randHex(t, 8)
	c.rotate(t, old)
	cfg := "version: 1\n"
	if c.providers != "" {
		cfg += "providers:\n" + c.providers
	}
	cfg += "profiles:\n  default:\n" + e2eWatchBlock + "    secrets:\n      V: " + c.ref + "\n"
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(cfg), 0o600))

	w := startWatched(t, dir)
	w.waitFor(old, 15*time.Second)
	must(t, os.WriteFile(filepath.Join(dir, "old.txt"), []byte(old), 0o600))
	rotated := time.Now()
	c.rotate(t, fresh)
	// within the interval plus its jitter, the debounce, and the stop and start of a shell
	limit := e2eWatchInterval + e2eWatchInterval/10 + e2eWatchDebounce + 2*time.Second
	restarted := w.waitFor(fresh, limit)
	t.Logf("restarted %v after the change", restarted.Sub(rotated).Round(time.Millisecond))
	time.Sleep(2 * e2eWatchInterval) // time for a second, unwanted restart
	if n := w.starts(); n != 2 {
		t.Errorf("%d children started, want 2 (one restart)\nstdout:\n%s", n, w.out)
	}
	if st := w.stop(); st != 0 {
		t.Errorf("status %d, want the last child's 0\nstderr:\n%s", st, w.err)
	}
	out, errs := w.out.String(), w.err.String()
	for _, v := range []string{old, fresh} {
		if strings.Contains(out, v) || strings.Contains(errs, v) {
			t.Errorf("a value was not masked:\nstdout:\n%s\nstderr:\n%s", out, errs)
		}
	}
	for _, line := range []string{"value [", "old ["} {
		if !strings.Contains(out, line) {
			t.Errorf("the child did not print %q:\n%s", line, out)
		}
	}
	if !strings.Contains(errs, "V changed; restarting the command") {
		t.Errorf("stderr does not say why the command restarted:\n%s", errs)
	}
}

// A store that goes down while the child runs (toxiproxy cuts Vault off) leaves the child
// running: warnings only, then a note that checks work again.
func TestWatchStoreDownWarnsOnly(t *testing.T) {
	env := testenv.Require(t, testenv.VaultAddr, testenv.VaultToken, testenv.Toxiproxy)
	vaultAddr, vaultToken, toxiAPI := env[0], env[1], env[2]
	run := randHex(t, 6)
	vc := vaultAdmin(t, vaultAddr, vaultToken)
	value := "CANARY-watch-down-" + randHex(t, 8)
	_, err := vc.KVv2("secret").Put(context.Background(), "watch-down-"+run, map[string]any{"v": value})
	must(t, err)
	proxy, err := toxiproxy.NewClient(toxiAPI).CreateProxy("watch-vault-"+run, "127.0.0.1:0", strings.TrimPrefix(vaultAddr, "http://"))
	must(t, err)
	t.Cleanup(func() { _ = proxy.Delete() })

	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  default:\n"+e2eWatchBlock+
		"    secrets:\n      V: vault://secret/watch-down-"+run+"#v\n"), 0o600))
	t.Setenv("VAULT_ADDR", "http://"+proxy.Listen)
	t.Setenv("VAULT_TOKEN", vaultToken)
	w := startWatched(t, dir)
	w.waitFor(value, 15*time.Second)
	must(t, proxy.Disable())
	time.Sleep(3 * time.Second)
	must(t, proxy.Enable())
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(w.err.String(), "works again") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := w.stop(); st != 0 {
		t.Errorf("status %d, want 0", st)
	}
	errs := w.err.String()
	if n := w.starts(); n != 1 {
		t.Errorf("the child was started %d times, want once:\n%s", n, w.out)
	}
	var warnings []string
	for _, l := range strings.Split(strings.TrimSpace(errs), "\n") {
		if strings.HasPrefix(l, "secretrun: warning: watch: checking V ") {
			warnings = append(warnings, l)
		}
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "failed; the command runs on") || !strings.Contains(warnings[1], "works again") {
		t.Errorf("want one warning for the failure streak and one for the recovery, got:\n%s", errs)
	}
	if strings.Contains(errs+w.out.String(), value) {
		t.Errorf("the value leaked:\n%s", errs)
	}
}

// A restart is one restart record in the audit trail, between the two children's
// child_started, naming the changed variable and the stopped child's status, never a value.
func TestWatchAuditRestart(t *testing.T) {
	old, fresh := "CANARY-audit-old-"+randHex(t, 8), "CANARY-audit-new-"+randHex(t, 8)
	dir := tokenDir(t, old, e2eWatchBlock, "file://token.txt")
	auditLog := filepath.Join(dir, "audit.jsonl")
	w := startWatched(t, dir, "--audit-log", auditLog)
	w.waitFor(old, 15*time.Second)
	must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte(fresh), 0o600))
	w.waitFor(fresh, 5*time.Second)
	if st := w.stop(); st != 0 {
		t.Fatalf("status %d\n%s", st, w.err)
	}
	raw, err := os.ReadFile(auditLog)
	must(t, err)
	var events []string
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		if line == "" {
			continue
		}
		r, err := audittest.Check([]byte(line))
		if err != nil {
			t.Errorf("audit record: %v", err)
		}
		if strings.Contains(line, old) || strings.Contains(line, fresh) {
			t.Errorf("audit record holds a value: %s", line)
		}
		ev, _ := r["event"].(string)
		if ev == "restart" {
			refs, _ := r["refs"].([]any)
			ref, _ := refs[0].(map[string]any)
			if len(refs) != 1 || ref["name"] != "V" || ref["ref"] != "file://token.txt" || r["reason"] != "restart" || fmt.Sprint(r["exit_status"]) != "143" {
				t.Errorf("restart record: %s", line)
			}
		}
		events = append(events, ev)
	}
	if got := strings.Join(events, " "); got != "start fetched child_started restart child_started child_exited" {
		t.Errorf("audit events %q", got)
	}
}

// on_change: signal:HUP rewrites an `as: file` secret in place and signals the child, which
// reads the new value from the same path; nothing restarts, and both values are masked.
func TestWatchSignalRewritesFile(t *testing.T) {
	old, fresh := "CANARY-signal-old-"+randHex(t, 8), "CANARY-signal-new-"+randHex(t, 8)
	dir := tokenDir(t, old, "    watch: { debounce: 100ms, on_change: signal:HUP }\n", "{ref: file://token.txt, as: file}")
	w := startScript(t, dir, `trap 'echo "reloaded $(cat "$V" | sha256sum | cut -c1-16) [$(cat "$V")]"' HUP
echo "start $(cat "$V" | sha256sum | cut -c1-16)"
echo "value [$(cat "$V")]"
while [ ! -e stop ]; do sleep 0.02; done`)
	w.waitFor(old, 15*time.Second)
	must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte(fresh), 0o600))
	want := "reloaded " + shortHash(fresh) + " [***"
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(w.out.String(), want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := w.stop(); st != 0 {
		t.Errorf("status %d\n%s", st, w.err)
	}
	out := w.out.String()
	if !strings.Contains(out, want) || w.starts() != 1 {
		t.Errorf("want one start, then a reload with the new value (masked):\n%s\nstderr:\n%s", out, w.err)
	}
	if strings.Contains(out+w.err.String(), old) || strings.Contains(out+w.err.String(), fresh) {
		t.Errorf("a value was not masked:\n%s%s", out, w.err)
	}
}

// Under GitHub Actions a new value is registered with the runner's masks while the child runs,
// on the stderr the child writes to: the command must start a line even when the child's last
// write did not end one, or the runner takes "progress...::add-mask::VALUE" for a line of log
// and prints the value in clear.
func TestWatchCIMaskStartsALine(t *testing.T) {
	old, fresh := "CANARY-ci-old-"+randHex(t, 8), "CANARY-ci-new-"+randHex(t, 8)
	dir := tokenDir(t, old, "    watch: { debounce: 100ms, on_change: signal:HUP }\n", "{ref: file://token.txt, as: file}")
	w := startScriptEnv(t, dir, []string{"GITHUB_ACTIONS=true"}, `trap 'echo reloaded' HUP
printf 'progress: 10%%...' >&2
echo "start $(cat "$V" | sha256sum | cut -c1-16)"
while [ ! -e stop ]; do sleep 0.02; done`)
	w.waitFor(old, 15*time.Second)
	must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte(fresh), 0o600))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(w.out.String(), "reloaded") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	w.stop()
	stderr := w.err.String()
	if !strings.Contains(stderr, "::add-mask::"+fresh) {
		t.Fatalf("the new value was not registered:\n%s", stderr)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if i := strings.Index(line, "::add-mask::"); i > 0 {
			t.Errorf("a mask command in the middle of a line, which the runner prints as it is: %q", line)
		}
	}
}

// on_change: exit stops the child and exits 75 (EX_TEMPFAIL), for the orchestrator.
func TestWatchExitAction(t *testing.T) {
	dir := tokenDir(t, "CANARY-exit-old-1234", "    watch: { debounce: 100ms, on_change: exit }\n", "file://token.txt")
	w := startWatched(t, dir)
	w.waitFor("CANARY-exit-old-1234", 15*time.Second)
	must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte("CANARY-exit-new-5678"), 0o600))
	select {
	case st := <-w.status:
		w.status <- st
		if st != 75 {
			t.Errorf("status %d, want 75\n%s", st, w.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("secretrun did not exit after the change\n%s", w.err)
	}
	if w.starts() != 1 || !strings.Contains(w.err.String(), "exiting with status 75") {
		t.Errorf("want one start and a note of the exit:\n%s\n%s", w.out, w.err)
	}
}

// A SIGTERM that reaches the real secretrun (a process of its own, as under an orchestrator)
// while a restart waits for the old child to stop ends the run, as docs/process.md says under
// Restarts: the new child never starts, and secretrun exits with the old child's status, here
// its TERM trap's 7. Nothing of the run is left behind.
func TestWatchSIGTERMDuringRestartEndsTheRun(t *testing.T) {
	old, fresh := "CANARY-term-old-"+randHex(t, 8), "CANARY-term-new-"+randHex(t, 8)
	dir := tokenDir(t, old, e2eWatchBlock, "file://token.txt")
	// Each child appends its start to a file, which a child started after secretrun stopped
	// reading its output would still write; on TERM it takes 2 s to stop, then exits 7.
	script := `trap 'echo "term $$"; sleep 2; echo "bye $$"; exit 7' TERM
h=$(printf %s "$V" | sha256sum | cut -c1-16)
echo "$$ $h" >> starts
echo "start $$ $h"
while :; do sleep 0.02; done`
	out := &lockedBuffer{}
	c := exec.Command(os.Args[0], "run", "--watch", "--grace", "10s", "--", "sh", "-c", script)
	c.Args[0] = "secretrun" // the test binary acts as secretrun (see TestMain)
	c.Dir = dir
	c.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "GORACE=atexit_sleep_ms=0"}
	c.Stdout, c.Stderr = out, out
	must(t, c.Start())
	t.Cleanup(func() { _ = c.Process.Kill() })
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()

	waitLine := func(re *regexp.Regexp, what string) []string {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				return m
			}
		}
		t.Fatalf("%s never came:\n%s", what, out)
		return nil
	}
	m := waitLine(regexp.MustCompile(`(?m)^start (\d+) `+shortHash(old)+`$`), "the first child's start")
	pid, _ := strconv.Atoi(m[1])
	pgid, err := syscall.Getpgid(pid)
	must(t, err)
	if pgid == syscall.Getpgrp() {
		t.Fatalf("the child is in the test's process group %d, want one of its own", pgid)
	}

	must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte(fresh), 0o600))
	waitLine(regexp.MustCompile(`(?m)^term `+m[1]+`$`), "the old child's TERM") // the restart is under way
	must(t, c.Process.Signal(syscall.SIGTERM))

	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatalf("secretrun did not exit after SIGTERM during a restart:\n%s", out)
	}
	ws := c.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() || ws.ExitStatus() != 7 {
		t.Errorf("secretrun ended with %v, want the old child's exit status 7:\n%s", c.ProcessState, out)
	}
	time.Sleep(300 * time.Millisecond) // time for a wrongly started child to write its start
	starts, err := os.ReadFile(filepath.Join(dir, "starts"))
	must(t, err)
	if got := string(starts); got != m[1]+" "+shortHash(old)+"\n" || strings.Contains(out.String(), shortHash(fresh)) {
		t.Errorf("a child started after the SIGTERM; starts:\n%s\noutput:\n%s", got, out)
	}
	// The stop's TERM, then secretrun's, forwarded to the child still running: its trap runs
	// twice, then its last line is read to the end.
	if n := strings.Count(out.String(), "term "+m[1]+"\n"); n != 2 || !strings.Contains(out.String(), "bye "+m[1]) {
		t.Errorf("want the old child to get TERM twice (the restart's, then secretrun's forwarded) and its last line:\n%s", out)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the old child (pid %d) is still there after secretrun exited: %v", pid, err)
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("a process of the child's group %d is still there after secretrun exited: %v", pgid, err)
	}
	if strings.Contains(out.String(), old) || strings.Contains(out.String(), fresh) {
		t.Errorf("a value leaked:\n%s", out)
	}
}

// TestWatchRestartLatency measures the time from a file's rewrite to the restarted child's first
// line, over 20 changes (debounce 1ms, min_interval 100ms), and logs the median. It is a
// measurement, not a check: run it with SECRETRUN_WATCH_LATENCY=1 go test -run WatchRestartLatency -v ./cmd.
func TestWatchRestartLatency(t *testing.T) {
	if os.Getenv("SECRETRUN_WATCH_LATENCY") == "" {
		t.Skip("set SECRETRUN_WATCH_LATENCY=1 to measure")
	}
	dir := tokenDir(t, "CANARY-latency-0", "    watch: { debounce: 1ms, min_interval: 100ms }\n", "file://token.txt")
	w := startWatched(t, dir)
	w.waitFor("CANARY-latency-0", 15*time.Second)
	var took []time.Duration
	for i := 1; i <= 20; i++ {
		time.Sleep(150 * time.Millisecond) // past min_interval
		v := fmt.Sprintf("CANARY-latency-%d", i)
		start := time.Now()
		must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte(v), 0o600))
		took = append(took, w.waitFor(v, 10*time.Second).Sub(start))
	}
	slices.Sort(took)
	t.Logf("restart latency over %d changes: median %v, min %v, max %v", len(took), (took[9]+took[10])/2, took[0], took[len(took)-1])
}

// A Vault database credential with a short max TTL (ttl 2s, max_ttl 8s) is replaced before it
// expires: the child is restarted once with a new username and password (a pair from one read)
// that log in, both pairs are masked, and once the old child has stopped its lease is revoked,
// leaving one lease under the mount while the new child runs.
func TestWatchReplacesExpiringDatabaseCredential(t *testing.T) {
	env := testenv.Require(t, testenv.VaultAddr, testenv.VaultToken, testenv.PGHost, testenv.PGPort, testenv.PGUser, testenv.PGPassword)
	vaultAddr, vaultToken, pgHost, pgPort := env[0], env[1], env[2], env[3]
	admin := vaultAdmin(t, vaultAddr, vaultToken)
	mnt := "watchdb-" + randHex(t, 6)
	must(t, admin.Sys().Mount(mnt, &vaultapi.MountInput{Type: "database"}))
	t.Cleanup(func() { _ = admin.Sys().Unmount(mnt) })
	_, err := admin.Logical().Write(mnt+"/config/pg", map[string]any{
		"plugin_name": "postgresql-database-plugin", "allowed_roles": "*",
		"connection_url": "postgresql://{{username}}:{{password}}@" + pgHost + ":" + pgPort + "/postgres?sslmode=disable",
		"username":       env[4], "password": env[5],
	})
	must(t, err)
	_, err = admin.Logical().Write(mnt+"/roles/app", map[string]any{
		"db_name": "pg", "default_ttl": "2s", "max_ttl": "8s",
		"creation_statements": []string{`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`},
	})
	must(t, err)
	t.Setenv("VAULT_ADDR", vaultAddr)
	t.Setenv("VAULT_TOKEN", vaultToken)

	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  default:\n"+e2eWatchBlock+
		"    secrets:\n      PGUSER: vault://"+mnt+"/creds/app#username\n      PGPASSWORD: vault://"+mnt+"/creds/app#password\n"), 0o600))
	w := startScript(t, dir, `echo "start $(printf %s "$PGUSER" | sha256sum | cut -c1-16)"
echo "login $(PGCONNECT_TIMEOUT=5 psql -h `+pgHost+` -p `+pgPort+` -d postgres -Atc 'select 1' 2>&1) as [$PGUSER]"
while [ ! -e stop ]; do sleep 0.02; done`)
	leases := func() int {
		s, err := admin.Logical().List("sys/leases/lookup/" + mnt + "/creds/app/")
		must(t, err)
		if s == nil {
			return 0
		}
		keys, _ := s.Data["keys"].([]any)
		return len(keys)
	}
	deadline := time.Now().Add(15 * time.Second)
	for w.starts() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if w.starts() != 2 {
		t.Fatalf("no restart before the credential's max TTL:\n%s\n%s", w.out, w.err)
	}
	time.Sleep(500 * time.Millisecond) // the old lease is revoked after the old child stopped
	if n := leases(); n != 1 {
		t.Errorf("%d leases under %s after the restart; want the new one only (the old one revoked)", n, mnt)
	}
	if st := w.stop(); st != 0 {
		t.Errorf("status %d\n%s", st, w.err)
	}
	out := w.out.String()
	starts := regexp.MustCompile(`(?m)^start (\w+)$`).FindAllStringSubmatch(out, -1)
	if len(starts) < 2 || starts[0][1] == starts[1][1] {
		t.Errorf("the restarted child did not get a new username:\n%s", out)
	}
	if n := strings.Count(out, "login 1 as [***"); n < 2 {
		t.Errorf("want both credentials to log in, masked:\n%s\n%s", out, w.err)
	}
	if regexp.MustCompile(`v-\w+-app-`).MatchString(out + w.err.String()) {
		t.Errorf("a database username was not masked:\n%s%s", out, w.err)
	}
	if n := leases(); n != 0 {
		t.Errorf("%d leases left after the run", n)
	}
}

// A file rewritten every 100 ms for 4 s restarts the child no faster than min_interval (1 s):
// the first restart after the debounce, then at most one a second.
func TestWatchChurnRestartsAtMinInterval(t *testing.T) {
	dir := tokenDir(t, "CANARY-churn-0000", "    watch: { debounce: 200ms, min_interval: 1s }\n", "file://token.txt")
	w := startWatched(t, dir)
	w.waitFor("CANARY-churn-0000", 15*time.Second)
	var starts []time.Time
	seen := 1
	churned := time.Now()
	for i := 1; time.Since(churned) < 4*time.Second; i++ {
		must(t, os.WriteFile(filepath.Join(dir, "token.txt"), []byte(fmt.Sprintf("CANARY-churn-%04d", i)), 0o600))
		for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
			if n := w.starts(); n > seen {
				seen = n
				starts = append(starts, time.Now())
			}
		}
	}
	if st := w.stop(); st != 0 {
		t.Errorf("status %d", st)
	}
	if len(starts) < 2 || len(starts) > 5 {
		t.Errorf("%d restarts in 4 s of changes every 100 ms; want about one a second", len(starts))
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < 900*time.Millisecond {
			t.Errorf("restarts %d and %d only %v apart (min_interval 1s)", i, i+1, gap.Round(time.Millisecond))
		}
	}
	if strings.Contains(w.out.String()+w.err.String(), "CANARY-churn-") {
		t.Errorf("a value was not masked")
	}
}

// A watched run's checks cost, counted at the (fake) Azure Key Vault server, one GET per secret
// per check, as a fetch does: nothing more for watching.
func TestWatchRequestsPerCheckAzure(t *testing.T) {
	kvs := azkvtest.New(t)
	caFile := filepath.Join(t.TempDir(), "azkv-ca.pem")
	must(t, os.WriteFile(caFile, kvs.CAPEM(), 0o600))
	t.Setenv(e2eAzkvAddr, kvs.Addr())
	t.Setenv(e2eAzkvCAFile, caFile)
	kvs.Put("count-kv", "a", "CANARY-count-a-1234")
	kvs.Put("count-kv", "b", "CANARY-count-b-1234")
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  default:\n"+e2eWatchBlock+
		"    secrets:\n      A: azkv://count-kv/a\n      B: azkv://count-kv/b\n"), 0o600))
	w := startWatched(t, dir, "-v")
	w.waitFor("", 15*time.Second) // V is unset here: the hash of ""
	time.Sleep(3 * time.Second)
	if st := w.stop(); st != 0 {
		t.Fatalf("status %d\n%s", st, w.err)
	}
	checks := strings.Count(w.err.String(), "trace: watch: checked the 2 azkv secrets")
	if checks < 3 {
		t.Fatalf("%d checks in 3 s at a 500 ms interval:\n%s", checks, w.err)
	}
	// A check under way when the run ended made its requests without a trace: 2 more at most.
	if got, want := kvs.Reads(), 2+2*checks; got != want && got != want+2 {
		t.Errorf("%d GETs at the server for a fetch and %d checks of 2 secrets; want %d\n%v", got, checks, want, kvs.Gets())
	}
	t.Logf("%d checks of 2 secrets: %d GETs (2 for the fetch at start)", checks, kvs.Reads())
}
