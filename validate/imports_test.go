package validate

import (
	goparser "go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The package uses the standard library only, and no I/O packages (see doc.go).
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
			switch {
			case strings.Contains(strings.Split(path, "/")[0], "."):
				t.Errorf("%s imports %s: only the standard library is allowed", f, path)
			case path == "os" || path == "io/fs" || strings.HasPrefix(path, "net/http") || path == "os/exec":
				t.Errorf("%s imports %s: validate does no I/O", f, path)
			}
		}
	}
}
