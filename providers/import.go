package providers

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
)

// Importer is implemented by providers that can read every secret under one reference at once,
// for a profile's `import:` entries (docs/config.md, "import"): every key of a JSON secret,
// every secret under a folder or name prefix, every variable of a file, every file of a
// directory. The resolver finds it by type assertion, like the other extras.
//
// CheckImport checks src and opts without I/O, so that a bad `import:` entry is reported with
// the other reference errors before anything is fetched. Errors wrap ErrInvalidRef.
//
// Import lists and reads what src names, at the provider's usual cost (one read of a secret
// whose keys are imported; a list and one batched read per secret otherwise), honouring ctx.
// It returns one Imported per secret found, in a stable order. Nothing at src is an error
// wrapping ErrNotFound; a src that exists but holds nothing returns no items and no error (the
// caller decides what an empty import means). Like Fetch, it never puts a value into an error.
type Importer interface {
	CheckImport(src Ref, opts ImportOptions) error
	Import(ctx context.Context, src Ref, opts ImportOptions) ([]Imported, error)
}

// ImportOptions are the options of one `import:` entry that a provider acts on. The name rules
// (prefix, upper-case, renames...) are applied by the caller to Imported.Key.
type ImportOptions struct {
	// Recursive descends into sub-folders (Vault folders, AWS name prefixes with '/', files in
	// sub-directories); without it only the first level is imported.
	Recursive bool
}

// Imported is one secret an Importer found.
type Imported struct {
	// Key is the secret's name relative to the imported reference, as the store spells it: a
	// JSON field, a path below the folder ("db/password" with '/' between levels), a file name,
	// a dotenv variable. The caller turns it into a variable name. It is not secret.
	Key string
	// Ref is a reference that reads this one value on its own (vault://secret/app#db_password,
	// awssm://prod/app/stripe, file:///run/secrets/db): fetching it gives Secret again, so that
	// it can be shown, recorded in the audit trail and watched like a written reference.
	Ref Ref
	// Secret is the value.
	Secret Secret
}

// KeyRef returns src with its key set to select the top-level field named field, whatever
// characters it holds: a field that starts with '/' would read as a JSON Pointer, so it is
// written as one ("/~1name"), escaped as RFC 6901 asks.
func KeyRef(src Ref, field string) Ref {
	src.Key = field
	if strings.HasPrefix(field, "/") {
		src.Key = "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(field)
	}
	return src
}

// ImportFields imports every top-level field of doc, the JSON object that read holds (a KV
// secret, a JSON secret): one Imported per field, in name order, with src#field as its ref
// (KeyRef) and the field's value carrying read's version, creation time and lease mark. ok is
// false when doc is not a JSON object; the caller says why in its store's words.
func ImportFields(src Ref, doc []byte, read Secret) (out []Imported, ok bool, err error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(doc, &fields) != nil || fields == nil {
		return nil, false, nil
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out = make([]Imported, 0, len(keys))
	for _, k := range keys {
		ref := KeyRef(src, k)
		v, err := SelectKey(doc, ref.Key)
		if err != nil {
			return nil, true, err
		}
		s := read
		value := string(v)
		s.value = &value
		out = append(out, Imported{Key: k, Ref: ref, Secret: s})
	}
	return out, true, nil
}
