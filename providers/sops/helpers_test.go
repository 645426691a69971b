package sops

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"filippo.io/age"
	gosops "github.com/getsops/sops/v3"

	"github.com/secretrun/secretrun/providers/sops/sopstest"
)

// newIdentity generates an age identity for one test; no key material is committed.
func newIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatalf("age.GenerateX25519Identity: %v", err)
	}
	return id
}

// env is a fake environment for WithLookup. HOME points to an empty directory, so that sops'
// default key file of the machine running the tests is never read.
func env(t testing.TB, kv ...string) func(string) (string, bool) {
	t.Helper()
	m := map[string]string{"HOME": t.TempDir()}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// item is one key and value of a plaintext document, in order.
type item struct {
	key   string
	value any // string, int, float64, bool, []item (a mapping), []any (a list)
}

// branch converts items to the tree sops' stores produce.
func branch(items []item) gosops.TreeBranch {
	var b gosops.TreeBranch
	for _, it := range items {
		b = append(b, gosops.TreeItem{Key: it.key, Value: treeValue(it.value)})
	}
	return b
}

func treeValue(v any) any {
	switch v := v.(type) {
	case []item:
		return branch(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = treeValue(x)
		}
		return out
	}
	return v
}

// encrypt encrypts a plaintext tree for recipients with sops' own library (data key, AES-GCM
// values, MAC over the values, metadata) and returns the file as sops' store for f writes it.
// Keys ending in _unencrypted stay in clear text, as with sops' default settings.
func encrypt(t testing.TB, f Format, branches gosops.TreeBranches, recipients ...string) []byte {
	t.Helper()
	return encryptWith(t, f, branches, nil, recipients...)
}

// encryptWith is encrypt with the metadata (encryption rules) adjusted by meta.
func encryptWith(t testing.TB, f Format, branches gosops.TreeBranches, meta func(*gosops.Metadata), recipients ...string) []byte {
	t.Helper()
	out, err := sopstest.Encrypt(store(f), branches, meta, recipients...)
	if err != nil {
		t.Fatalf("encrypt %s: %v", f, err)
	}
	return out
}

// encryptText encrypts a plaintext file written in format f, read by sops' own store.
func encryptText(t testing.TB, f Format, plain string, recipients ...string) []byte {
	t.Helper()
	out, err := sopstest.EncryptText(string(f), plain, recipients...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// flat returns a one-document tree of top-level items; for INI, the items go in the DEFAULT
// section (a key before any [section]).
func flat(f Format, items []item) gosops.TreeBranches {
	if f == INI {
		return gosops.TreeBranches{branch([]item{{iniDefaultSection, items}})}
	}
	return gosops.TreeBranches{branch(items)}
}

// write writes b to dir/name and returns the path.
func write(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var extension = map[Format]string{YAML: ".yaml", JSON: ".json", Dotenv: ".env", INI: ".ini", Binary: ".bin"}

// countOpens counts the files the provider opens while the test runs.
func countOpens(t *testing.T) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	orig := openFile
	openFile = func(name string) (*os.File, error) {
		n.Add(1)
		return orig(name)
	}
	t.Cleanup(func() { openFile = orig })
	return &n
}

// store returns sops' own store for format f: the tests write (and cross-check) files with it.
func store(f Format) gosops.Store {
	s, err := sopstest.Store(string(f))
	if err != nil {
		panic(err)
	}
	return s
}
