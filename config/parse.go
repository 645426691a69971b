package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads and parses the configuration file at path. name is how the file appears in
// messages and in Config.Path, such as a path relative to the working directory; see Parse.
//
// Load and Parse know no store's settings (see Schema): the command line uses Schema.Load with
// the schema of the built-in stores.
func Load(path, name string) (*Config, error) {
	return Schema{}.Load(path, name)
}

// readConfig reads the configuration file at path, named name in messages.
func readConfig(path, name string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: name, Msg: "cannot read configuration: " + describeOSError(err)}
	}
	return data, nil
}

// Parse parses and validates a configuration file's contents. name is the file's name as it
// should appear in messages and in Config.Path. Every problem found is reported, each as an
// *Error with file, line and field, joined with errors.Join in line order; on any problem the
// returned *Config is nil. An empty file is a valid configuration with no profiles.
//
// Parse knows no store's settings: it keeps each `providers:` section that is a mapping for its
// store to decode (see Section). Schema.Parse also checks them.
func Parse(name string, data []byte) (*Config, error) {
	return parse(name, data, Schema{})
}

func parse(name string, data []byte, schema Schema) (*Config, error) {
	p := &parser{errorList: errorList{file: name}, data: data, extendsLines: map[string][]int{}, schema: schema}
	cfg := Default()
	cfg.Path = name

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil
		}
		p.yamlError(err)
		return nil, p.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.add(extra.Line, "", "a configuration file holds one YAML document; found a second one (remove the \"---\")")
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return cfg, p.err()
		}
		root = root.Content[0]
	}
	p.config(root, cfg)
	if err := p.err(); err != nil {
		return nil, err
	}
	p.checkFiles(cfg)
	p.checkAllowSources(cfg)
	p.checkWatch(cfg)
	if err := p.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

type parser struct {
	errorList
	data         []byte
	quiet        bool // do not show values in messages (see describe)
	defaultLine  int
	extendsLines map[string][]int // profile name -> line of each entry of its extends
	schema       Schema           // the provider sections known, and their checks
}

// parserProblems are the YAML library's parser (not scanner) errors, whose line it reports
// one too low.
var parserProblems = map[string]bool{
	"did not find expected key":              true,
	"did not find expected ',' or '}'":       true,
	"did not find expected ',' or ']'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected node content":     true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
}

var yamlLineRE = lazyRegexp(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a syntax error of the YAML library into an *Error with a line.
func (p *parser) yamlError(err error) {
	msg := err.Error()
	if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			line++ // the YAML library reports these 0-based
		}
		p.add(line, "", "invalid YAML: %s", m[2])
		return
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 1 // the library leaves out "line 1" (it skips a 0-based line 0)
	if m := anchorRE().FindStringSubmatch(msg); m != nil {
		// Errors about anchors carry no line at all: find the first use of the name.
		line = 0
		for i, l := range strings.Split(string(p.data), "\n") {
			if strings.Contains(l, "*"+m[1]) || strings.Contains(l, "&"+m[1]) {
				line = i + 1
				break
			}
		}
	}
	p.add(line, "", "invalid YAML: %s", msg)
}

var anchorRE = lazyRegexp(`^(?:unknown )?anchor '([^']*)'`)

// Top-level and section field names, for unknown-field errors and suggestions.
var (
	topFields     = []string{"version", "default_profile", "providers", "redact", "profiles", "ci_masks", "audit"}
	redactFields  = []string{"min_length", "token", "name_tokens", "strict", "encodings"}
	profileFields = []string{"extends", "env", "secrets", "inherit", "deny", "clobber", "grace", "ci_masks", "files", "protected", "allow_sources", "fallback", "watch", "import"}
	secretFields  = []string{"ref", "optional", "as", "mask", "validate", "owner", "rotate_every"}
)

func (p *parser) config(root *yaml.Node, cfg *Config) {
	// A file of another version is not checked further: its other fields would only add noise.
	if root = resolve(root); root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if k, v := resolve(root.Content[i]), resolve(root.Content[i+1]); k.Value == "version" {
				if n, ok := p.int(v, "version"); !ok || n != Version {
					if ok {
						p.add(v.Line, "version", "unsupported version %d (this secretrun reads version %d; a newer secretrun may read it)", n, Version)
					}
					return
				}
			}
		}
	}
	p.fields(root, "", topFields, true, func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			// checked above
		case "default_profile":
			if s, ok := p.str(v, "default_profile"); ok {
				if s == "" {
					p.add(v.Line, "default_profile", "must not be empty")
				}
				cfg.DefaultProfile = s
				p.defaultLine = v.Line
			}
		case "providers":
			p.quiet = true
			p.providers(v, cfg)
			p.quiet = false
		case "redact":
			p.redact(v, &cfg.Redact)
		case "audit":
			p.audit(k, v, &cfg.Audit)
		case "profiles":
			p.profiles(v, cfg)
		case "ci_masks":
			if b, ok := p.bool(v, "ci_masks"); ok {
				cfg.CIMasks = &b
			}
		}
	})
	p.checkReferences(cfg) // a file without `version:` is version 1, as Default() says
}

