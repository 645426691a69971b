package file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustLink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// kubeVolume lays out dir as the kubelet does for a secret volume: the files in a timestamped
// directory, ..data linking to it, and each key a visible link through ..data.
func kubeVolume(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	stamp := "..2026_12_06_18_00_00.123456789"
	for name, content := range files {
		mustWrite(t, filepath.Join(dir, stamp, name), content)
	}
	mustLink(t, stamp, filepath.Join(dir, "..data"))
	for name := range files {
		first, _, _ := strings.Cut(name, "/")
		if _, err := os.Lstat(filepath.Join(dir, first)); err == nil {
			continue
		}
		mustLink(t, filepath.Join("..data", first), filepath.Join(dir, first))
	}
}

func importDir(t *testing.T, p *Provider, src string, recursive bool) ([]providers.Imported, error) {
	t.Helper()
	r, err := providers.ParseRef(src)
	if err != nil {
		t.Fatal(err)
	}
	return p.Import(context.Background(), r, providers.ImportOptions{Recursive: recursive})
}

func TestImportKubernetesVolume(t *testing.T) {
	base := t.TempDir()
	vol := filepath.Join(base, "secrets")
	kubeVolume(t, vol, map[string]string{
		"db-password":       "CANARY-k8s-db\n",
		".dockerconfigjson": `{"auths":{}}`,
		"tls/tls.key":       "CANARY-k8s-tls-key\n",
	})
	mustLink(t, "nowhere", filepath.Join(vol, "dangling"))
	if err := syscall.Mkfifo(filepath.Join(vol, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := New(base)

	items, err := importDir(t, p, "file://secrets/", false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Key+"="+it.Secret.Reveal()+" "+it.Ref.String())
	}
	want := []string{
		`.dockerconfigjson={"auths":{}} file://secrets/.dockerconfigjson`,
		"db-password=CANARY-k8s-db file://secrets/db-password", // one trailing newline trimmed, as file:// does
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	items, err = importDir(t, p, "file://secrets/?trim=false", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[2].Key != "tls/tls.key" || items[2].Secret.Reveal() != "CANARY-k8s-tls-key\n" {
		t.Fatalf("recursive, trim=false: got %d items, want tls/tls.key last with its newline", len(items))
	}
	if items[2].Ref.String() != "file://secrets/tls/tls.key?trim=false" {
		t.Errorf("ref %s", items[2].Ref)
	}

	// After the kubelet swaps ..data to a new timestamped directory, the import reads the new
	// values through the same visible links.
	mustWrite(t, filepath.Join(vol, "..2026_12_06_19_00_00.1", "db-password"), "CANARY-rotated")
	mustWrite(t, filepath.Join(vol, "..2026_12_06_19_00_00.1", ".dockerconfigjson"), "{}")
	if err := os.Remove(filepath.Join(vol, "..data")); err != nil {
		t.Fatal(err)
	}
	mustLink(t, "..2026_12_06_19_00_00.1", filepath.Join(vol, "..data"))
	items, err = importDir(t, p, "file://secrets/", false)
	if err != nil || len(items) != 2 || items[1].Secret.Reveal() != "CANARY-rotated" {
		t.Fatalf("after the swap: got %d items, %v", len(items), err)
	}
}

func TestImportDirErrors(t *testing.T) {
	base := t.TempDir()
	mustWrite(t, filepath.Join(base, "f"), "CANARY-a-file")
	if err := os.Mkdir(filepath.Join(base, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := New(base)
	items, err := importDir(t, p, "file://empty/", false)
	if err != nil || len(items) != 0 {
		t.Errorf("an empty directory: got %d items, %v; want none and no error", len(items), err)
	}
	if _, err := importDir(t, p, "file://missing/", false); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("a missing directory: got %v, want ErrNotFound", err)
	}
	if _, err := importDir(t, p, "file://f/", false); err == nil || errors.Is(err, providers.ErrNotFound) || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("a file named as a directory: got %v", err)
	}
	for src, want := range map[string]string{
		"file://dir":         "a file import names a directory, ending with /",
		"file://dir/#key":    "an import takes no #key",
		"file://dir/?x=1":    "unknown option",
		"file://dir/?trim=x": "trim must be true or false",
	} {
		r, _ := providers.ParseRef(src)
		if err := p.CheckImport(r, providers.ImportOptions{}); err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, providers.ErrInvalidRef) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}
