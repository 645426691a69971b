package all

import (
	"strings"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

type settingsA struct {
	X string `yaml:"x"`
}

type settingsB struct {
	X string `yaml:"x"`
}

// Two stores may share a section only if they read it as the same type.
func TestSchemaOfSharedSection(t *testing.T) {
	entryA := func(settingsA) providers.Entry { return providers.Entry{Scheme: "a"} }
	entryA2 := func(settingsA) providers.Entry { return providers.Entry{Scheme: "a2"} }
	entryB := func(settingsB) providers.Entry { return providers.Entry{Scheme: "b"} }

	s := schemaOf([]store{configured("shared", entryA), configured("shared", entryA2)})
	if len(s.Sections) != 1 || strings.Join(s.Schemes, ",") != "a,a2" {
		t.Errorf("shared section of one type: %d sections, schemes %q", len(s.Sections), s.Schemes)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `section "shared" is read as both`) {
			t.Errorf("recovered %v, want a panic naming the section", r)
		}
	}()
	schemaOf([]store{configured("shared", entryA), configured("shared", entryB)})
}
