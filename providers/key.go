package providers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SelectKey returns the part of a structured value that key selects: a top-level field of a JSON
// object, or, when key starts with "/", the node a JSON Pointer (RFC 6901) names. YAML documents
// are accepted too. A selected string is returned as is; any other JSON value (number, bool,
// object, array) is returned in compact JSON form.
//
// Errors wrap ErrKeyNotFound and name the key, never the document or any value.
func SelectKey(value []byte, key string) ([]byte, error) {
	doc, err := decodeDocument(value)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot take key %q: the value is not a JSON or YAML object", ErrKeyNotFound, key)
	}
	var tokens []string
	if strings.HasPrefix(key, "/") {
		for _, t := range strings.Split(key[1:], "/") {
			tokens = append(tokens, strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~"))
		}
	} else {
		tokens = []string{key}
	}
	node := doc
	for i, t := range tokens {
		switch n := node.(type) {
		case map[string]any:
			v, ok := n[t]
			if !ok {
				return nil, fmt.Errorf("%w: %q (no field %q%s; fields: %s)", ErrKeyNotFound, key, t, where(tokens[:i]), fieldNames(n))
			}
			node = v
		case []any:
			idx, err := strconv.Atoi(t)
			if err != nil || idx < 0 || idx >= len(n) {
				return nil, fmt.Errorf("%w: %q (no index %q in a list of %d%s)", ErrKeyNotFound, key, t, len(n), where(tokens[:i]))
			}
			node = n[idx]
		default:
			return nil, fmt.Errorf("%w: %q (%q is not an object or list)", ErrKeyNotFound, key, "/"+strings.Join(tokens[:i], "/"))
		}
	}
	switch v := node.(type) {
	case string:
		return []byte(v), nil
	case nil:
		return nil, fmt.Errorf("%w: %q is null", ErrKeyNotFound, key)
	default:
		out, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %q cannot be encoded as JSON", ErrKeyNotFound, key)
		}
		return out, nil
	}
}

func where(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return " under /" + strings.Join(path, "/")
}

// fieldNames lists an object's field names (names are not secret), sorted, at most 10.
func fieldNames(m map[string]any) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sortStrings(names)
	if len(names) > 10 {
		names = append(names[:10], "...")
	}
	return strings.Join(names, ", ")
}

// decodeDocument parses JSON, falling back to YAML (whose string-keyed maps decode to
// map[string]any, as JSON's do).
func decodeDocument(value []byte) (any, error) {
	trimmed := bytes.TrimSpace(value)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		var doc any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&doc); err == nil {
			return doc, nil
		}
	}
	var doc any
	if err := yaml.Unmarshal(value, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}
