package dotenv_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/dotenv"
	"github.com/secretrun/secretrun/providers/providertest"
)

// quote writes value as a double-quoted dotenv value.
func quote(value string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\r", `\r`)
	return `"` + r.Replace(value) + `"`
}

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	var n atomic.Int64
	write := func(t *testing.T, vars map[string]string) string {
		name := fmt.Sprintf("f%d.env", n.Add(1))
		var b strings.Builder
		b.WriteString("# written by the conformance harness\n")
		for k, v := range vars {
			fmt.Fprintf(&b, "export %s=%s # comment\n\n", k, quote(v))
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return dotenv.New(dir) },
		Put: func(t *testing.T, value []byte) providers.Ref {
			return providers.Ref{Scheme: "dotenv", Path: write(t, map[string]string{"VALUE": string(value)}), Key: "VALUE"}
		},
		PutVars: func(t *testing.T, vars map[string]string) providers.Ref {
			return providers.Ref{Scheme: "dotenv", Path: write(t, vars)}
		},
		Missing: func(t *testing.T) providers.Ref {
			return providers.Ref{Scheme: "dotenv", Path: "no-such.env", Key: "VALUE"}
		},
		KeyMode: providertest.KeyVariable,
	})
}
