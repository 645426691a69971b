package inject

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// memImporter imports every value of a memProvider whose ref starts with the imported path.
type memImporter struct {
	*memProvider
}

func (m memImporter) CheckImport(src providers.Ref, opts providers.ImportOptions) error {
	if src.Key != "" {
		return providers.ErrInvalidRef
	}
	return nil
}

func (m memImporter) Import(ctx context.Context, src providers.Ref, opts providers.ImportOptions) ([]providers.Imported, error) {
	if m.panics {
		panic("CANARY-panic-value")
	}
	if src.Path == "missing/" {
		return nil, providers.ErrNotFound
	}
	select {
	case <-time.After(m.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var out []providers.Imported
	for ref, v := range m.values {
		if rest, ok := strings.CutPrefix(ref, src.String()); ok {
			r, _ := providers.ParseRef(ref)
			out = append(out, providers.Imported{Key: rest, Ref: r, Secret: providers.NewSecret([]byte(v), "")})
		}
	}
	return out, nil
}

func newImportResolver(mem *memProvider, timeout time.Duration) *Resolver {
	reg := providers.NewRegistry(
		providers.Entry{Scheme: "mem", Open: func() (providers.Provider, error) { return memImporter{mem}, nil }},
		providers.Entry{Scheme: "plain", Open: func() (providers.Provider, error) { return mem, nil }},
	)
	return &Resolver{Registry: reg, Timeout: timeout}
}

func TestImport(t *testing.T) {
	mem := &memProvider{values: map[string]string{"mem://app/a": "CANARY-a", "mem://app/b": "CANARY-b", "mem://other/c": "x"}}
	r := newImportResolver(mem, 5*time.Second)
	res, err := r.Import(context.Background(), []ImportRequest{
		{Ref: "mem://app/", Origin: "secretrun.yaml:3"},
		{Ref: "mem://empty/", Origin: "secretrun.yaml:4"},
		{Ref: "mem://empty/", Optional: true, Origin: "secretrun.yaml:5"},
		{Ref: "mem://missing/", Optional: true, Origin: "secretrun.yaml:6"},
		{Ref: "mem://missing/", Origin: "secretrun.yaml:7"},
	})
	if len(res[0].Items) != 2 || res[0].Err != nil || res[0].Parsed.Path != "app/" {
		t.Errorf("app/: got %d items, %v", len(res[0].Items), res[0].Err)
	}
	if e := res[1].Err; !errors.Is(e, providers.ErrNotFound) || e.Error() != "import mem://empty/ (secretrun.yaml:4): not found: the import found nothing" ||
		!strings.Contains(providers.Hint(e), "optional: true") {
		t.Errorf("a required import that finds nothing: got %v (hint %q)", e, providers.Hint(e))
	}
	if !res[2].Skipped || res[2].Err != nil || !res[3].Skipped || res[3].Err != nil {
		t.Errorf("optional imports that find nothing are skipped: %+v %+v", res[2], res[3])
	}
	if !errors.Is(res[4].Err, providers.ErrNotFound) {
		t.Errorf("a required import of nothing: %v", res[4].Err)
	}
	if joined := err.Error(); strings.Count(joined, "import mem://") != 2 {
		t.Errorf("the error joins the two failed required imports: %v", err)
	}
}

func TestImportChecksBeforeFetching(t *testing.T) {
	r := newImportResolver(&memProvider{}, time.Second)
	for ref, want := range map[string]string{
		"plain://x/":      "the plain provider cannot import a whole path (importable: mem)",
		"nope://x/":       `unknown scheme "nope"`,
		"mem://x#k":       "invalid reference",
		"mem://u:pw@h/x/": "holds user information",
	} {
		_, err := r.CheckImport(ImportRequest{Ref: ref, Origin: "f:1"})
		var ie *ImportError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an *ImportError containing %q", ref, err, want)
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: the error shows user information: %v", ref, err)
		}
	}
}

func TestImportTimeoutAndPanic(t *testing.T) {
	r := newImportResolver(&memProvider{delay: time.Minute}, 50*time.Millisecond)
	start := time.Now()
	_, err := r.Import(context.Background(), []ImportRequest{{Ref: "mem://app/"}})
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("the deadline bounds an import: %v after %v", err, time.Since(start))
	}
	r = newImportResolver(&memProvider{panics: true}, time.Second)
	_, err = r.Import(context.Background(), []ImportRequest{{Ref: "mem://app/"}})
	if !errors.Is(err, providers.ErrUnavailable) || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("a panic: got %v, want ErrUnavailable without the panic value", err)
	}
}
