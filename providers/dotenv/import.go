package dotenv

import (
	"context"
	"fmt"
	"sort"

	"github.com/secretrun/secretrun/providers"
)

var _ providers.Importer = (*Provider)(nil)

// CheckImport implements providers.Importer: dotenv://PATH imports every variable of the file.
func (p *Provider) CheckImport(src providers.Ref, opts providers.ImportOptions) error {
	switch {
	case src.Scheme != Scheme:
		return fmt.Errorf("%w: scheme %q is not %s", providers.ErrInvalidRef, src.Scheme, Scheme)
	case src.Query != "":
		return fmt.Errorf("%w: dotenv:// takes no options", providers.ErrInvalidRef)
	case src.Key != "":
		return providers.WithHint(fmt.Errorf("%w: an import takes no #NAME", providers.ErrInvalidRef),
			"import dotenv://%s to get every variable of the file", src.Path)
	case opts.Recursive:
		return fmt.Errorf("%w: recursive does not apply to a dotenv file", providers.ErrInvalidRef)
	}
	return nil
}

// Import implements providers.Importer: one read of the file; each variable's value is what
// dotenv://PATH#NAME gives. A file with no variables imports nothing.
func (p *Provider) Import(ctx context.Context, src providers.Ref, opts providers.ImportOptions) ([]providers.Imported, error) {
	if err := p.CheckImport(src, opts); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", providers.ErrUnavailable, err)
	}
	vars, mtime, err := p.read(p.Path(src), src.Path)
	if err != nil {
		return nil, err
	}
	last := map[string]string{} // a later line wins, as for dotenv://PATH#NAME
	for _, v := range vars {
		last[v.Name] = v.Value
	}
	names := make([]string, 0, len(last))
	for name := range last {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]providers.Imported, 0, len(names))
	for _, name := range names {
		s := providers.NewSecret([]byte(last[name]), "")
		s.Created = mtime
		ref := src
		ref.Key = name
		out = append(out, providers.Imported{Key: name, Ref: ref, Secret: s})
	}
	return out, nil
}
