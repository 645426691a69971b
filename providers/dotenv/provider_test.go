package dotenv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/dotenv"
	"github.com/secretrun/secretrun/providers/providertest"
)

var _ interface {
	providers.Provider
	providers.Validator
} = (*dotenv.Provider)(nil)

func mustRef(t *testing.T, s string) providers.Ref {
	t.Helper()
	r, err := providers.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestValidate(t *testing.T) {
	p := dotenv.New("/base")
	tests := []struct {
		ref  string
		ok   bool
		hint string
	}{
		{"dotenv://.env#A", true, ""},
		{"dotenv:///abs/.env#A_B.c-d", true, ""},
		{"dotenv://../up/.env#_X", true, ""},
		{"dotenv://.env", false, "add #NAME"},
		{"dotenv://.env?x=1#A", false, ""},
		{"dotenv://.env#/ptr", false, ""},
		{"dotenv://.env#1A", true, ""}, // a file may define it: 456=ABC is a name in every common parser
		{"dotenv://.env#A:B", false, ""},
		{"dotenv://.env#A B", false, ""},
	}
	for _, tt := range tests {
		err := p.Validate(mustRef(t, tt.ref))
		if (err == nil) != tt.ok {
			t.Errorf("Validate(%s) = %v; want ok=%v", tt.ref, err, tt.ok)
			continue
		}
		if err != nil && !errors.Is(err, providers.ErrInvalidRef) {
			t.Errorf("Validate(%s) = %v; want ErrInvalidRef", tt.ref, err)
		}
		if tt.hint != "" && !strings.Contains(providers.Hint(err), tt.hint) {
			t.Errorf("Validate(%s) hint = %q; want it to contain %q", tt.ref, providers.Hint(err), tt.hint)
		}
	}
	if err := p.Validate(providers.Ref{Scheme: "file", Path: "x", Key: "A"}); err == nil {
		t.Error("Validate accepted another scheme")
	}
}

func TestPaths(t *testing.T) {
	base := t.TempDir()
	other := t.TempDir()
	if err := os.MkdirAll(filepath.Join(base, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(base, ".env"), []byte("WHERE=base\n"), 0o600)
	os.WriteFile(filepath.Join(base, "sub", "x.env"), []byte("WHERE=sub\n"), 0o600)
	os.WriteFile(filepath.Join(other, "abs.env"), []byte("WHERE=abs\n"), 0o600)
	p := dotenv.New(base)
	refs := []providers.Ref{
		mustRef(t, "dotenv://.env#WHERE"),
		mustRef(t, "dotenv://./sub/x.env#WHERE"),
		mustRef(t, "dotenv://sub/../.env#WHERE"),
		mustRef(t, "dotenv://"+filepath.Join(other, "abs.env")+"#WHERE"),
	}
	secrets, err := p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"base", "sub", "base", "abs"} {
		if secrets[i].Reveal() != want {
			t.Errorf("%s = %q; want %q", refs[i], secrets[i].Reveal(), want)
		}
	}
	if got := p.Path(refs[1]); got != filepath.Join(base, "sub", "x.env") {
		t.Errorf("Path = %q", got)
	}
	// A missing relative file hints at the base directory.
	_, err = p.Fetch(context.Background(), []providers.Ref{mustRef(t, "dotenv://nope.env#A")})
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(providers.Hint(err), base) {
		t.Errorf("missing file: %v (hint %q)", err, providers.Hint(err))
	}
}

func TestFetchErrors(t *testing.T) {
	dir := t.TempDir()
	secret := providertest.Canary(t, "dotenv")
	os.WriteFile(filepath.Join(dir, "bad.env"), []byte("A="+secret+"\nB='"+secret+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "good.env"), []byte("A="+secret+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "locked.env"), []byte("A="+secret+"\n"), 0o000)
	haveFIFO := mkfifo(t, filepath.Join(dir, "fifo"))
	p := dotenv.New(dir)
	tests := []struct {
		ref      string
		sentinel error
		text     string
	}{
		{"dotenv://bad.env#A", nil, "bad.env:2: B: unterminated single-quoted value"},
		{"dotenv://good.env", providers.ErrInvalidRef, "must name a variable"},
		{"dotenv://good.env#B", providers.ErrKeyNotFound, `no variable "B"`},
		{"dotenv://.#A", providers.ErrInvalidRef, "is a directory"},
		{"dotenv://locked.env#A", providers.ErrDenied, "permission denied"},
		{"dotenv://fifo#A", providers.ErrInvalidRef, "not a regular file"},
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
			secrets, err := p.Fetch(context.Background(), []providers.Ref{ref})
			if err == nil {
				t.Fatal("no error")
			}
			providertest.AssertNoValues(t, err, secret)
			if res := providertest.RefErrors(err); len(res) != 1 || res[0].Ref != ref {
				t.Errorf("want one RefError for %s, got %v", ref, err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("%v does not wrap %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
			if secrets[0].Len() != 0 {
				t.Error("value returned with an error")
			}
		})
	}
}

// The provider reads each file once per batch, however many variables are taken from it.
func TestOneReadPerFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.env"), []byte("A=1\nB=2\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "y.env"), []byte("A=3\n"), 0o600)
	opens := dotenv.CountOpens(t)
	p := dotenv.New(dir)
	refs := []providers.Ref{
		mustRef(t, "dotenv://x.env#A"), mustRef(t, "dotenv://x.env#B"), mustRef(t, "dotenv://y.env#A"),
		mustRef(t, "dotenv://./x.env#A"), mustRef(t, "dotenv://x.env#A"),
	}
	secrets, err := p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"1", "2", "3", "1", "1"} {
		if secrets[i].Reveal() != want {
			t.Errorf("%s = %q; want %q", refs[i], secrets[i].Reveal(), want)
		}
	}
	if got := opens(); got != 2 {
		t.Errorf("%d opens for 2 distinct files", got)
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
		{syscall.ENOENT, providers.ErrNotFound, "no file"},
		{syscall.EIO, providers.ErrUnavailable, "input/output error"},
	} {
		dotenv.FailOpens(t, tt.err)
		_, err := dotenv.New("/base").Fetch(context.Background(), []providers.Ref{mustRef(t, "dotenv://x.env#A")})
		if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.text) || !strings.Contains(err.Error(), "/base/x.env") {
			t.Errorf("%v: got %v; want %v containing %q and the path", tt.err, err, tt.sentinel, tt.text)
		}
	}
}
