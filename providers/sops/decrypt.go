package sops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// decrypt parses an encrypted file of format f (load.go, metadata.go), opens its data key with
// the master keys it lists (datakey.go, keys.go), decrypts every value and checks the MAC
// (walk.go, cipher.go), as `sops decrypt` does. Nothing is written anywhere. The errors name
// the file and what to do, and never quote the file: parts of it may be values.
func decrypt(ctx context.Context, b []byte, f Format, path string, ids func() *identities, lookup func(string) (string, bool)) (*document, error) {
	file, err := loadEncrypted(f, b)
	if err != nil {
		if errors.Is(err, errNoMetadata) {
			return nil, providers.WithHint(
				fmt.Errorf("%w: %s is not a sops-encrypted %s file (no sops metadata)", providers.ErrInvalidRef, path, f),
				"encrypt it with `sops encrypt -i %s`, use file:// or dotenv:// for a plain file, or give the right ?format=", path)
		}
		return nil, providers.WithHint(
			fmt.Errorf("%w: %s cannot be read as a sops-encrypted %s file", providers.ErrInvalidRef, path, f),
			"check that `sops decrypt %s` works, and that the format (from the name, or ?format=) is the one sops wrote", path)
	}
	meta := &file.meta
	if meta.MessageAuthenticationCode == "" {
		return nil, tampered(path, "its MAC is missing")
	}

	client := &keyClient{ctx: ctx, ids: ids, lookup: lookup}
	key, err := dataKey(meta, client.decrypt)
	switch {
	case errors.Is(err, errShares):
		return nil, tampered(path, "the shares of its key groups do not combine into a data key")
	case err != nil:
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: decrypting %s: %w", providers.ErrUnavailable, path, ctx.Err())
		}
		attempts, all := client.failures(ids())
		msg, hint := keyError(path, attempts, all)
		if len(meta.KeyGroups) > 1 {
			msg += fmt.Sprintf(" (the file has %d key groups and needs keys from %d of them)", len(meta.KeyGroups), meta.ShamirThreshold)
		}
		return nil, providers.WithHint(fmt.Errorf("%w: %s", providers.ErrDenied, msg), "%s", hint)
	}

	mac, err := decryptTree(file.branches, meta, key)
	if err != nil {
		return nil, tampered(path, "a value does not decrypt with the file's data key")
	}
	stored, err := decryptValue(meta.MessageAuthenticationCode, key, meta.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, tampered(path, "its MAC does not decrypt (the MAC or lastmodified was changed)")
	}
	if s, ok := stored.(string); !ok || s != mac {
		return nil, tampered(path, "the MAC does not match the values (a value was changed, added or removed)")
	}
	return &document{
		format:  f,
		path:    path,
		tree:    file.branches,
		version: version(b),
		created: meta.LastModified,
	}, nil
}

// tampered is the error for a file that fails sops' integrity check.
func tampered(path, what string) error {
	return providers.WithHint(
		fmt.Errorf("%w: %w: %s: %s", providers.ErrDenied, ErrTampered, path, what),
		"the file was modified after sops encrypted it, or is damaged; restore it (git checkout) or edit it with `sops edit`, never by hand")
}
