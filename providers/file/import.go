package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secretrun/secretrun/providers"
)

var _ providers.Importer = (*Provider)(nil)

// CheckImport implements providers.Importer: file://DIR/ (a trailing '/') imports every file of
// a mounted secrets directory, one variable per file: Docker's /run/secrets, a Kubernetes
// secret volume. The only option is ?trim=, applied to each file.
func (p *Provider) CheckImport(src providers.Ref, opts providers.ImportOptions) error {
	if err := p.Validate(src); err != nil {
		return err
	}
	if src.Key != "" {
		return providers.WithHint(fmt.Errorf("%w: an import takes no #key", providers.ErrInvalidRef),
			"import a directory (file://DIR/) to get one variable per file")
	}
	if !strings.HasSuffix(src.Path, "/") {
		return providers.WithHint(fmt.Errorf("%w: a file import names a directory, ending with /", providers.ErrInvalidRef),
			"write file://%s/ to import every file of the directory, or name the file under secrets:", src.Path)
	}
	return nil
}

// Import implements providers.Importer. Each regular file of the directory is one secret, its
// key the file's name (with Recursive, files in sub-directories too, as "sub/name"), its value
// what file://DIR/NAME gives. Names that start with ".." are skipped: a Kubernetes secret volume
// keeps its files in a "..2026_…" directory behind a "..data" link, and shows each key as a
// visible link into it, which is followed. Links to directories and other non-regular files are
// skipped.
func (p *Provider) Import(ctx context.Context, src providers.Ref, opts providers.ImportOptions) ([]providers.Imported, error) {
	if err := p.CheckImport(src, opts); err != nil {
		return nil, err
	}
	dir := p.Path(src)
	var rels []string
	pending := []string{""}
	for len(pending) > 0 {
		sub := pending[0]
		pending = pending[1:]
		entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(sub)))
		if err != nil {
			if sub != "" && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				return nil, providers.LocalFileError(err, p.baseDir, src.Path)
			}
			return nil, fmt.Errorf("%w: cannot list %s: %v", providers.ErrInvalidRef, dir, unwrapPath(err))
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "..") {
				continue
			}
			rel := path.Join(sub, e.Name())
			st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))) // follows the visible links
			switch {
			case err != nil:
				continue // a dangling link
			case st.IsDir() && opts.Recursive:
				pending = append(pending, rel)
			case st.Mode().IsRegular():
				rels = append(rels, rel)
			}
		}
	}
	sort.Strings(rels)
	out := make([]providers.Imported, 0, len(rels))
	for _, rel := range rels {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%w: %w", providers.ErrUnavailable, err)
		}
		ref := providers.Ref{Scheme: Scheme, Path: src.Path + rel, Query: src.Query}
		b, mtime, err := p.read(ref)
		if err != nil {
			return nil, err
		}
		if trim(ref) {
			b = trimNewline(b)
		}
		s := providers.NewSecret(b, "")
		s.Created = mtime
		out = append(out, providers.Imported{Key: rel, Ref: ref, Secret: s})
	}
	return out, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
