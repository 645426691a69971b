package cmd

import (
	"strings"
	"testing"

	"github.com/secretrun/secretrun/config"
)

// The root help names every store's scheme from the list in providers/all: a new store needs
// no edit in cmd to be named.
func TestHelpNamesEveryScheme(t *testing.T) {
	deps := SystemDeps()
	root, _ := newRootCommand(deps)
	reg := deps.Registry(config.Default(), t.TempDir())
	long := strings.Join(strings.Fields(root.Long), " ")
	for _, s := range reg.Schemes() {
		if !strings.Contains(long, " "+s+"://,") && !strings.Contains(long, "("+s+"://,") && !strings.Contains(long, " "+s+"://)") {
			t.Errorf("root help does not name %s://:\n%s", s, root.Long)
		}
	}
	for _, line := range strings.Split(root.Long, "\n") {
		if len(line) > 88 {
			t.Errorf("help line longer than 88: %q", line)
		}
	}
}
