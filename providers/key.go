package providers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SelectKey returns the part of a structured value that key selects: a top-level field of a JSON
// object, or, when key starts with "/", the node a JSON Pointer (RFC 6901) names. YAML documents
// are accepted too. A selected string is returned as is; any other JSON value (number, bool,
// object, array) is returned in compact JSON form.
//
// Errors wrap ErrKeyNotFound and name the key, never the document or any value. A missing field
// of a JSON object is reported with the names of the fields that exist; of a YAML mapping, without
// them, since YAML makes a mapping of any text with ": " in it ("correct horse: battery staple"),
// so that a name there may be part of a secret.
func SelectKey(value []byte, key string) ([]byte, error) {
	doc, isJSON := decodeDocument(value)
	switch doc.(type) {
	case map[string]any, []any:
	default:
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
				if !isJSON {
					return nil, fmt.Errorf("%w: %q (no field %q%s)", ErrKeyNotFound, key, t, where(tokens[:i]))
				}
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
	sort.Strings(names)
	if len(names) > 10 {
		names = append(names[:10], "...")
	}
	return strings.Join(names, ", ")
}

// decodeDocument parses JSON, falling back to YAML, and reports whether the value was JSON. YAML
// scalars keep the text they were written with (a date stays "2024-01-02", a port 5432 stays
// 5432), and mapping keys are always strings. A value that parses as neither gives nil; the
// parser's error is dropped, as it may quote the value.
func decodeDocument(value []byte) (doc any, isJSON bool) {
	trimmed := bytes.TrimSpace(value)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&doc); err == nil {
			return doc, true
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(value, &root); err != nil {
		return nil, false
	}
	budget := maxYAMLNodes
	doc, _ = fromYAML(&root, 0, &budget) // nil on error
	return doc, false
}

// maxYAMLNodes bounds the nodes visited while converting YAML, aliases expanded, so that a
// document of nested aliases ("billion laughs") cannot exhaust memory.
const maxYAMLNodes = 1 << 20

var errYAMLTooBig = errors.New("YAML document too large or too deeply nested")

// fromYAML converts a YAML node to the shapes encoding/json decodes to.
func fromYAML(n *yaml.Node, depth int, budget *int) (any, error) {
	*budget--
	if *budget < 0 || depth > 200 {
		return nil, errYAMLTooBig
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return fromYAML(n.Content[0], depth+1, budget)
	case yaml.AliasNode:
		return fromYAML(n.Alias, depth+1, budget)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := fromYAML(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		// Merge keys (<<: *base) first, so that explicit keys win whatever their order.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].ShortTag() != "!!merge" {
				continue
			}
			merged, err := fromYAML(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			maps, _ := merged.([]any)
			if m, ok := merged.(map[string]any); ok {
				maps = []any{m}
			}
			for j := len(maps) - 1; j >= 0; j-- { // earlier maps in a merge list win
				if m, ok := maps[j].(map[string]any); ok {
					for k, v := range m {
						out[k] = v
					}
				}
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].ShortTag() == "!!merge" {
				continue
			}
			v, err := fromYAML(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return n.Value, nil
			}
			return b, nil
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				return json.Number(n.Value), nil
			}
			return n.Value, nil // 0x1F, 1_000, .inf: the text as written
		default: // !!str, !!timestamp, !!binary and custom tags: the text as written
			return n.Value, nil
		}
	}
	return nil, errYAMLTooBig
}
