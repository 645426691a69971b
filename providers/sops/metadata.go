package sops

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file reads the "sops" metadata of an encrypted file as sops' stores package does
// (stores.ExtractMetadata, its mapstructure decoding with WeaklyTypedInput, and
// metadata.ToInternal), without linking it: stores imports sops' root package, and with it
// sops' audit package (docs/providers/sops.md). TestLoadMatchesSops compares the result with
// sops' own on files sops wrote.

// errNoMetadata is a file without sops metadata: not encrypted by sops, or of another format.
var errNoMetadata = errors.New("sops metadata not found")

// metadataFlatten is how a format stores the metadata.
type metadataFlatten int

const (
	// flattenNone: a nested "sops" mapping in the document (YAML, JSON, binary).
	flattenNone metadataFlatten = iota
	// flattenBelowTop: a "sops" section whose keys are flattened paths, with newlines written
	// as \n (INI).
	flattenBelowTop
	// flattenFull: top-level keys prefixed "sops_", flattened paths (dotenv).
	flattenFull
)

const (
	metadataKey    = "sops"
	metadataPrefix = metadataKey + "_"
	// defaultUnencryptedSuffix applies when the metadata names no encryption rule.
	defaultUnencryptedSuffix = "_unencrypted"
)

// metadata is what a file's "sops" entry says: how its values were encrypted, its MAC, and the
// master keys that hold its data key.
type metadata struct {
	LastModified              time.Time
	UnencryptedSuffix         string
	EncryptedSuffix           string
	UnencryptedRegex          string
	EncryptedRegex            string
	UnencryptedCommentRegex   string
	EncryptedCommentRegex     string
	MessageAuthenticationCode string
	MACOnlyEncrypted          bool
	Version                   string
	// KeyGroups: every key of a group holds the same data key (one group), or the same Shamir
	// share of it (several groups, ShamirThreshold of which are needed).
	KeyGroups       [][]masterKey
	ShamirThreshold int
}

// masterKey is one entry of a key group: a key that encrypts the data key (or a share of it).
// Only the fields of its Kind are set.
type masterKey struct {
	Kind string // sops' key type: age, pgp, kms, gcp_kms, azure_kv, hc_vault, hckms
	Enc  string // the encrypted data key

	Recipient    string             // age
	Fingerprint  string             // pgp
	Arn          string             // kms
	Role         string             // kms
	AwsProfile   string             // kms
	Context      map[string]*string // kms encryption context
	ResourceID   string             // gcp_kms
	VaultURL     string             // azure_kv
	Name         string             // azure_kv
	Version      string             // azure_kv
	VaultAddress string             // hc_vault
	EnginePath   string             // hc_vault
	KeyName      string             // hc_vault
	KeyID        string             // hckms
}

// keyTypes lists, per key type in the order sops builds a group, the metadata fields of that
// type and where they go. created_at must be a valid time for every type but age, as for sops.
var keyTypes = []struct {
	kind      string
	createdAt bool
	fields    map[string]func(*masterKey) *string
}{
	{"kms", true, map[string]func(*masterKey) *string{
		"arn": func(k *masterKey) *string { return &k.Arn }, "role": func(k *masterKey) *string { return &k.Role },
		"aws_profile": func(k *masterKey) *string { return &k.AwsProfile }}},
	{"gcp_kms", true, map[string]func(*masterKey) *string{"resource_id": func(k *masterKey) *string { return &k.ResourceID }}},
	{"hckms", true, map[string]func(*masterKey) *string{"key_id": func(k *masterKey) *string { return &k.KeyID }}},
	{"azure_kv", true, map[string]func(*masterKey) *string{
		"vault_url": func(k *masterKey) *string { return &k.VaultURL }, "name": func(k *masterKey) *string { return &k.Name },
		"version": func(k *masterKey) *string { return &k.Version }}},
	{"hc_vault", true, map[string]func(*masterKey) *string{
		"vault_address": func(k *masterKey) *string { return &k.VaultAddress },
		"engine_path":   func(k *masterKey) *string { return &k.EnginePath },
		"key_name":      func(k *masterKey) *string { return &k.KeyName }}},
	{"pgp", true, map[string]func(*masterKey) *string{"fp": func(k *masterKey) *string { return &k.Fingerprint }}},
	{"age", false, map[string]func(*masterKey) *string{"recipient": func(k *masterKey) *string { return &k.Recipient }}},
}

