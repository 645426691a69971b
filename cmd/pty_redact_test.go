//go:build linux

package cmd

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTerminalPromptWithPublicSecretStart (issue 9 §3): a prompt ending in the public start of
// a secret ("Connect to postgres" when DATABASE_URL is postgres://...) shows on the terminal
// without any input; the secret printed afterwards is masked.
func TestTerminalPromptWithPublicSecretStart(t *testing.T) {
	tm := openTerminal(t)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(strings.Replace(ptyConfig,
		"TOKEN: dotenv://.env#TOKEN", "DATABASE_URL: dotenv://.env#DATABASE_URL", 1)), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, ".env"),
		[]byte("DATABASE_URL=postgres://app:CANARY-pty-db-pw-77@db.internal:5432/app\n"), 0o600))
	tm.startIn(dir, "--", "fakechild", "printf", "Connect to postgres", "readline", "env", "DATABASE_URL")
	tm.waitFor("Connect to postgres")
	_, err := io.WriteString(tm.master, "yes\r")
	must(t, err)
	tm.waitFor("DATABASE_URL=")
	if status := tm.wait(); status != 0 {
		t.Fatalf("exit status %d; terminal:\n%q", status, tm.output())
	}
	tm.waitFor("DATABASE_URL=" + strings.Repeat("*", len("postgres://app:CANARY-pty-db-pw-77@db.internal:5432/app")) + "\r\n")
	if out := tm.output(); strings.Contains(out, "CANARY") {
		t.Errorf("the secret reached the terminal:\n%q", out)
	}
}
