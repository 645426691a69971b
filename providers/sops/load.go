package sops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
	"gopkg.in/ini.v1"
)

// Why this file exists: sops' own per-format stores (stores/yaml, stores/json, stores/dotenv,
// stores/ini) import sops' config package, which imports its publish package and with it the
// Google Cloud Storage and S3 SDKs; and sops' root package, which they all use, imports its
// audit package (see docs/providers/sops.md). So secretrun reads the four text formats into a
// tree of sops' shape itself, with the same parsers sops uses (go.yaml.in/yaml/v3,
// encoding/json, gopkg.in/ini.v1). TestLoadMatchesSops checks that every loader gives the tree
// and metadata sops' own store gives, on files sops' own stores wrote.

// errFormat is a file that does not parse as its format. Its text never quotes the input.
var errFormat = errors.New("does not parse")

// encryptedFile is a parsed sops file: its documents, still encrypted, and its metadata.
type encryptedFile struct {
	branches treeBranches
	meta     metadata
}

// loadEncrypted parses an encrypted file of format f into its tree and metadata.
func loadEncrypted(f Format, b []byte) (encryptedFile, error) {
	var (
		branches treeBranches
		err      error
		flatten  = flattenNone
	)
	switch f {
	case YAML:
		branches, err = loadYAML(b)
	case JSON, Binary:
		branches, err = loadJSON(b)
	case Dotenv:
		branches, err = loadDotenv(b)
		flatten = flattenFull
	case INI:
		branches, err = loadINI(b)
		flatten = flattenBelowTop
	default:
		return encryptedFile{}, fmt.Errorf("unknown format %q", f)
	}
	if err != nil {
		return encryptedFile{}, errFormat
	}
	branches, meta, err := extractMetadata(branches, flatten)
	if err != nil {
		return encryptedFile{}, err
	}
	return encryptedFile{branches: branches, meta: meta}, nil
}

// loadDotenv reads NAME=value lines; "\n" in a value stands for a newline, and a line starting
// with '#' is a comment.
func loadDotenv(b []byte) (treeBranches, error) {
	var branch treeBranch
	for _, line := range bytes.Split(b, []byte("\n")) {
		switch {
		case len(line) == 0:
		case line[0] == '#':
			branch = append(branch, treeItem{Key: comment{Value: string(line[1:])}})
		default:
			name, value, ok := bytes.Cut(line, []byte("="))
			if !ok {
				return nil, errFormat
			}
			branch = append(branch, treeItem{Key: string(name), Value: strings.ReplaceAll(string(value), `\n`, "\n")})
		}
	}
	return treeBranches{branch}, nil
}

// loadJSON reads a JSON object, keeping its key order; whole numbers become int and others
// float64.
func loadJSON(b []byte) (treeBranches, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil || t != json.Delim('{') {
		return nil, errFormat
	}
	branch, err := jsonObject(dec)
	if err != nil {
		return nil, err
	}
	return treeBranches{branch}, nil
}

func jsonObject(dec *json.Decoder) (treeBranch, error) {
	var branch treeBranch
	for {
		t, err := dec.Token()
		if err == io.EOF || t == json.Delim('}') {
			return branch, nil
		}
		key, ok := t.(string)
		if err != nil || !ok {
			return nil, errFormat
		}
		t, err = dec.Token()
		if err != nil {
			return nil, errFormat
		}
		v, err := jsonValue(dec, t)
		if err != nil {
			return nil, err
		}
		branch = append(branch, treeItem{Key: key, Value: v})
	}
}

func jsonValue(dec *json.Decoder, t json.Token) (any, error) {
	switch t {
	case json.Delim('{'):
		return jsonObject(dec)
	case json.Delim('['):
		var list []any
		for {
			t, err := dec.Token()
			if err != nil {
				return nil, errFormat
			}
			if t == json.Delim(']') {
				return list, nil
			}
			v, err := jsonValue(dec, t)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
	}
	if n, ok := t.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return int(i), nil
		}
		f, err := n.Float64()
		if err != nil {
			return nil, errFormat
		}
		return f, nil
	}
	return t, nil
}

// loadINI reads sections of keys; a section's or key's comment follows it in the tree.
func loadINI(b []byte) (treeBranches, error) {
	file, err := ini.LoadSources(ini.LoadOptions{AllowNonUniqueSections: true}, b)
	if err != nil {
		return nil, errFormat
	}
	var branch treeBranch
	for _, section := range file.Sections() {
		var items treeBranch
		if section.Comment != "" {
			items = append(items, treeItem{Key: comment{Value: iniComment(section.Comment)}})
		}
		for _, key := range section.Keys() {
			items = append(items, treeItem{Key: key.Name(), Value: key.Value()})
			if key.Comment != "" {
				items = append(items, treeItem{Key: comment{Value: iniComment(key.Comment)}})
			}
		}
		branch = append(branch, treeItem{Key: section.Name(), Value: items})
	}
	return treeBranches{branch}, nil
}

