package sops

import (
	"context"
	"fmt"

	"github.com/secretrun/secretrun/providers"
)

var _ providers.Importer = (*Provider)(nil)

// CheckImport implements providers.Importer: sops://FILE imports every variable of the file.
// The one option is ?format=, as for a single value.
func (p *Provider) CheckImport(src providers.Ref, opts providers.ImportOptions) error {
	if src.Key != "" {
		return providers.WithHint(fmt.Errorf("%w: an import takes no #key", providers.ErrInvalidRef),
			"import sops://%s to get every value of the file", src.Path)
	}
	if opts.Recursive {
		return fmt.Errorf("%w: recursive does not apply to a sops file", providers.ErrInvalidRef)
	}
	probe := src
	probe.Key = "x" // Validate wants a key for dotenv and INI
	if err := p.Validate(probe); err != nil {
		return err
	}
	if f, _ := formatOf(src); f == Binary {
		return providers.WithHint(fmt.Errorf("%w: a binary sops file holds one value, not variables", providers.ErrInvalidRef),
			"name it under secrets: (NAME: sops://%s)", src.Path)
	}
	return nil
}

// Import implements providers.Importer: one read and one decryption of the file. The keys are
// the top-level keys of a YAML or JSON file (a mapping or list as compact JSON, as
// sops://FILE#KEY gives it), the variables of a dotenv file, and the keys of an INI file as
// "section/key" ("key" for one before any [section]).
func (p *Provider) Import(ctx context.Context, src providers.Ref, opts providers.ImportOptions) ([]providers.Imported, error) {
	if err := p.CheckImport(src, opts); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, unavailable(ctx)
	}
	doc, err := p.open(ctx, src)
	if err != nil {
		return nil, err
	}
	if len(doc.tree) == 0 {
		return nil, nil
	}
	var keys []string // as sops://FILE#KEY names them, in file order
	for _, item := range doc.tree[0] {
		name, ok := item.Key.(string)
		if !ok {
			continue // a comment
		}
		if doc.format != INI {
			keys = append(keys, name)
			continue
		}
		section, _ := item.Value.(treeBranch)
		for _, kv := range section {
			if k, ok := kv.Key.(string); ok {
				if name == iniDefaultSection {
					keys = append(keys, k)
				} else {
					keys = append(keys, name+"/"+k)
				}
			}
		}
	}
	out := make([]providers.Imported, 0, len(keys))
	for _, key := range keys {
		ref := src
		ref.Key = key
		if doc.format == YAML || doc.format == JSON {
			ref = providers.KeyRef(src, key)
		}
		v, err := doc.value(ref.Key)
		if err != nil {
			return nil, err
		}
		s := providers.NewSecret(v, doc.version)
		s.Created = doc.created
		out = append(out, providers.Imported{Key: key, Ref: ref, Secret: s})
	}
	return out, nil
}
