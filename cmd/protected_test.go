package cmd

import (
	"os"
	"slices"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers/all"
)

// allow_sources accepts exactly the schemes secretrun can resolve: the configuration is parsed
// with the schema of the stores the registry is built from.
func TestAllowSourcesKnowsEveryScheme(t *testing.T) {
	got := all.Registry(config.Default(), t.TempDir(), os.LookupEnv).Schemes()
	want := slices.Clone(SystemDeps().Schema.Schemes)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("registry schemes %q, schema schemes %q", got, want)
	}
}
