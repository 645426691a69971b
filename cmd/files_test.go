package cmd

import (
	"slices"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/render"
)

// config checks a file template's syntax with stand-ins for the functions render provides: the
// two lists must agree, or a valid template is refused (or a typo accepted) when the file is read.
func TestTemplateFuncsAgree(t *testing.T) {
	want := slices.Sorted(slices.Values(config.TemplateFuncs))
	if got := render.FuncNames(); !slices.Equal(got, want) {
		t.Errorf("render.FuncNames() = %q, config.TemplateFuncs = %q", got, want)
	}
}
