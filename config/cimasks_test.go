package config

import (
	"strings"
	"testing"
)

// ci_masks: the profile's setting (through extends, last layer wins) beats the top level's,
// which beats the default (true).
func TestCIMasks(t *testing.T) {
	c := mustParse(t, `
ci_masks: false
profiles:
  quiet: {}
  loud: {ci_masks: true}
  child: {extends: loud}
  off: {extends: loud, ci_masks: false}
`)
	for name, want := range map[string]bool{"quiet": false, "loud": true, "child": true, "off": false} {
		p, err := c.Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.CIMasksFor(p); got != want {
			t.Errorf("CIMasksFor(%s) = %v, want %v", name, got, want)
		}
	}
	if !Default().CIMasksFor(nil) || !(*Config)(nil).CIMasksFor(nil) {
		t.Error("default ci_masks should be true")
	}
	_, err := Parse("f.yaml", []byte("ci_masks: no\nprofiles:\n  a: {ci_masks: 1}\n"))
	if err == nil || !strings.Contains(err.Error(), "f.yaml:1: ci_masks: must be true or false") ||
		!strings.Contains(err.Error(), "f.yaml:3: profiles.a.ci_masks: must be true or false") {
		t.Errorf("err = %v", err)
	}
}
