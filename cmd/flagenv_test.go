package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestColorMode(t *testing.T) {
	for _, tt := range []struct {
		mode    colorMode
		tty     bool
		noColor string
		want    bool
	}{
		{"auto", true, "", true},
		{"auto", true, "1", false}, // NO_COLOR wins over auto
		{"auto", false, "", false},
		{"always", false, "", true},
		{"always", true, "1", true}, // an explicit request wins over NO_COLOR
		{"never", true, "", false},
	} {
		if got := tt.mode.enabled(tt.tty, tt.noColor); got != tt.want {
			t.Errorf("--color %s, tty=%v, NO_COLOR=%q: colour=%v, want %v", tt.mode, tt.tty, tt.noColor, got, tt.want)
		}
		var buf bytes.Buffer
		newUI(&buf, tt.mode.enabled(tt.tty, tt.noColor), false).Warnf("x")
		if got := strings.Contains(buf.String(), "\x1b["); got != tt.want {
			t.Errorf("--color %s, tty=%v, NO_COLOR=%q: printed %q", tt.mode, tt.tty, tt.noColor, buf.String())
		}
	}
}

func TestFlagEnvName(t *testing.T) {
	for flag, want := range map[string]string{
		"timeout":      "SECRETRUN_TIMEOUT",
		"no-mask":      "SECRETRUN_NO_MASK",
		"env-file":     "SECRETRUN_ENV_FILE",
		"signal-group": "SECRETRUN_SIGNAL_GROUP",
	} {
		if got := flagEnvName(flag); got != want {
			t.Errorf("flagEnvName(%q) = %q, want %q", flag, got, want)
		}
	}
}

// Cobra runs only the nearest PersistentPreRun(E): one on a subcommand would silently stop the
// SECRETRUN_* variables from applying to it.
func TestOnlyRootHasPersistentPreRun(t *testing.T) {
	root, _ := newRootCommand(SystemDeps())
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c != root && (c.PersistentPreRun != nil || c.PersistentPreRunE != nil) {
			t.Errorf("%s has its own PersistentPreRun, so the root's (SECRETRUN_* variables) does not run for it", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
