package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// importFields are the fields of one `import:` entry in its long form.
var importFields = []string{"from", "prefix", "strip", "upper", "sanitize", "rename", "recursive", "optional"}

// Import is one entry of a profile's `import:` list: every secret under one reference becomes a
// variable, named by the entry's rules (docs/config.md, "import: whole-path import"). Written
// `- vault://secret/app/` (short form) or as a mapping with the fields below.
type Import struct {
	// From is the reference whose secrets are imported, such as "vault://secret/app" (every key
	// of one secret) or "vault://secret/app/" (every secret under a folder); not yet parsed.
	From string
	// Prefix is put in front of each name (`prefix: APP_`), after the other rules.
	Prefix string
	// Strip is removed from the start of each key that starts with it (`strip: app_`).
	Strip string
	// Upper upper-cases each key (`upper: true`); Prefix is kept as written.
	Upper bool
	// Sanitize turns each character of a key that cannot be in a variable name into '_'
	// (`sanitize: true`): "db/password" and "api-key" become "db_password" and "api_key".
	Sanitize bool
	// Rename maps a key, as the store lists it, to the variable's name (`rename: {a: B}`); a
	// renamed key skips the other rules.
	Rename map[string]string
	// Recursive imports sub-folders too (Vault folders, AWS name prefixes, directories).
	Recursive bool
	// Optional means that finding nothing (no such secret, folder or file, or an empty one)
	// imports nothing instead of failing the run.
	Optional bool
	// Line is the entry's line in the file.
	Line int
}

// VarName returns the variable name the entry's rules give to key, a name the store listed:
// Rename when it names key; otherwise key less Strip, sanitized, upper-cased, after Prefix. A
// result that is not a valid variable name is an error naming it and the rule that would fix it.
func (im *Import) VarName(key string) (string, error) {
	if name, ok := im.Rename[key]; ok {
		return name, nil
	}
	name := key
	if im.Strip != "" {
		name = strings.TrimPrefix(name, im.Strip)
	}
	if im.Sanitize {
		name = sanitizeName(name)
	}
	if im.Upper {
		name = strings.ToUpper(name)
	}
	name = im.Prefix + name
	if varNameRE().MatchString(name) {
		return name, nil
	}
	fix := fmt.Sprintf("or rename: {%q: NAME}", key)
	switch {
	case name == "":
		return "", fmt.Errorf("key %q leaves an empty name once strip %q is removed; add rename: {%q: NAME}", key, im.Strip, key)
	case !im.Sanitize && strings.ContainsFunc(name, func(r rune) bool { return !isNameRune(r) }):
		fix = "add sanitize: true (characters other than letters, digits and _ become _) " + fix
	case name[0] >= '0' && name[0] <= '9':
		fix = "add a prefix (such as prefix: APP_) " + fix
	default:
		fix = "add " + fix
	}
	return "", fmt.Errorf("key %q gives %q, which is not a valid variable name: %s", key, name, fix)
}

func isNameRune(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// sanitizeName turns every character that cannot be in a variable name into '_'.
func sanitizeName(s string) string {
	return strings.Map(func(r rune) rune {
		if isNameRune(r) {
			return r
		}
		return '_'
	}, s)
}

// imports parses a profile's `import:` list.
func (p *parser) imports(n *yaml.Node, field string, prof *Profile) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n.Line, field, "must be a list of imports (- from: vault://secret/app/), got %s", kindOf(n))
		return
	}
	for i, e := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		if im, ok := p.importEntry(resolve(e), f); ok {
			prof.Imports = append(prof.Imports, im)
		}
	}
}

// importEntry parses one `import:` entry: a reference, or a mapping with from and the rules.
func (p *parser) importEntry(e *yaml.Node, field string) (Import, bool) {
	im := Import{Line: e.Line}
	switch {
	case e.Kind == yaml.ScalarNode && !isNull(e):
		ref, ok := p.ref(e, field)
		im.From = ref
		return im, ok && p.importRef(e, field, ref)
	case e.Kind != yaml.MappingNode:
		p.add(e.Line, field, "must be a reference or a mapping with from, prefix, strip, upper, sanitize, rename, recursive, optional; got %s", p.describe(e))
		return im, false
	}
	ok, hasFrom := true, false
	flag := func(v *yaml.Node, f string, dst *bool) {
		b, good := p.bool(v, f)
		*dst = b
		ok = ok && good
	}
	p.fields(e, field, importFields, false, func(key string, k, v *yaml.Node) {
		f := field + "." + key
		switch key {
		case "from":
			hasFrom = true
			ref, good := p.ref(resolve(v), f)
			im.From = ref
			ok = ok && good && p.importRef(resolve(v), f, ref)
		case "prefix":
			s, good := p.str(v, f)
			if good && s != "" && !varNameRE().MatchString(s) {
				p.add(resolve(v).Line, f, "%q cannot start a variable name: use letters, digits and '_', not starting with a digit", s)
				good = false
			}
			im.Prefix = s
			ok = ok && good
		case "strip":
			s, good := p.str(v, f)
			im.Strip = s
			ok = ok && good
		case "upper":
			flag(v, f, &im.Upper)
		case "sanitize":
			flag(v, f, &im.Sanitize)
		case "recursive":
			flag(v, f, &im.Recursive)
		case "optional":
			flag(v, f, &im.Optional)
		case "rename":
			good := true
			im.Rename, good = p.renames(v, f)
			ok = ok && good
		}
	})
	if !hasFrom {
		p.add(e.Line, field, "missing from, the reference to import, such as vault://secret/app/")
		ok = false
	}
	return im, ok
}

// importRef checks that an import's reference has a scheme (the provider checks the rest).
func (p *parser) importRef(n *yaml.Node, field, ref string) bool {
	if RefScheme(ref) == "" {
		p.add(n.Line, field, "must be a reference such as vault://secret/app/ (scheme://path), got a string without ://")
		return false
	}
	return true
}

// renames parses `rename: {KEY: NAME}`; each NAME must be a variable name.
func (p *parser) renames(n *yaml.Node, field string) (map[string]string, bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, field, "must be a mapping of KEY: NAME, got %s", kindOf(n))
		return nil, false
	}
	out := map[string]string{}
	ok := true
	for _, kv := range p.pairs(n, field) {
		v := resolve(kv.v)
		name, good := p.str(v, field+"."+kv.key)
		switch {
		case !good:
			ok = false
		case !varNameRE().MatchString(name):
			p.add(v.Line, field+"."+kv.key, "invalid variable name %q: use letters, digits and '_', not starting with a digit", name)
			ok = false
		default:
			out[kv.key] = name
		}
	}
	return out, ok
}

// mergeImports adds a later layer's imports to the earlier ones: an entry whose `from` an
// earlier layer imports too replaces that one where it stood.
func mergeImports(have, layer []Import) []Import {
	for _, im := range layer {
		replaced := false
		for i := range have {
			if have[i].From == im.From {
				have[i], replaced = im, true
			}
		}
		if !replaced {
			have = append(have, im)
		}
	}
	return have
}