// extractMetadata removes the metadata from a file's documents and decodes it.
func extractMetadata(branches treeBranches, flatten metadataFlatten) (treeBranches, metadata, error) {
	var meta treeBranch
	out := make(treeBranches, len(branches))
	if flatten != flattenFull {
		first := true
		for bi, branch := range branches {
			var kept treeBranch
			for _, item := range branch {
				if item.Key != metadataKey {
					kept = append(kept, item)
					continue
				}
				if bi == 0 {
					if !first {
						return nil, metadata{}, errors.New("duplicate sops entry")
					}
					first = false
					tree, ok := item.Value.(treeBranch)
					if !ok {
						return nil, metadata{}, errors.New("the sops entry is not a mapping")
					}
					meta = tree
				}
			}
			out[bi] = kept
			if kept == nil && branch != nil {
				out[bi] = treeBranch{}
			}
		}
	} else {
		copy(out, branches)
		if len(branches) > 0 {
			var kept treeBranch
			for _, item := range branches[0] {
				if key, ok := item.Key.(string); ok && strings.HasPrefix(key, metadataPrefix) {
					meta = append(meta, treeItem{Key: key[len(metadataPrefix):], Value: item.Value})
					continue
				}
				kept = append(kept, item)
			}
			if kept == nil && branches[0] != nil {
				kept = treeBranch{}
			}
			out[0] = kept
		}
	}
	if meta == nil {
		return nil, metadata{}, errNoMetadata
	}
	if flatten != flattenNone {
		if flatten == flattenBelowTop {
			escaped := make(treeBranch, len(meta))
			for i, item := range meta {
				if s, ok := item.Value.(string); ok {
					item.Value = strings.ReplaceAll(s, `\n`, "\n")
				}
				escaped[i] = item
			}
			meta = escaped
		}
		var err error
		if meta, err = unflatten(meta); err != nil {
			return nil, metadata{}, err
		}
	}
	m, err := toGoMap(meta)
	if err != nil {
		return nil, metadata{}, err
	}
	md, err := decodeMetadata(m)
	if err != nil {
		return nil, metadata{}, err
	}
	return out, md, nil
}

// decodeMetadata reads the metadata mapping as sops does: field names matched exactly, else
// without regard to case; scalars converted between types as mapstructure's weak typing does.
func decodeMetadata(m map[string]any) (metadata, error) {
	var (
		md   metadata
		errs []error
		str  = func(name string) string {
			s, err := weakString(get(m, name))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			return s
		}
	)
	lastModified := str("lastmodified")
	md.MessageAuthenticationCode = str("mac")
	md.Version = str("version")
	md.UnencryptedSuffix = str("unencrypted_suffix")
	md.EncryptedSuffix = str("encrypted_suffix")
	md.UnencryptedRegex = str("unencrypted_regex")
	md.EncryptedRegex = str("encrypted_regex")
	md.UnencryptedCommentRegex = str("unencrypted_comment_regex")
	md.EncryptedCommentRegex = str("encrypted_comment_regex")
	var err error
	if md.MACOnlyEncrypted, err = weakBool(get(m, "mac_only_encrypted")); err != nil {
		errs = append(errs, fmt.Errorf("mac_only_encrypted: %w", err))
	}
	if md.ShamirThreshold, err = weakInt(get(m, "shamir_threshold")); err != nil {
		errs = append(errs, fmt.Errorf("shamir_threshold: %w", err))
	}
	if len(errs) > 0 {
		return metadata{}, errors.Join(errs...)
	}
	if md.LastModified, err = time.Parse(time.RFC3339, lastModified); err != nil {
		return metadata{}, errors.New("lastmodified is not a time")
	}

	rules := 0
	for _, r := range []string{md.UnencryptedSuffix, md.EncryptedSuffix, md.UnencryptedRegex, md.EncryptedRegex, md.UnencryptedCommentRegex, md.EncryptedCommentRegex} {
		if r != "" {
			rules++
		}
	}
	switch {
	case rules > 1:
		return metadata{}, errors.New("more than one encryption rule")
	case rules == 0:
		md.UnencryptedSuffix = defaultUnencryptedSuffix
	}

	// Keys at the top of the metadata form the one key group; otherwise key_groups lists them.
	top, err := keyGroup(m)
	if err != nil {
		return metadata{}, err
	}
	if len(top) > 0 {
		md.KeyGroups = [][]masterKey{top}
		return md, nil
	}
	groups, err := weakList(get(m, "key_groups"))
	if err != nil {
		return metadata{}, fmt.Errorf("key_groups: %w", err)
	}
	for _, g := range groups {
		group, err := keyGroup(g)
		if err != nil {
			return metadata{}, err
		}
		md.KeyGroups = append(md.KeyGroups, group)
	}
	if len(md.KeyGroups) == 0 {
		return metadata{}, errors.New("no keys found in the metadata")
	}
	return md, nil
}

