package sops

import (
	"context"
	"errors"
	"fmt"
	"time"

	gosops "github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/keyservice"

	"github.com/secretrun/secretrun/providers"
)

type treeBranches = gosops.TreeBranches

// decrypt parses an encrypted file of format f into sops' tree (load.go), opens its data key through
// the key services, decrypts every value and checks the MAC, as `sops decrypt` does. Nothing is
// written anywhere. The errors name the file and what to do, and never carry sops' own error
// text: parts of it quote the input (a value that is not sops ciphertext, a malformed line).
func decrypt(ctx context.Context, b []byte, f Format, path string, ids func() *identities, lookup func(string) (string, bool)) (*document, error) {
	tree, err := loadEncrypted(f, b)
	if err != nil {
		if errors.Is(err, gosops.MetadataNotFound) {
			return nil, providers.WithHint(
				fmt.Errorf("%w: %s is not a sops-encrypted %s file (no sops metadata)", providers.ErrInvalidRef, path, f),
				"encrypt it with `sops encrypt -i %s`, use file:// or dotenv:// for a plain file, or give the right ?format=", path)
		}
		return nil, providers.WithHint(
			fmt.Errorf("%w: %s cannot be read as a sops-encrypted %s file", providers.ErrInvalidRef, path, f),
			"check that `sops decrypt %s` works, and that the format (from the name, or ?format=) is the one sops wrote", path)
	}
	if tree.Metadata.MessageAuthenticationCode == "" {
		return nil, tampered(path, "its MAC is missing")
	}

	client := &keyClient{ctx: ctx, ids: ids, lookup: lookup}
	key, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{client}, gosops.DefaultDecryptionOrder)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: decrypting %s: %w", providers.ErrUnavailable, path, ctx.Err())
		}
		attempts, all := client.failures(ids())
		msg, hint := keyError(path, attempts, all)
		if len(tree.Metadata.KeyGroups) > 1 {
			msg += fmt.Sprintf(" (the file has %d key groups and needs keys from %d of them)", len(tree.Metadata.KeyGroups), tree.Metadata.ShamirThreshold)
		}
		return nil, providers.WithHint(fmt.Errorf("%w: %s", providers.ErrDenied, msg), "%s", hint)
	}

	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return nil, tampered(path, "a value does not decrypt with the file's data key")
	}
	stored, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, tampered(path, "its MAC does not decrypt (the MAC or lastmodified was changed)")
	}
	if s, ok := stored.(string); !ok || s != mac {
		return nil, tampered(path, "the MAC does not match the values (a value was changed, added or removed)")
	}
	return &document{
		format:  f,
		path:    path,
		tree:    tree.Branches,
		version: version(b),
		created: tree.Metadata.LastModified,
	}, nil
}

// tampered is the error for a file that fails sops' integrity check.
func tampered(path, what string) error {
	return providers.WithHint(
		fmt.Errorf("%w: %w: %s: %s", providers.ErrDenied, ErrTampered, path, what),
		"the file was modified after sops encrypted it, or is damaged; restore it (git checkout) or edit it with `sops edit`, never by hand")
}
