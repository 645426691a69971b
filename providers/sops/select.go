package sops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// iniDefaultSection is the section sops' INI store gives keys that come before any [section].
const iniDefaultSection = "DEFAULT"

// selector returns the path of names that key selects in a file of format f:
//
//   - YAML and JSON: a top-level key ("password"), or a JSON Pointer ("/db/password", "/hosts/0",
//     with ~1 for '/' and ~0 for '~'), as for every other provider;
//   - dotenv: the variable's name, taken literally;
//   - INI: "section/key" or "/section/key", or "key" for a key before any [section] (sops puts
//     those in the DEFAULT section).
//
// A binary file holds one value: it takes no key.
func selector(f Format, key string) ([]string, error) {
	switch f {
	case Dotenv:
		return []string{key}, nil
	case INI:
		section, name, ok := strings.Cut(strings.TrimPrefix(key, "/"), "/")
		if !ok {
			return []string{iniDefaultSection, section}, nil
		}
		if section == "" || name == "" || strings.Contains(name, "/") {
			return nil, providers.WithHint(fmt.Errorf("%w: INI key %q is not section/key", providers.ErrInvalidRef, key),
				"an INI value is #section/key, or #key for a key before the first [section]")
		}
		return []string{section, name}, nil
	case Binary:
		return nil, providers.WithHint(fmt.Errorf("%w: a binary sops file holds one value and takes no #key", providers.ErrInvalidRef),
			"remove #%s", key)
	default:
		if !strings.HasPrefix(key, "/") {
			return []string{key}, nil
		}
		var path []string
		for _, t := range strings.Split(key[1:], "/") {
			path = append(path, strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~"))
		}
		return path, nil
	}
}

// lookup walks path in the first document of a decrypted tree and returns the value found there:
// a string as is, a number or boolean as text, a mapping or list as compact JSON (keys in file
// order). Errors wrap providers.ErrKeyNotFound and name the key and the names that exist (names
// are stored in clear text in a sops file; values never appear).
func lookup(doc treeBranch, key string, path []string) ([]byte, error) {
	var node any = doc
	for i, name := range path {
		switch n := node.(type) {
		case treeBranch:
			v, ok := field(n, name)
			if !ok {
				return nil, fmt.Errorf("%w: %q (no key %q%s; keys: %s)", providers.ErrKeyNotFound, key, name, under(path[:i]), keyNames(n))
			}
			node = v
		case []any:
			items := listItems(n)
			idx, err := strconv.Atoi(name)
			if err != nil || idx < 0 || idx >= len(items) {
				return nil, fmt.Errorf("%w: %q (no index %q in a list of %d%s)", providers.ErrKeyNotFound, key, name, len(items), under(path[:i]))
			}
			node = items[idx]
		default:
			return nil, fmt.Errorf("%w: %q (%q holds a single value, not keys)", providers.ErrKeyNotFound, key, "/"+strings.Join(path[:i], "/"))
		}
	}
	if node == nil {
		return nil, fmt.Errorf("%w: %q is null", providers.ErrKeyNotFound, key)
	}
	if s, ok := scalar(node); ok {
		return []byte(s), nil
	}
	var b bytes.Buffer
	if err := writeJSON(&b, node); err != nil {
		return nil, fmt.Errorf("%w: %q cannot be encoded as JSON", providers.ErrKeyNotFound, key)
	}
	return b.Bytes(), nil
}

// field returns the value of the item named name in a mapping, skipping comments.
func field(n treeBranch, name string) (any, bool) {
	for _, item := range n {
		if k, ok := item.Key.(string); ok && k == name {
			return item.Value, true
		}
	}
	return nil, false
}

// listItems returns a list's elements without the comments sops keeps among them.
func listItems(n []any) []any {
	out := make([]any, 0, len(n))
	for _, v := range n {
		if _, ok := v.(comment); !ok {
			out = append(out, v)
		}
	}
	return out
}

// scalar returns the text of a leaf value, or false for a mapping or list.
func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int:
		return strconv.Itoa(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case time.Time:
		return v.Format(time.RFC3339Nano), true
	}
	return "", false
}

// writeJSON writes a decrypted subtree as compact JSON, keeping the file's key order.
func writeJSON(b *bytes.Buffer, v any) error {
	switch n := v.(type) {
	case treeBranch:
		b.WriteByte('{')
		first := true
		for _, item := range n {
			k, ok := item.Key.(string)
			if !ok {
				continue // a comment
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			if err := writeJSON(b, item.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, item := range listItems(n) {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case nil:
		b.WriteString("null")
	case string, []byte, time.Time:
		s, _ := scalar(n)
		sb, _ := json.Marshal(s)
		b.Write(sb)
	case int, float64, bool:
		s, _ := scalar(n)
		b.WriteString(s)
	default:
		return fmt.Errorf("unsupported type %T", v)
	}
	return nil
}

func under(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return " under /" + strings.Join(path, "/")
}

// keyNames lists a mapping's key names, in file order, at most 10.
func keyNames(n treeBranch) string {
	var names []string
	for _, item := range n {
		if k, ok := item.Key.(string); ok {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	if len(names) > 10 {
		names = append(names[:10:10], "...")
	}
	return strings.Join(names, ", ")
}
