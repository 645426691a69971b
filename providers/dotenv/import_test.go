package dotenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

func TestImportDotenv(t *testing.T) {
	dir := t.TempDir()
	env := "# comment\nexport DB_URL='CANARY-db-url'\nTOKEN=first\nlower_name=\"CANARY-lower\"\nTOKEN=CANARY-last-wins\n"
	if err := os.WriteFile(filepath.Join(dir, "app.env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := New(dir)
	imp := func(src string) ([]providers.Imported, error) {
		r, err := providers.ParseRef(src)
		if err != nil {
			t.Fatal(err)
		}
		return p.Import(context.Background(), r, providers.ImportOptions{})
	}
	items, err := imp("dotenv://app.env")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var refs []providers.Ref
	for _, it := range items {
		got = append(got, it.Key+"="+it.Secret.Reveal()+" "+it.Ref.String())
		refs = append(refs, it.Ref)
	}
	want := "DB_URL=CANARY-db-url dotenv://app.env#DB_URL\nTOKEN=CANARY-last-wins dotenv://app.env#TOKEN\nlower_name=CANARY-lower dotenv://app.env#lower_name"
	if strings.Join(got, "\n") != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	again, err := p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if again[i].Reveal() != items[i].Secret.Reveal() {
			t.Errorf("%s does not read what the import gave", refs[i])
		}
	}
	if items, err := imp("dotenv://empty.env"); err != nil || len(items) != 0 {
		t.Errorf("a file with no variables: got %d items, %v; want none and no error", len(items), err)
	}
	if _, err := imp("dotenv://missing.env"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("a missing file: got %v, want ErrNotFound", err)
	}
	if _, err := imp("dotenv://app.env#TOKEN"); !errors.Is(err, providers.ErrInvalidRef) {
		t.Errorf("#NAME on an import: got %v, want ErrInvalidRef", err)
	}
}
