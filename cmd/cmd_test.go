package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/redact"
)

// ptyConfig is a profile with one secret, for the terminal tests.
const ptyConfig = `version: 1
default_profile: dev
profiles:
  dev:
    secrets:
      TOKEN: dotenv://.env#TOKEN
`

// fakeDeps runs commands in-process in dir, with a fake terminal state for stdout.
func fakeDeps(t *testing.T, dir string, outTTY bool) (Deps, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	d := SystemDeps()
	d.Dir = dir
	d.Environ = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	d.Streams = inject.Streams{In: strings.NewReader(""), Out: &stdout, Err: &stderr, OutTTY: outTTY}
	return d, &stdout, &stderr
}

func writeProfile(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(ptyConfig), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN=CANARY-env-token-9876\n"), 0o600))
	return dir
}

func TestEnvRefusesATerminalWithoutReveal(t *testing.T) {
	dir := writeProfile(t)
	d, stdout, stderr := fakeDeps(t, dir, true)
	if status := Execute(d, []string{"env"}); status != ExitUsage {
		t.Fatalf("exit status %d, want %d", status, ExitUsage)
	}
	if stdout.Len() != 0 {
		t.Errorf("printed to the terminal: %q", stdout)
	}
	if !strings.Contains(stderr.String(), "--reveal") {
		t.Errorf("stderr does not mention --reveal: %q", stderr)
	}

	d, stdout, _ = fakeDeps(t, dir, true)
	if status := Execute(d, []string{"env", "--reveal"}); status != 0 {
		t.Fatalf("env --reveal: exit status %d", status)
	}
	if !strings.Contains(stdout.String(), `TOKEN="CANARY-env-token-9876"`) {
		t.Errorf("env --reveal printed %q", stdout)
	}
}