func (p *parser) redact(n *yaml.Node, r *Redact) {
	p.fields(n, "redact", redactFields, false, func(key string, k, v *yaml.Node) {
		field := "redact." + key
		switch key {
		case "min_length":
			if n, ok := p.int(v, field); ok {
				if n < MinMinLength {
					p.add(v.Line, field, "must be at least %d, got %d (shorter values cannot be masked safely)", MinMinLength, n)
				} else {
					r.MinLength = n
				}
			}
		case "token":
			if s, ok := p.str(v, field); ok {
				switch {
				case s == "":
					p.add(v.Line, field, "must not be empty")
				case strings.ContainsAny(s, "\x00\r\n"):
					p.add(v.Line, field, "must be a single line")
				default:
					r.Token = s
				}
			}
		case "name_tokens":
			if b, ok := p.bool(v, field); ok {
				r.NameTokens = b
			}
		case "strict":
			if b, ok := p.bool(v, field); ok {
				r.Strict = b
			}
		case "encodings":
			r.Encodings = nil
			for _, e := range p.stringList(v, field) {
				if !contains(KnownEncodings, e.s) {
					p.add(e.line, field, "unknown encoding %q%s (known: %s)", e.s, didYouMean(e.s, KnownEncodings), strings.Join(KnownEncodings, ", "))
					continue
				}
				if !contains(r.Encodings, e.s) {
					r.Encodings = append(r.Encodings, e.s)
				}
			}
		}
	})
}

var profileNameRE = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func (p *parser) profiles(n *yaml.Node, cfg *Config) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "profiles", "must be a mapping of profile names to profiles, got %s", kindOf(n))
		return
	}
	for _, kv := range p.pairs(n, "profiles") {
		name := kv.key
		if !profileNameRE().MatchString(name) {
			p.add(kv.k.Line, "profiles", "invalid profile name %s: use letters, digits, '.', '_' and '-', starting with a letter or digit", quoteKey(kv))
			continue
		}
		cfg.Profiles[name] = p.profile(name, kv.k, kv.v)
	}
}

func (p *parser) profile(name string, k, n *yaml.Node) *Profile {
	prof := &Profile{Name: name, Line: k.Line}
	base := "profiles." + name
	envLines := map[string]int{}
	p.fields(n, base, profileFields, false, func(key string, k, v *yaml.Node) {
		field := base + "." + key
		switch key {
		case "extends":
			var lines []int
			for _, e := range p.stringList(v, field) {
				if e.s == "" {
					p.add(e.line, field, "empty profile name")
					continue
				}
				prof.Extends = append(prof.Extends, e.s)
				lines = append(lines, e.line)
			}
			p.extendsLines[name] = lines
		case "env":
			p.env(v, field, prof, envLines)
		case "secrets":
			p.quiet = true
			p.secrets(v, field, prof)
			p.quiet = false
		case "inherit":
			p.inherit(v, field, prof)
		case "deny":
			for _, e := range p.stringList(v, field) {
				if ok, why := validPattern(e.s); !ok {
					p.add(e.line, field, "%q: %s", e.s, why)
					continue
				}
				prof.Deny = append(prof.Deny, e.s)
			}
		case "clobber":
			if b, ok := p.bool(v, field); ok {
				prof.Clobber = &b
			}
		case "grace":
			p.grace(v, field, prof)
		case "ci_masks":
			if b, ok := p.bool(v, field); ok {
				prof.CIMasks = &b
			}
		case "files":
			p.files(v, field, prof)
		case "protected":
			if b, ok := p.bool(v, field); ok {
				prof.Protected = b
			}
		case "allow_sources":
			p.allowSources(v, field, prof)
		case "fallback":
			p.fallback(k, v, field, prof)
		case "watch":
			p.watch(k, v, field, prof)
		case "import":
			p.imports(v, field, prof)
		}
	})
	for _, s := range prof.Secrets {
		if line, ok := envLines[s.Name]; ok {
			p.add(s.Line, base+".secrets."+s.Name, "%s is also set in env (line %d); a variable belongs in env or in secrets, not both", s.Name, line)
		}
	}
	return prof
}