// keyGroup reads the master keys of a group mapping, in the order sops builds the group.
func keyGroup(m map[string]any) ([]masterKey, error) {
	var group []masterKey
	for _, kt := range keyTypes {
		entries, err := weakList(get(m, kt.kind))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kt.kind, err)
		}
		for _, e := range entries {
			k := masterKey{Kind: kt.kind}
			if k.Enc, err = weakString(get(e, "enc")); err != nil {
				return nil, fmt.Errorf("%s: enc: %w", kt.kind, err)
			}
			for name, field := range kt.fields {
				if *field(&k), err = weakString(get(e, name)); err != nil {
					return nil, fmt.Errorf("%s: %s: %w", kt.kind, name, err)
				}
			}
			if kt.createdAt {
				created, err := weakString(get(e, "created_at"))
				if err != nil {
					return nil, fmt.Errorf("%s: created_at: %w", kt.kind, err)
				}
				if _, err := time.Parse(time.RFC3339, created); err != nil {
					return nil, fmt.Errorf("%s: created_at is not a time", kt.kind)
				}
			}
			if kt.kind == "kms" {
				if k.Context, err = weakContext(get(e, "context")); err != nil {
					return nil, fmt.Errorf("kms: context: %w", err)
				}
			}
			group = append(group, k)
		}
	}
	return group, nil
}

// get returns m's entry name, matched exactly, else regardless of case (as mapstructure does).
func get(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.EqualFold(k, name) {
			return m[k]
		}
	}
	return nil
}

func weakString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("expected a string, got %T", v)
}

func weakInt(v any) (int, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case int:
		return v, nil
	case float64:
		return int(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		if v == "" {
			return 0, nil
		}
		i, err := strconv.ParseInt(v, 0, strconv.IntSize)
		if err != nil {
			return 0, errors.New("not a number")
		}
		return int(i), nil
	}
	return 0, fmt.Errorf("expected a number, got %T", v)
}

func weakBool(v any) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case int:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b, nil
		}
		if v == "" {
			return false, nil
		}
		return false, errors.New("not a boolean")
	}
	return false, fmt.Errorf("expected a boolean, got %T", v)
}

// weakList returns a list of mappings; a single mapping counts as a list of one, and an empty
// string or mapping as an empty list, as with mapstructure's weak typing.
func weakList(v any) ([]map[string]any, error) {
	var items []any
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		items = v
	case map[string]any:
		if len(v) == 0 {
			return nil, nil
		}
		items = []any{v}
	case string:
		if v == "" {
			return nil, nil
		}
		return nil, errors.New("expected a list")
	default:
		return nil, errors.New("expected a list")
	}
	out := make([]map[string]any, 0, len(items))
	for _, item := range items {
		switch m := item.(type) {
		case nil:
			out = append(out, map[string]any{})
		case map[string]any:
			out = append(out, m)
		default:
			return nil, errors.New("expected a mapping")
		}
	}
	return out, nil
}

func weakContext(v any) (map[string]*string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		out := make(map[string]*string, len(v))
		for k, x := range v {
			if x == nil {
				out[k] = nil
				continue
			}
			s, err := weakString(x)
			if err != nil {
				return nil, err
			}
			out[k] = &s
		}
		return out, nil
	}
	return nil, errors.New("expected a mapping")
}