func TestOwnMessagesAreMasked(t *testing.T) {
	m, _ := redact.Compile([]redact.Secret{{Name: "TOKEN", Value: "CANARY-in-an-error-123"}}, redact.Options{})
	var buf bytes.Buffer
	u := newUI(&buf, false, true)
	u.setMask(m.MaskString)
	u.Error(errors.Join(
		providers.WithHint(fmt.Errorf("store said: bad value CANARY-in-an-error-123"), "value was CANARY-in-an-error-123"),
		errors.New("second failure"),
	))
	u.Warnf("warning about CANARY-in-an-error-123")
	u.Tracef("trace of CANARY-in-an-error-123")
	out := buf.String()
	if strings.Contains(out, "CANARY") {
		t.Errorf("a value reached secretrun's own stderr:\n%s", out)
	}
	for _, want := range []string{
		"secretrun: error: store said: bad value ***\n",
		"secretrun: hint: value was ***\n",
		"secretrun: error: second failure\n",
		"secretrun: warning: warning about ***\n",
		"secretrun: trace: trace of ***\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPanicIsReportedMaskedWithStatus125(t *testing.T) {
	dir := writeProfile(t)
	d, _, stderr := fakeDeps(t, dir, false)
	d.Registry = func(*config.Config, string) *providers.Registry {
		return providers.NewRegistry(providers.Entry{Scheme: "dotenv", Open: func() (providers.Provider, error) {
			return panicky{}, nil
		}})
	}
	// The resolver survives a provider's panic (it is reported as a failed fetch); a panic in
	// the command itself is caught by Execute.
	if status := Execute(d, []string{"check"}); status != ExitUsage {
		t.Fatalf("exit status %d, want %d", status, ExitUsage)
	}
	if strings.Contains(stderr.String(), "CANARY") {
		t.Errorf("a panic value reached stderr:\n%s", stderr)
	}
}

// panicky is a provider that panics with a value in hand.
type panicky struct{}

func (panicky) Fetch(context.Context, []providers.Ref) ([]providers.Secret, error) {
	panic("CANARY-value-in-a-panic")
}

func TestPanicInACommandIsAnInternalError(t *testing.T) {
	d, _, stderr := fakeDeps(t, writeProfile(t), false)
	d.Registry = func(*config.Config, string) *providers.Registry { panic("registry exploded") }
	if status := Execute(d, []string{"check"}); status != ExitUsage {
		t.Fatalf("exit status %d, want %d", status, ExitUsage)
	}
	if !strings.Contains(stderr.String(), "secretrun: error: internal error (please report it): registry exploded") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// leakyProvider returns one value and, for another ref, an error whose text (wrongly) quotes it:
// the redactor must still keep it off secretrun's stderr.
type leakyProvider struct{}

func (leakyProvider) Fetch(_ context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	out := make([]providers.Secret, len(refs))
	var errs []error
	for i, r := range refs {
		if r.Path == "good" {
			out[i] = providers.NewSecret([]byte("CANARY-fetched-value-31"), "")
			continue
		}
		errs = append(errs, &providers.RefError{Ref: r, Err: fmt.Errorf("store said: CANARY-fetched-value-31 is not %s", r.Path)})
	}
	return out, errors.Join(errs...)
}

func TestFailedFetchErrorsAreMaskedToo(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  p:\n    secrets:\n      A: leaky://good\n      B: leaky://bad\n"), 0o600))
	d, stdout, stderr := fakeDeps(t, dir, false)
	d.Registry = func(*config.Config, string) *providers.Registry {
		return providers.NewRegistry(providers.Entry{Scheme: "leaky", Open: func() (providers.Provider, error) { return leakyProvider{}, nil }})
	}
	if status := Execute(d, []string{"--", "true"}); status != ExitUsage {
		t.Fatalf("exit status %d, want %d", status, ExitUsage)
	}
	if !strings.Contains(stderr.String(), "store said: *** is not bad") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if strings.Contains(stdout.String()+stderr.String(), "CANARY") {
		t.Errorf("a fetched value reached secretrun's output:\n%s%s", stdout, stderr)
	}
}

// staticRemote is a remote provider that returns "CANARY-remote-<path>" for every ref.
type staticRemote struct{}

func (staticRemote) Fetch(_ context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	out := make([]providers.Secret, len(refs))
	for i, r := range refs {
		out[i] = providers.NewSecret([]byte("CANARY-remote-"+r.Path), "")
	}
	return out, nil
}

func TestInheritedReferenceIsResolvedEvenWithNoClobber(t *testing.T) {
	for _, args := range [][]string{
		{"--", "fakechild", "env", "DB_PASS"},
		{"--no-clobber", "--", "fakechild", "env", "DB_PASS"},
	} {
		d, stdout, stderr := fakeDeps(t, t.TempDir(), false)
		d.Environ = append(d.Environ, "DB_PASS=remote://prod-db")
		d.Registry = func(*config.Config, string) *providers.Registry {
			return providers.NewRegistry(providers.Entry{Scheme: "remote", Remote: true, Open: func() (providers.Provider, error) { return staticRemote{}, nil }})
		}
		if status := Execute(d, args); status != 0 {
			t.Fatalf("%v: exit status %d\n%s", args, status, stderr)
		}
		if got := stdout.String(); got != "DB_PASS=***\n" {
			t.Errorf("%v: the child saw %q, want the resolved (masked) value", args, got)
		}
		if strings.Contains(stderr.String(), "already set") {
			t.Errorf("%v: a variable that held the reference is not a clobber:\n%s", args, stderr)
		}
	}
}

// panickyKeeper fetches one value and panics with it while keeping leases.
type panickyKeeper struct{ staticRemote }

func (panickyKeeper) Keep(context.Context, func(string)) {
	panic("lease renewal broke on CANARY-remote-k")
}

// A panic in a provider's Keeper is reported masked, and the child runs on to its own exit.
func TestPanicInKeeperIsReportedAndTheChildRunsOn(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte("version: 1\nprofiles:\n  p:\n    secrets:\n      A: keeper://k\n"), 0o600))
	d, stdout, stderr := fakeDeps(t, dir, false)
	d.Registry = func(*config.Config, string) *providers.Registry {
		return providers.NewRegistry(providers.Entry{Scheme: "keeper", Open: func() (providers.Provider, error) { return panickyKeeper{}, nil }})
	}
	if status := Execute(d, []string{"--", "sh", "-c", "sleep 0.2; echo child-ok"}); status != 0 {
		t.Fatalf("exit status %d, want the child's 0; stderr:\n%s", status, stderr)
	}
	if stdout.String() != "child-ok\n" {
		t.Errorf("stdout = %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "secretrun: warning: internal error renewing leases") || !strings.Contains(stderr.String(), "lease renewal broke on ***") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if strings.Contains(stderr.String(), "CANARY") {
		t.Errorf("the panic value reached stderr unmasked:\n%s", stderr)
	}
}
