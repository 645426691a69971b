package vault

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/secretrun/secretrun/providers"
)

var _ providers.Importer = (*Provider)(nil)

// CheckImport implements providers.Importer: vault://MOUNT/PATH imports every key of that
// secret (one read); vault://MOUNT/FOLDER/ (a trailing '/') imports every secret listed under
// the folder (one LIST, then one read per secret; sub-folders too with Recursive).
func (p *Provider) CheckImport(src providers.Ref, opts providers.ImportOptions) error {
	if src.Key != "" {
		return providers.WithHint(fmt.Errorf("%w: an import takes no #key", providers.ErrInvalidRef),
			"import vault://%s to get every key of the secret as a variable", src.Path)
	}
	folder, isFolder := strings.CutSuffix(src.Path, "/")
	if !isFolder {
		if opts.Recursive {
			return providers.WithHint(fmt.Errorf("%w: recursive applies to a folder, and %s names one secret", providers.ErrInvalidRef, src.Path),
				"end the path with / to import every secret under the folder: vault://%s/", src.Path)
		}
		return p.Validate(src)
	}
	if src.Query != "" {
		return fmt.Errorf("%w: a folder import takes no options (?version= names a version of one secret)", providers.ErrInvalidRef)
	}
	asSecret := src
	asSecret.Path = folder + "/x" // a folder may be a whole mount: MOUNT/
	return p.Validate(asSecret)
}

// Import implements providers.Importer. The keys of one secret are its top-level fields (their
// values as vault://PATH#KEY gives them); a folder's keys are the secrets' paths below it, each
// value as vault://PATH alone gives it (its "value" field, or the secret as JSON). A secret
// listed in a folder whose latest version is deleted or destroyed is left out.
func (p *Provider) Import(ctx context.Context, src providers.Ref, opts providers.ImportOptions) ([]providers.Imported, error) {
	if err := p.CheckImport(src, opts); err != nil {
		return nil, err
	}
	if err := p.login(ctx); err != nil {
		return nil, err
	}
	if folder, ok := strings.CutSuffix(src.Path, "/"); ok {
		return p.importFolder(ctx, src, folder, opts.Recursive)
	}
	data, ver, err := p.read(ctx, src)
	if err != nil {
		return nil, err
	}
	read := providers.NewSecret(nil, ver.id)
	read.Created, read.Leased = ver.created, ver.leased
	out, ok, err := providers.ImportFields(src, data, read)
	if !ok {
		return nil, fmt.Errorf("%w: %s: the secret's data is not a JSON object", providers.ErrUnavailable, src.Path)
	}
	return out, err
}

// importFolder lists folder (and, when recursive, its sub-folders) and reads every secret in it.
func (p *Provider) importFolder(ctx context.Context, src providers.Ref, folder string, recursive bool) ([]providers.Imported, error) {
	var rels []string // secret paths relative to folder
	pending := []string{""}
	for len(pending) > 0 {
		dir := pending[0]
		pending = pending[1:]
		keys, err := p.list(ctx, strings.TrimSuffix(folder+"/"+dir, "/"))
		if err != nil {
			if dir != "" && errors.Is(err, providers.ErrNotFound) {
				continue // emptied between the two lists
			}
			return nil, err
		}
		for _, k := range keys {
			switch {
			case !strings.HasSuffix(k, "/"):
				rels = append(rels, dir+k)
			case recursive:
				pending = append(pending, dir+k)
			}
		}
	}
	sort.Strings(rels)
	refs := make([]providers.Ref, len(rels))
	for i, rel := range rels {
		refs[i] = providers.Ref{Scheme: Scheme, Path: folder + "/" + rel}
	}
	results := p.readAll(ctx, refs)
	out := make([]providers.Imported, 0, len(refs))
	for i, ref := range refs {
		res := results[ref]
		if errors.Is(res.err, providers.ErrNotFound) {
			continue // listed, but its latest version is deleted or destroyed
		}
		if res.err != nil {
			return nil, fmt.Errorf("%s: %w", ref.Path, res.err)
		}
		v, err := selectValue(res.data, "")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref.Path, err)
		}
		s := providers.NewSecret(v, res.version.id)
		s.Created, s.Leased = res.version.created, res.version.leased
		out = append(out, providers.Imported{Key: rels[i], Ref: ref, Secret: s})
	}
	return out, nil
}

// list returns the keys Vault lists under folder (entries ending in '/' are sub-folders): on
// KV v2, LIST MOUNT/metadata/FOLDER; elsewhere LIST FOLDER. Nothing there is an ErrNotFound.
func (p *Provider) list(ctx context.Context, folder string) ([]string, error) {
	m, err := p.mountOf(ctx, folder+"/x")
	if err != nil {
		return nil, err
	}
	var paths []string
	switch {
	case m.kv2:
		paths = []string{m.path + "metadata/" + strings.TrimPrefix(folder+"/", m.path)}
	case m.probe: // mount detection refused: try KV v2 under the first segment, then as is
		paths = []string{m.path + "metadata/" + strings.TrimPrefix(folder+"/", m.path), folder + "/"}
	default:
		paths = []string{folder + "/"}
	}
	var lastErr error
	for _, apiPath := range paths {
		var keys []string
		err := p.retry(ctx, func(ctx context.Context) error {
			s, err := p.client.Logical().ListWithContext(ctx, apiPath)
			if err != nil {
				return err
			}
			keys = nil
			if s != nil && s.Data != nil {
				list, _ := s.Data["keys"].([]any)
				for _, k := range list {
					if str, ok := k.(string); ok {
						keys = append(keys, str)
					}
				}
			}
			return nil
		})
		if err != nil {
			lastErr = p.mapErr(err, "list "+apiPath)
			if m.probe && (errors.Is(lastErr, providers.ErrNotFound) || blocked(lastErr)) {
				continue
			}
			return nil, lastErr
		}
		if keys == nil {
			lastErr = providers.WithHint(fmt.Errorf("%w: nothing listed under %s", providers.ErrNotFound, apiPath),
				"check the folder (mount %s is %s)", m.path, m.describe())
			continue
		}
		return keys, nil
	}
	return nil, lastErr
}