// toGoMap converts a metadata mapping to Go maps and slices, dropping comments.
func toGoMap(b treeBranch) (map[string]any, error) {
	m := make(map[string]any, len(b))
	for _, item := range b {
		if _, ok := item.Key.(comment); ok {
			continue
		}
		key, ok := item.Key.(string)
		if !ok {
			return nil, errors.New("a metadata key is not a string")
		}
		v, err := toGo(item.Value)
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	return m, nil
}

func toGo(v any) (any, error) {
	switch v := v.(type) {
	case treeBranch:
		return toGoMap(v)
	case []any:
		out := make([]any, 0, len(v))
		for _, x := range v {
			if _, ok := x.(comment); ok {
				continue
			}
			y, err := toGo(x)
			if err != nil {
				return nil, err
			}
			out = append(out, y)
		}
		return out, nil
	}
	return v, nil
}

// The separators of a flattened metadata key, as sops' stores write them:
// sops_key_groups__list_0__map_age__list_0__map_recipient.
const (
	mapSeparator  = "__map_"
	listSeparator = "__list_"
)

// flatNode is a node of the tree rebuilt from flattened keys.
type flatNode struct {
	value    any
	hasValue bool
	subkeys  map[string]*flatNode
	indices  map[int]*flatNode
}

// unflatten rebuilds the nested metadata from flattened keys (sops' stores.unflattenTreeBranch).
func unflatten(b treeBranch) (treeBranch, error) {
	root := &flatNode{}
	for _, item := range b {
		if _, ok := item.Key.(comment); ok {
			continue
		}
		key, ok := item.Key.(string)
		if !ok {
			return nil, errors.New("a metadata key is not a string")
		}
		n := root
		for _, tok := range tokenize(key) {
			n = n.child(tok)
		}
		if n.hasValue {
			return nil, errors.New("a metadata key is given twice")
		}
		n.value, n.hasValue = item.Value, true
	}
	v, err := root.convert()
	if err != nil {
		return nil, err
	}
	tb, ok := v.(treeBranch)
	if !ok {
		return nil, errors.New("the metadata is not a mapping")
	}
	return tb, nil
}

// flatToken is one step of a flattened key: a mapping key, or a list index when isIndex.
type flatToken struct {
	key     string
	index   int
	isIndex bool
}

// tokenize splits a flattened key at its separators.
func tokenize(path string) []flatToken {
	var (
		tokens []flatToken
		state  = 0 // 0: the first token, 1: after __map_, 2: after __list_
		last   = 0
		i      = 0
	)
	finish := func() {
		switch state {
		case 0:
			tokens = append(tokens, flatToken{key: path[last:i]})
		case 1:
			tokens = append(tokens, flatToken{key: path[last+len(mapSeparator) : i]})
		case 2:
			pos, _ := strconv.Atoi(path[last+len(listSeparator) : i])
			tokens = append(tokens, flatToken{index: pos, isIndex: true})
		}
		last = i
	}
	for i < len(path) {
		switch {
		case strings.HasPrefix(path[i:], mapSeparator):
			finish()
			state = 1
			i += len(mapSeparator)
		case strings.HasPrefix(path[i:], listSeparator):
			finish()
			state = 2
			i += len(listSeparator)
		default:
			i++
		}
	}
	finish()
	return tokens
}

func (n *flatNode) child(t flatToken) *flatNode {
	if t.isIndex {
		if n.indices == nil {
			n.indices = map[int]*flatNode{}
		}
		if n.indices[t.index] == nil {
			n.indices[t.index] = &flatNode{}
		}
		return n.indices[t.index]
	}
	if n.subkeys == nil {
		n.subkeys = map[string]*flatNode{}
	}
	if n.subkeys[t.key] == nil {
		n.subkeys[t.key] = &flatNode{}
	}
	return n.subkeys[t.key]
}

func (n *flatNode) convert() (any, error) {
	kinds := 0
	for _, b := range []bool{n.hasValue, len(n.subkeys) > 0, len(n.indices) > 0} {
		if b {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return nil, errors.New("a metadata key is both a value and a container")
	case kinds == 0:
		return treeBranch{}, nil
	case n.hasValue:
		return n.value, nil
	case len(n.subkeys) > 0:
		keys := make([]string, 0, len(n.subkeys))
		for k := range n.subkeys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(treeBranch, len(keys))
		for i, k := range keys {
			v, err := n.subkeys[k].convert()
			if err != nil {
				return nil, err
			}
			out[i] = treeItem{Key: k, Value: v}
		}
		return out, nil
	}
	lo, hi := math.MaxInt, math.MinInt
	for k := range n.indices {
		lo, hi = min(lo, k), max(hi, k)
	}
	if lo != 0 || hi+1 != len(n.indices) {
		return nil, errors.New("a metadata list is incomplete")
	}
	out := make([]any, hi+1)
	for k, c := range n.indices {
		v, err := c.convert()
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}