var varNameRE = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_]*$`)

// varPairs returns the NAME: value pairs of the mapping n (a profile's env or secrets) whose
// names are valid environment variable names, reporting the others. what names the values in
// the message for a node that is not a mapping.
func (p *parser) varPairs(n *yaml.Node, field, what string) []pair {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, field, "must be a mapping of NAME: %s, got %s", what, kindOf(n))
		return nil
	}
	var out []pair
	for _, kv := range p.pairs(n, field) {
		if varNameRE().MatchString(kv.key) {
			out = append(out, kv)
			continue
		}
		why := "use letters, digits and '_', not starting with a digit"
		switch {
		case kv.key == "":
			why = "a name cannot be empty"
		case strings.ContainsAny(kv.key, "=\x00"):
			why = "a name cannot contain '=' or NUL"
		}
		p.add(kv.k.Line, field, "invalid variable name %s: %s", quoteKey(kv), why)
	}
	return out
}

func (p *parser) env(n *yaml.Node, field string, prof *Profile, lines map[string]int) {
	for _, kv := range p.varPairs(n, field, "value") {
		f := field + "." + kv.key
		v := resolve(kv.v)
		switch {
		case isNull(v):
			p.add(v.Line, f, "missing value; write %s: \"\" for an empty value", kv.key)
			continue
		case v.Kind != yaml.ScalarNode:
			p.add(v.Line, f, "must be a plain value (string, number or boolean), got %s", p.describe(v))
			continue
		}
		lines[kv.key] = kv.k.Line
		prof.Env = append(prof.Env, EnvVar{Name: kv.key, Value: v.Value, Line: kv.k.Line})
	}
}

func (p *parser) secrets(n *yaml.Node, field string, prof *Profile) {
	for _, kv := range p.varPairs(n, field, "reference") {
		if s, ok := p.secret(kv.key, kv.k, kv.v, field+"."+kv.key); ok {
			prof.Secrets = append(prof.Secrets, s)
		}
	}
}

func (p *parser) secret(name string, k, v *yaml.Node, field string) (SecretSpec, bool) {
	s := SecretSpec{Name: name, Line: k.Line}
	v = resolve(v)
	switch {
	case isNull(v):
		p.add(v.Line, field, "missing reference, such as vault://secret/app#key")
		return s, false
	case v.Kind == yaml.ScalarNode:
		ref, ok := p.ref(v, field)
		s.Ref = ref
		return s, ok
	case v.Kind != yaml.MappingNode:
		p.add(v.Line, field, "must be a reference or a mapping with ref, optional, as, mask, validate, owner, rotate_every; got %s", p.describe(v))
		return s, false
	}
	ok, hasRef := true, false
	p.fields(v, field, secretFields, false, func(key string, k, val *yaml.Node) {
		f := field + "." + key
		switch key {
		case "ref":
			hasRef = true
			ref, good := p.ref(resolve(val), f)
			s.Ref = ref
			ok = ok && good
		case "optional":
			b, good := p.bool(val, f)
			s.Optional = b
			ok = ok && good
		case "as":
			str, good := p.str(val, f)
			switch {
			case !good:
				ok = false
			case str == "" || str == "env":
				s.As = ""
			case str == AsFile || str == AsNone:
				s.As = str
			default:
				p.add(resolve(val).Line, f, "must be env, file or none, got %q%s", str, didYouMean(str, []string{"env", "file", "none"}))
				ok = false
			}
		case "mask":
			b, good := p.bool(val, f)
			if good {
				s.Mask = &b
			}
			ok = ok && good
		case "validate":
			rules, good := p.validation(val, f)
			s.Validate = rules
			ok = ok && good
		case "owner":
			str, good := p.str(val, f)
			if good && strings.TrimSpace(str) == "" {
				p.add(resolve(val).Line, f, "must not be empty; name a team or an email")
				good = false
			}
			s.Owner = strings.TrimSpace(str)
			ok = ok && good
		case "rotate_every":
			d, good := p.rotation(val, f)
			s.RotateEvery = d
			ok = ok && good
		}
	})
	if !hasRef {
		p.add(v.Line, field, "missing ref")
		ok = false
	}
	return s, ok
}

// ref checks that n is a non-empty string and returns it.
func (p *parser) ref(n *yaml.Node, field string) (string, bool) {
	if isNull(n) || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		p.add(n.Line, field, "reference must be a string such as vault://secret/app#key, got %s", p.describe(n))
		return "", false
	}
	if strings.TrimSpace(n.Value) == "" {
		p.add(n.Line, field, "reference must not be empty")
		return "", false
	}
	return n.Value, true
}

func (p *parser) inherit(n *yaml.Node, field string, prof *Profile) {
	n = resolve(n)
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		switch n.Value {
		case "all":
			prof.Inherit = Inherit{Mode: InheritAll}
		case "none":
			prof.Inherit = Inherit{Mode: InheritNone}
		default:
			p.add(n.Line, field, "must be all, none or a list of names, got %q%s", n.Value, didYouMean(n.Value, []string{"all", "none"}))
		}
	case n.Kind == yaml.SequenceNode:
		in := Inherit{Mode: InheritList, Patterns: []string{}}
		for _, e := range p.stringList(n, field) {
			if ok, why := validPattern(e.s); !ok {
				p.add(e.line, field, "%q: %s", e.s, why)
				continue
			}
			in.Patterns = append(in.Patterns, e.s)
		}
		prof.Inherit = in
	default:
		p.add(n.Line, field, "must be all, none or a list of names, got %s", p.describe(n))
	}
}

func (p *parser) grace(n *yaml.Node, field string, prof *Profile) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.add(n.Line, field, "must be a duration such as \"10s\", got %s", p.describe(n))
		return
	}
	if t := n.ShortTag(); t == "!!int" || t == "!!float" {
		p.add(n.Line, field, "missing unit in %q; write a duration such as \"%ss\"", n.Value, n.Value)
		return
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		p.add(n.Line, field, "invalid duration %q; write a duration such as \"10s\" or \"1m30s\"", n.Value)
		return
	}
	if d <= 0 {
		p.add(n.Line, field, "must be positive, got %q", n.Value)
		return
	}
	prof.Grace = d
}

// checkReferences validates what refers to profiles: default_profile, extends (unknown parents
// and cycles).
func (p *parser) checkReferences(cfg *Config) {
	names := cfg.ProfileNames()
	if cfg.DefaultProfile != "" && cfg.Profiles[cfg.DefaultProfile] == nil {
		p.add(p.defaultLine, "default_profile", "%s", unknownProfileMsg(cfg.DefaultProfile, names))
	}
	p.checkProtected(cfg)
	for _, name := range names {
		prof := cfg.Profiles[name]
		lines := p.extendsLines[name]
		for i, parent := range prof.Extends {
			if cfg.Profiles[parent] == nil {
				line := prof.Line
				if i < len(lines) {
					line = lines[i]
				}
				p.add(line, "profiles."+name+".extends", "%s", unknownProfileMsg(parent, names))
			}
		}
	}
	reported := map[string]bool{}
	for _, name := range names {
		chain := findCycle(cfg, name)
		if chain == nil {
			continue
		}
		members := append([]string(nil), chain[:len(chain)-1]...)
		sort.Strings(members)
		key := strings.Join(members, "\x00")
		if reported[key] {
			continue
		}
		reported[key] = true
		start := chain[0]
		line := cfg.Profiles[start].Line
		if l := p.extendsLines[start]; len(l) > 0 {
			line = l[0]
		}
		p.add(line, "profiles."+start+".extends", "extends cycle: %s", strings.Join(chain, " -> "))
	}
}

// unknownProfileMsg says that a profile does not exist, with a suggestion and the list.
func unknownProfileMsg(name string, names []string) string {
	msg := fmt.Sprintf("unknown profile %q%s", name, didYouMean(name, names))
	if len(names) == 0 {
		return msg + " (no profiles are defined)"
	}
	return msg + " (profiles: " + strings.Join(names, ", ") + ")"
}

// fields walks the mapping n, calling handle for each known key, and reports unknown keys
// (with a suggestion) and duplicate keys. A null n is an empty mapping. With ext, keys that
// start with "x-" are ignored (a place for YAML anchors).
func (p *parser) fields(n *yaml.Node, path string, known []string, ext bool, handle func(key string, k, v *yaml.Node)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		if path == "" {
			p.add(n.Line, path, "the file must be a mapping of fields such as version and profiles, got %s", kindOf(n))
		} else {
			p.add(n.Line, path, "must be a mapping of fields, got %s", kindOf(n))
		}
		return
	}
	for _, kv := range p.pairs(n, path) {
		if ext && strings.HasPrefix(kv.key, "x-") {
			continue
		}
		if !contains(known, kv.key) {
			p.add(kv.k.Line, path, "unknown field %s%s", quoteKey(kv), didYouMean(kv.key, known))
			continue
		}
		handle(kv.key, kv.k, kv.v)
	}
}

type pair struct {
	key  string
	k, v *yaml.Node
}

// quoteKey quotes a mapping key for a message, except a key without a value: that is the shape
// a value written on its own takes in YAML (`{address: x, hvs.CAES...}`, `DB_PASS=hunter2:`),
// so it may be a credential, and the message says what it is instead.
func quoteKey(kv pair) string {
	if isNull(resolve(kv.v)) {
		return "(a key without a value, not shown)"
	}
	return strconv.Quote(kv.key)
}

// pairs returns the key/value pairs of the mapping n in order, expanding YAML merge keys
// ("<<: *anchor"; explicit keys win) and reporting non-scalar and duplicate keys.
func (p *parser) pairs(n *yaml.Node, path string) []pair {
	explicit := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if isMergeKey(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.add(k.Line, path, "keys must be plain strings, got %s", p.describe(k))
			continue
		}
		if first, dup := explicit[k.Value]; dup {
			f := path
			if f != "" {
				f += "."
			}
			p.add(k.Line, f+k.Value, "duplicate key %q (first at line %d)", k.Value, first)
			continue
		}
		explicit[k.Value] = k.Line
	}
	var out []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if isMergeKey(k) {
			v = resolve(v)
			maps := []*yaml.Node{v} // anything but a list is checked as one mapping
			if v.Kind == yaml.SequenceNode {
				maps = nil
				for _, m := range v.Content {
					maps = append(maps, resolve(m))
				}
			}
			for _, m := range maps {
				if m.Kind != yaml.MappingNode {
					p.add(m.Line, path, "a merge key (<<) needs a mapping or a list of mappings, got %s", kindOf(m))
					continue
				}
				for _, kv := range p.pairs(m, path) {
					if _, ok := explicit[kv.key]; ok || seen[kv.key] {
						continue
					}
					seen[kv.key] = true
					out = append(out, kv)
				}
			}
			continue
		}
		if k.Kind != yaml.ScalarNode || seen[k.Value] {
			continue
		}
		seen[k.Value] = true
		out = append(out, pair{key: k.Value, k: k, v: v})
	}
	return out
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// kindOf names the kind of node n is, never its value: "a mapping", "a string", "a number"...
// It serves the messages about a node of the wrong shape, since a scalar where a mapping
// belongs is as likely a pasted value (a dotenv file given as the config) as a mistake.
func kindOf(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case isNull(n):
		return "nothing (null)"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a string"
}

// describe names what a node holds, for "got ..." messages where a scalar belongs. Scalars are
// shown (the value helps: "got \"yes\""), except under `secrets` and `providers` (p.quiet),
// where a mistyped value could be a credential pasted in the wrong place.
func (p *parser) describe(n *yaml.Node) string {
	n = resolve(n)
	if p.quiet || isNull(n) || n.Kind != yaml.ScalarNode {
		return kindOf(n)
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	case "!!str":
		return strconv.Quote(n.Value)
	}
	return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
}

// str returns a scalar's text; numbers and booleans are taken as written.
func (p *parser) str(n *yaml.Node, field string) (string, bool) {
	n = resolve(n)
	if isNull(n) || n.Kind != yaml.ScalarNode {
		p.add(n.Line, field, "must be a string, got %s", p.describe(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) int(n *yaml.Node, field string) (int, bool) {
	n = resolve(n)
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		p.add(n.Line, field, "must be an integer, got %s", p.describe(n))
		return 0, false
	}
	return i, true
}

func (p *parser) bool(n *yaml.Node, field string) (bool, bool) {
	n = resolve(n)
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		p.add(n.Line, field, "must be true or false, got %s", p.describe(n))
		return false, false
	}
	return b, true
}

type lineString struct {
	s    string
	line int
}

// stringList accepts a single string or a list of strings.
func (p *parser) stringList(n *yaml.Node, field string) []lineString {
	n = resolve(n)
	switch {
	case isNull(n):
		return nil
	case n.Kind == yaml.ScalarNode:
		return []lineString{{n.Value, n.Line}}
	case n.Kind == yaml.SequenceNode:
		out := []lineString{}
		for _, e := range n.Content {
			e = resolve(e)
			if isNull(e) || e.Kind != yaml.ScalarNode {
				p.add(e.Line, field, "list entries must be strings, got %s", p.describe(e))
				continue
			}
			out = append(out, lineString{e.Value, e.Line})
		}
		return out
	}
	p.add(n.Line, field, "must be a string or a list of strings, got %s", p.describe(n))
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// describeOSError shortens file-system errors for messages that already name the file.
func describeOSError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
