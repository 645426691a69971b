package cmd

import (
	"os"
	"slices"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers/all"
)

// allow_sources accepts exactly the schemes secretrun can resolve: a new provider must be added
// to config.KnownSchemes, or a protected profile could not allow it.
func TestAllowSourcesKnowsEveryScheme(t *testing.T) {
	got := all.Registry(config.Default(), t.TempDir(), os.LookupEnv).Schemes()
	want := slices.Clone(config.KnownSchemes)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("registry schemes %q, config.KnownSchemes %q", got, want)
	}
}