// iniComment drops a comment's leading ';' or '#' and the blanks after it.
func iniComment(c string) string {
	switch {
	case strings.HasPrefix(c, ";"):
		return strings.TrimLeft(c, "; ")
	case strings.HasPrefix(c, "#"):
		return strings.TrimLeft(c, "# ")
	}
	return c
}

// loadYAML reads every document of a YAML stream. Comments become tree items where sops puts
// them, since sops encrypts comments and its comment regexes decide which values are encrypted.
func loadYAML(b []byte) (treeBranches, error) {
	var branches treeBranches
	if len(b) > 0 {
		// A duplicate key is an error, as for sops.
		if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(make(map[string]any)); err != nil {
			return nil, errFormat
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return branches, nil
		}
		if err != nil {
			return nil, errFormat
		}
		branch, err := yamlMapping(&doc, treeBranch{}, false)
		if err != nil {
			return nil, err
		}
		branches = append(branches, branch)
	}
}

// yamlComments appends each line of a node's comment to a mapping as a comment item.
func yamlComments(branch treeBranch, text string, inline bool) treeBranch {
	for _, l := range strings.Split(text, "\n") {
		if l != "" {
			branch = append(branch, treeItem{Key: comment{Value: l[1:], Inline: inline}})
		}
	}
	return branch
}

// yamlListComments appends each line of a node's comment to a list.
func yamlListComments(list []any, text string, inline bool) []any {
	for _, l := range strings.Split(text, "\n") {
		if l != "" {
			list = append(list, comment{Value: l[1:], Inline: inline})
		}
	}
	return list
}

// yamlMapping appends a document or mapping node's items (and comments) to branch.
func yamlMapping(n *yaml.Node, branch treeBranch, commentsDone bool) (treeBranch, error) {
	if !commentsDone {
		branch = yamlComments(branch, n.HeadComment, false)
		branch = yamlComments(branch, n.LineComment, false)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			var err error
			if branch, err = yamlMapping(c, branch, false); err != nil {
				return nil, err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			branch = yamlComments(branch, k.HeadComment, false)
			branch = yamlComments(branch, k.LineComment, false)
			scalar := v.Kind == yaml.ScalarNode || v.Kind == yaml.AliasNode
			if scalar {
				branch = yamlComments(branch, v.HeadComment, false)
				branch = yamlComments(branch, v.LineComment, true)
			}
			var key any
			_ = k.Decode(&key) // as sops: a key that does not decode is nil
			value, err := yamlValue(v, scalar)
			if err != nil {
				return nil, err
			}
			branch = append(branch, treeItem{Key: key, Value: value})
			if scalar {
				branch = yamlComments(branch, v.FootComment, false)
			}
			branch = yamlComments(branch, k.FootComment, false)
		}
	case yaml.ScalarNode:
		if n.ShortTag() != "!!null" { // an empty document is fine; a bare value is not
			return nil, errFormat
		}
		return branch, nil
	case yaml.AliasNode:
		var err error
		if branch, err = yamlMapping(n.Alias, branch, false); err != nil {
			return nil, err
		}
	default: // a sequence at the top
		return nil, errFormat
	}
	if !commentsDone {
		branch = yamlComments(branch, n.FootComment, false)
	}
	return branch, nil
}

// yamlValue converts a value node: a mapping to a branch, a sequence to a list (with its
// comments), a scalar to what yaml.v3 decodes it to.
func yamlValue(n *yaml.Node, commentsDone bool) (any, error) {
	switch n.Kind {
	case yaml.SequenceNode:
		var list []any
		if !commentsDone {
			list = yamlListComments(list, n.HeadComment, false)
			list = yamlListComments(list, n.LineComment, false)
		}
		for _, item := range n.Content {
			list = yamlListComments(list, item.HeadComment, false)
			list = yamlListComments(list, item.LineComment, true)
			v, err := yamlValue(item, true)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			list = yamlListComments(list, item.FootComment, false)
		}
		if !commentsDone {
			list = yamlListComments(list, n.FootComment, false)
		}
		return list, nil
	case yaml.MappingNode:
		return yamlMapping(n, treeBranch{}, commentsDone)
	case yaml.ScalarNode:
		var v any
		_ = n.Decode(&v) // as sops: a scalar that does not decode is nil
		return v, nil
	case yaml.AliasNode:
		return yamlValue(n.Alias, false)
	}
	return nil, nil
}
