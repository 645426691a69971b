//go:build linux

package cmd

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const protectedConfig = `
default_profile: dev
profiles:
  dev: {}
  prod:
    protected: true
    secrets:
      PROD_KEY: dotenv://.env#PROD_KEY
`

// startProtected runs `secretrun -p prod -- fakechild ...` on a real terminal and waits for the
// confirmation prompt.
func startProtected(t *testing.T) *terminal {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(protectedConfig), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("PROD_KEY=CANARY-prod-pty-7319\n"), 0o600))
	tm := openTerminal(t)
	tm.startIn(dir, "-p", "prod", "--", "fakechild", "say", "child-ran", "env", "PROD_KEY")
	tm.waitFor(`secretrun: profile "prod" is protected; type its name to continue: `)
	return tm
}

// Typing the profile's name on the terminal confirms it: the command runs with the secret.
func TestProtectedTypedConfirmation(t *testing.T) {
	tm := startProtected(t)
	_, err := io.WriteString(tm.master, "prod\r")
	must(t, err)
	if status := tm.wait(); status != 0 {
		t.Fatalf("exit status %d; terminal:\n%q", status, tm.output())
	}
	tm.waitFor("PROD_KEY=")
	out := tm.output()
	if !strings.Contains(out, "child-ran") || !strings.Contains(out, "PROD_KEY=*") {
		t.Errorf("the command did not run with the secret:\n%q", out)
	}
	if strings.Contains(out, "CANARY") {
		t.Errorf("the secret reached the terminal:\n%q", out)
	}
}

// A wrong name (a typo) or the end of input refuses: nothing is fetched or run, exit 125, and
// the error names SECRETRUN_CONFIRM.
func TestProtectedWrongNameOrEOFRefuses(t *testing.T) {
	for _, tc := range []struct{ name, typed, want string }{
		{"wrong name", "prdo\r", `profile "prod" is protected and the name typed does not match; nothing was fetched`},
		{"another profile", "dev\r", `the name typed does not match`},
		{"end of input (Ctrl-D)", "\x04", `profile "prod" is protected and was not confirmed (end of input); nothing was fetched`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := startProtected(t)
			_, err := io.WriteString(tm.master, tc.typed)
			must(t, err)
			if status := tm.wait(); status != ExitUsage {
				t.Fatalf("exit status %d, want %d; terminal:\n%q", status, ExitUsage, tm.output())
			}
			tm.waitFor("SECRETRUN_CONFIRM=prod")
			out := tm.output()
			if !strings.Contains(out, tc.want) {
				t.Errorf("terminal lacks %q:\n%q", tc.want, out)
			}
			if strings.Contains(out, "child-ran") || strings.Contains(out, "CANARY") {
				t.Errorf("the command ran or the secret showed:\n%q", out)
			}
		})
	}
}

// Ctrl-C at the prompt stops secretrun as a signal during the fetch does: it dies of SIGINT,
// nothing run.
func TestProtectedCtrlCAtPrompt(t *testing.T) {
	tm := startProtected(t)
	_, err := io.WriteString(tm.master, "pr\x03")
	must(t, err)
	err = tm.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("secretrun exited with %v after Ctrl-C; terminal:\n%q", err, tm.output())
	}
	if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("secretrun ended with %v, want death by SIGINT; terminal:\n%q", ws, tm.output())
	}
	tm.waitFor("stopped by a signal (interrupt) before the command started")
	if out := tm.output(); strings.Contains(out, "child-ran") || strings.Contains(out, "CANARY") {
		t.Errorf("the command ran or the secret showed:\n%q", out)
	}
}
