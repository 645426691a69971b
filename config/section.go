package config

import (
	"reflect"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Section is one store's part of the `providers:` section (`providers.NAME`), kept as the file
// wrote it: the store's own package owns its settings type and decodes it with Decode. config
// knows no store's fields; Schema tells Parse which sections exist and how to check them, so
// that a mistake in any of them is reported with the rest of the file's problems.
type Section struct {
	// File is the configuration file as named in messages ("" for a section no file set).
	File string
	// Name is the section's key under `providers:`, such as "vault".
	Name string
	node *yaml.Node
}

// Field is the section's dotted path in messages: "providers.NAME".
func (s Section) Field() string { return "providers." + s.Name }

// Line is the line of the section's value in the file, 0 when the file has no such section.
func (s Section) Line() int {
	if n := resolve(s.node); n != nil {
		return n.Line
	}
	return 0
}

// Set reports whether the file has this section with a value (not absent, not null).
func (s Section) Set() bool { return !isNull(resolve(s.node)) }

// Decode decodes the section into v, a pointer to the store's settings struct, strictly: an
// unknown or duplicate field (with a suggestion), a value of the wrong type, and the error of
// a Validate method (see Validator) are each an *Error naming the file, the line and the field
// path (providers.NAME.FIELD), all returned joined in line order. Values are never quoted,
// since a value pasted in the wrong place may be a credential. Fields need only yaml tags;
// time.Duration, pointers, slices, maps and nested structs are understood. An absent or null
// section leaves v as it is and returns nil.
func (s Section) Decode(v any) error {
	if !s.Set() {
		return nil
	}
	p := &parser{errorList: errorList{file: s.File}, quiet: true}
	p.decodeStrict(s.node, reflect.ValueOf(v).Elem(), s.Field())
	return p.err()
}

// Errorf returns an *Error at the section's line and path, for problems a store finds beyond
// Decode's (its message must not quote values that could be credentials).
func (s Section) Errorf(format string, args ...any) error {
	l := errorList{file: s.File}
	l.add(s.Line(), s.Field(), format, args...)
	return l.errs[0]
}

// Providers is the `providers:` section: the Section of each store the file configures.
type Providers struct {
	file     string
	sections map[string]Section
}

// Section returns the section called name. A section the file does not have is returned
// empty: it decodes to the settings' zero value.
func (p Providers) Section(name string) Section {
	if s, ok := p.sections[name]; ok {
		return s
	}
	return Section{File: p.file, Name: name}
}

// Names returns the names of the sections the file has, sorted.
func (p Providers) Names() []string {
	out := make([]string, 0, len(p.sections))
	for name := range p.sections {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Schema is what the `providers:` section of a configuration may hold: for each section name,
// the function that checks it, normally by decoding it into the store's settings type with
// Section.Decode. providers/all builds the schema of the built-in stores, and the command line
// parses with it, so a typo in a provider's settings is reported with the file's other problems.
//
// The zero Schema knows no stores: Parse then accepts any section that is a mapping, unchecked
// (each store finds its own problems when it decodes its section), and any scheme-shaped name
// in allow_sources.
type Schema struct {
	// Sections maps each known section name to the function that checks it. A nil function
	// accepts the section unchecked.
	Sections map[string]func(Section) error
	// Schemes are the reference schemes of the stores, in the order messages list them: a
	// profile's allow_sources may name only these. Nil accepts any scheme-shaped name.
	Schemes []string
}

// Parse is the package-level Parse with this schema's sections known and checked.
func (s Schema) Parse(name string, data []byte) (*Config, error) {
	return parse(name, data, s)
}

// Load is the package-level Load with this schema's sections known and checked.
func (s Schema) Load(path, name string) (*Config, error) {
	data, err := readConfig(path, name)
	if err != nil {
		return nil, err
	}
	return s.Parse(name, data)
}

// names returns the known section names, sorted; nil when the schema knows none.
func (s Schema) names() []string {
	if s.Sections == nil {
		return nil
	}
	out := make([]string, 0, len(s.Sections))
	for name := range s.Sections {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// providers reads the `providers:` mapping into cfg.Providers: with a schema, an unknown section
// name is an error and each known section is checked by the schema's function; without one,
// every section that is a mapping is kept unchecked.
func (p *parser) providers(n *yaml.Node, cfg *Config) {
	cfg.Providers = Providers{file: p.file, sections: map[string]Section{}}
	known := p.schema.names()
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "providers", "must be a mapping of fields, got %s", kindOf(n))
		return
	}
	for _, kv := range p.pairs(n, "providers") {
		if known != nil && !contains(known, kv.key) {
			p.add(kv.k.Line, "providers", "unknown field %s%s", quoteKey(kv), didYouMean(kv.key, known))
			continue
		}
		sec := Section{File: p.file, Name: kv.key, node: kv.v}
		cfg.Providers.sections[kv.key] = sec
		if v := resolve(kv.v); !isNull(v) && v.Kind != yaml.MappingNode {
			p.add(v.Line, sec.Field(), "must be a mapping of fields, got %s", kindOf(v))
			continue
		}
		if check := p.schema.Sections[kv.key]; check != nil {
			p.addErr(sec, check(sec))
		}
	}
}

// addErr adds a section check's error: its *Error values as they are, anything else at the
// section's line.
func (p *parser) addErr(sec Section, err error) {
	if err == nil {
		return
	}
	errs := Errors(err)
	if len(errs) == 0 {
		p.add(sec.Line(), sec.Field(), "%s", err.Error())
		return
	}
	p.errs = append(p.errs, errs...)
}
