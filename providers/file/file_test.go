package file_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/file"
	"github.com/secretrun/secretrun/providers/providertest"
)

var _ interface {
	providers.Provider
	providers.Validator
} = (*file.Provider)(nil)

func mustRef(t *testing.T, s string) providers.Ref {
	t.Helper()
	r, err := providers.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	opens := file.CountOpens(t)
	var n atomic.Int64
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return file.New(dir) },
		Put: func(t *testing.T, value []byte) providers.Ref {
			name := fmt.Sprintf("secrets/s%d", n.Add(1))
			write(t, filepath.Join(dir, name), string(value))
			return providers.Ref{Scheme: "file", Path: name}
		},
		Missing: func(t *testing.T) providers.Ref { return providers.Ref{Scheme: "file", Path: "secrets/absent"} },
		Binary:  true,
		Reads:   func(t *testing.T) int { return opens() },
	})
}

func TestTrim(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"lf":      "pw\n",
		"crlf":    "pw\r\n",
		"two":     "pw\n\n",
		"none":    "pw",
		"space":   "pw \n",
		"empty":   "",
		"only-lf": "\n",
		"inner":   "a\nb\n",
		"json":    "{\"k\":\"v\"}\n",
	}
	want := map[string]string{
		"lf": "pw", "crlf": "pw", "two": "pw\n", "none": "pw", "space": "pw ", "empty": "",
		"only-lf": "", "inner": "a\nb", "json": "{\"k\":\"v\"}",
	}
	p := file.New(dir)
	for name, content := range cases {
		write(t, filepath.Join(dir, name), content)
		for _, q := range []string{"", "?trim=true", "?trim=false"} {
			ref := mustRef(t, "file://"+name+q)
			s, err := p.Fetch(context.Background(), []providers.Ref{ref})
			if err != nil {
				t.Fatalf("%s: %v", ref, err)
			}
			w := want[name]
			if q == "?trim=false" {
				w = content
			}
			if s[0].Reveal() != w {
				t.Errorf("%s = %q; want %q", ref, s[0].Reveal(), w)
			}
		}
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "creds.json"), `{"user":"u","password":"p","port":5432,"nested":{"a":["x","y"]}}`+"\n")
	write(t, filepath.Join(dir, "creds.yaml"), "user: u\npassword: p\nport: 5432\nnested:\n  a: [x, y]\n")
	p := file.New(dir)
	for _, f := range []string{"creds.json", "creds.yaml"} {
		refs := []providers.Ref{
			mustRef(t, "file://"+f+"#user"), mustRef(t, "file://"+f+"#password"),
			mustRef(t, "file://"+f+"#port"), mustRef(t, "file://"+f+"#/nested/a/1"),
		}
		s, err := p.Fetch(context.Background(), refs)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, w := range []string{"u", "p", "5432", "y"} {
			if s[i].Reveal() != w {
				t.Errorf("%s = %q; want %q", refs[i], s[i].Reveal(), w)
			}
		}
		_, err = p.Fetch(context.Background(), []providers.Ref{mustRef(t, "file://"+f+"#nope")})
		if !errors.Is(err, providers.ErrKeyNotFound) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("%s#nope: %v", f, err)
		}
		providertest.AssertNoValues(t, err, "5432")
	}
}

func TestValidate(t *testing.T) {
	p := file.New("")
	for ref, ok := range map[string]bool{
		"file:///run/secrets/db":       true,
		"file://rel/path#key":          true,
		"file://x?trim=false":          true,
		"file://x?trim=0":              true,
		"file://x?trim=maybe":          false,
		"file://x?mode=raw":            false,
		"file://x?trim=true&trim=true": false,
	} {
		err := p.Validate(mustRef(t, ref))
		if (err == nil) != ok {
			t.Errorf("Validate(%s) = %v; want ok=%v", ref, err, ok)
		}
		if err != nil && !errors.Is(err, providers.ErrInvalidRef) {
			t.Errorf("Validate(%s) = %v; want ErrInvalidRef", ref, err)
		}
	}
}

func TestPaths(t *testing.T) {
	base, other := t.TempDir(), t.TempDir()
	write(t, filepath.Join(base, "a"), "base\n")
	write(t, filepath.Join(base, "sub", "b"), "sub\n")
	write(t, filepath.Join(other, "c"), "abs\n")
	p := file.New(base)
	refs := []providers.Ref{
		mustRef(t, "file://a"), mustRef(t, "file://./sub/b"), mustRef(t, "file://sub/../a"),
		mustRef(t, "file://"+filepath.Join(other, "c")),
	}
	s, err := p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []string{"base", "sub", "base", "abs"} {
		if s[i].Reveal() != w {
			t.Errorf("%s = %q; want %q", refs[i], s[i].Reveal(), w)
		}
	}
	_, err = p.Fetch(context.Background(), []providers.Ref{mustRef(t, "file://nope")})
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(providers.Hint(err), base) {
		t.Errorf("missing relative file: %v (hint %q)", err, providers.Hint(err))
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	secret := providertest.Canary(t, "file")
	write(t, filepath.Join(dir, "locked"), secret)
	os.Chmod(filepath.Join(dir, "locked"), 0o000)
	os.Mkdir(filepath.Join(dir, "adir"), 0o700)
	haveFIFO := mkfifo(t, filepath.Join(dir, "fifo"))
	p := file.New(dir)
	tests := []struct {
		ref      string
		sentinel error
		text     string
	}{
		{"file://absent", providers.ErrNotFound, "no file"},
		{"file://locked", providers.ErrDenied, "permission denied"},
		{"file://adir", providers.ErrInvalidRef, "is a directory"},
		{"file://fifo", providers.ErrInvalidRef, "not a regular file"},
		{"file://x?bad=1", providers.ErrInvalidRef, "unknown option"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			if tt.sentinel == providers.ErrDenied && (os.Geteuid() == 0 || runtime.GOOS == "windows") {
				t.Skip("root reads any file; Windows ignores the mode bits")
			}
			if strings.Contains(tt.ref, "fifo") && !haveFIFO {
				t.Skip("no named pipes on this platform")
			}
			ref := mustRef(t, tt.ref)
			s, err := p.Fetch(context.Background(), []providers.Ref{ref})
			if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Fetch(%s) = %v; want %v containing %q", ref, err, tt.sentinel, tt.text)
			}
			if res := providertest.RefErrors(err); len(res) != 1 || res[0].Ref != ref {
				t.Errorf("want one RefError for %s: %v", ref, err)
			}
			if s[0].Len() != 0 {
				t.Error("value returned with an error")
			}
			providertest.AssertNoValues(t, err, secret)
		})
	}
}

// Open failures map to the sentinels whatever the user (root reads everything).
func TestOpenErrorMapping(t *testing.T) {
	for _, tt := range []struct {
		err      error
		sentinel error
		text     string
	}{
		{syscall.EACCES, providers.ErrDenied, "permission denied"},
		{syscall.EPERM, providers.ErrDenied, "permission denied"},
		{syscall.ENOENT, providers.ErrNotFound, "no file"},
		{syscall.EIO, providers.ErrUnavailable, "input/output error"},
	} {
		file.FailOpens(t, tt.err)
		_, err := file.New("/base").Fetch(context.Background(), []providers.Ref{mustRef(t, "file://x")})
		if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.text) || !strings.Contains(err.Error(), "/base/x") {
			t.Errorf("%v: got %v; want %v containing %q and the path", tt.err, err, tt.sentinel, tt.text)
		}
	}
}
