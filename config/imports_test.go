package config

import (
	goparser "go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The package imports the standard library, the YAML parser and package validate (the rules
// type of `validate:` blocks, itself standard library only) only: no viper, cobra,
// providers or network code (see doc.go).
func TestImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := goparser.ParseFile(token.NewFileSet(), f, nil, goparser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first := strings.Split(path, "/")[0]
			switch {
			case path == "go.yaml.in/yaml/v3", path == "github.com/secretrun/secretrun/validate": // validate is standard library only
			case strings.Contains(first, "."):
				t.Errorf("%s imports %s: only the standard library, go.yaml.in/yaml/v3 and package validate are allowed", f, path)
			case strings.HasPrefix(path, "net/http") || path == "net/rpc" || path == "net/smtp":
				t.Errorf("%s imports %s: no network I/O in config", f, path)
			}
		}
	}
}
