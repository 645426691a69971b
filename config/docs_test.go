package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every complete configuration shown in docs/config.md parses.
func TestDocsExamplesParse(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Skip("docs/config.md not found:", err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	n := 0
	for _, b := range blocks {
		src := b[1]
		// Dedent blocks inside list items.
		if lines := strings.Split(src, "\n"); strings.HasPrefix(lines[0], "  ") {
			for i := range lines {
				lines[i] = strings.TrimPrefix(lines[i], "  ")
			}
			src = strings.Join(lines, "\n")
		}
		first := strings.SplitN(src, ":", 2)[0]
		if !contains(topFields, first) && !strings.HasPrefix(first, "x-") {
			continue // a fragment, such as a profile's env
		}
		n++
		if _, err := Parse("docs/config.md", []byte(src)); err != nil {
			t.Errorf("example does not parse:\n%s\n%v", src, err)
		}
	}
	if n < 4 {
		t.Errorf("found only %d complete examples", n)
	}
}
