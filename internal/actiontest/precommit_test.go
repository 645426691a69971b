package actiontest

import (
	"os"
	"testing"

	"go.yaml.in/yaml/v3"
)

// .pre-commit-hooks.yaml: both hooks run `secretrun scan --staged` without file names (the
// index is read instead), one built with Go, one from PATH.
func TestPreCommitHooks(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string
		Name          string
		Entry         string
		Language      string
		PassFilenames *bool `yaml:"pass_filenames"`
	}
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	langs := map[string]string{}
	for _, h := range hooks {
		if h.Entry != "secretrun scan --staged" || h.PassFilenames == nil || *h.PassFilenames || h.Name == "" {
			t.Errorf("hook %+v", h)
		}
		langs[h.ID] = h.Language
	}
	if langs["secretrun-scan"] != "golang" || langs["secretrun-scan-system"] != "system" {
		t.Errorf("hooks: %v", langs)
	}
}
