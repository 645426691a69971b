package config

import (
	"fmt"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// File formats of a profile's `files` entries.
const (
	FileDotenv   = "dotenv"
	FileJSON     = "json"
	FileYAML     = "yaml"
	FileTemplate = "template"
)

// FileFormats lists the values accepted in `files.NAME.format`.
var FileFormats = []string{FileDotenv, FileJSON, FileYAML, FileTemplate}

// AsNone is the SecretSpec.As value for a secret that is fetched (and masked) but not set in the
// child's environment: a secret only a whole-profile file uses.
const AsNone = "none"

// FileSpec is one entry of a profile's `files`: several variables rendered into one private
// file whose path the child gets in the variable Name (like `as: file`, for programs that read a
// configuration file rather than the environment).
type FileSpec struct {
	// Name is the variable that holds the file's path.
	Name string
	// Format is FileDotenv, FileJSON, FileYAML or FileTemplate.
	Format string
	// Template is the text/template source for FileTemplate (`template`), with `secret "NAME"`.
	Template string
	// Include names the profile's variables (env or secrets) that go in the file, in order
	// (`include`); nil means every variable of the profile, env first, then secrets.
	Include []string
	// Line is the entry's line in the file; IncludeLines the line of each Include entry.
	Line         int
	IncludeLines []int
}

var fileFields = []string{"format", "template", "include"}

// files parses a profile's `files` mapping.
func (p *parser) files(n *yaml.Node, field string, prof *Profile) {
	for _, kv := range p.varPairs(n, field, "file settings") {
		f := field + "." + kv.key
		spec := FileSpec{Name: kv.key, Line: kv.k.Line}
		v := resolve(kv.v)
		if v.Kind != yaml.MappingNode {
			p.add(v.Line, f, "must be a mapping with format, include, template; got %s", kindOf(v))
			continue
		}
		ok := true
		var tmplNode *yaml.Node
		p.fields(v, f, fileFields, false, func(key string, k, val *yaml.Node) {
			switch key {
			case "format":
				s, good := p.str(val, f+".format")
				switch {
				case !good:
					ok = false
				case !contains(FileFormats, s):
					p.add(resolve(val).Line, f+".format", "must be one of %s, got %q%s", strings.Join(FileFormats, ", "), s, didYouMean(s, FileFormats))
					ok = false
				default:
					spec.Format = s
				}
			case "template":
				s, good := p.str(val, f+".template")
				ok = ok && good
				spec.Template = s
				tmplNode = resolve(val)
			case "include":
				spec.Include = []string{}
				for _, e := range p.stringList(val, f+".include") {
					if !varNameRE().MatchString(e.s) {
						p.add(e.line, f+".include", "invalid variable name %q", e.s)
						ok = false
						continue
					}
					spec.Include = append(spec.Include, e.s)
					spec.IncludeLines = append(spec.IncludeLines, e.line)
				}
			}
		})
		switch {
		case spec.Format == "" && ok:
			p.add(v.Line, f, "missing format (one of %s)", strings.Join(FileFormats, ", "))
			ok = false
		case spec.Format == FileTemplate && tmplNode == nil:
			p.add(v.Line, f, "format template needs a template")
			ok = false
		case spec.Format != FileTemplate && tmplNode != nil && spec.Format != "":
			p.add(tmplNode.Line, f+".template", "only format template takes a template (this file's format is %s)", spec.Format)
			ok = false
		case tmplNode != nil:
			if err := parseTemplate(f+".template", spec.Template); err != nil {
				p.add(tmplNode.Line, f+".template", "invalid template: %v", err)
				ok = false
			}
		}
		if ok {
			prof.Files = append(prof.Files, spec)
		}
	}
}

// checkFiles checks, on each profile with extends applied, that a file's name is not also an
// env or secrets variable and that every name it includes is one of the profile's variables.
// It runs only on a file without other errors (extends must resolve).
func (p *parser) checkFiles(cfg *Config) {
	for _, name := range cfg.ProfileNames() {
		prof, err := cfg.Profile(name)
		if err != nil || len(prof.Files) == 0 {
			continue
		}
		vars := map[string]bool{}
		for _, e := range prof.Env {
			vars[e.Name] = true
		}
		for _, s := range prof.Secrets {
			vars[s.Name] = true
		}
		own := cfg.Profiles[name]
		for _, f := range prof.Files {
			if !fileIn(own.Files, f.Name) {
				continue // reported on the profile that defines it
			}
			field := fmt.Sprintf("profiles.%s.files.%s", name, f.Name)
			if vars[f.Name] {
				p.add(f.Line, field, "%s is also set in env or secrets; a variable holds a value or a file's path, not both", f.Name)
			}
			for i, inc := range f.Include {
				if !vars[inc] {
					p.add(f.IncludeLines[i], field+".include", "%q is not a variable of profile %s%s", inc, name, didYouMean(inc, mapKeys(vars)))
				}
			}
		}
	}
}

// TemplateFuncs are the functions a file template may call besides text/template's own; the
// render package provides them (its FuncNames lists the same names, which a test checks).
var TemplateFuncs = []string{"secret", "json", "yaml", "shell", "dotenv"}

// parseTemplate checks a file template's syntax, with stand-ins for TemplateFuncs.
func parseTemplate(name, text string) error {
	funcs := template.FuncMap{}
	for _, f := range TemplateFuncs {
		funcs[f] = func(string) string { return "" }
	}
	_, err := template.New(name).Funcs(funcs).Parse(text)
	return err
}

func fileIn(files []FileSpec, name string) bool {
	for _, f := range files {
		if f.Name == name {
			return true
		}
	}
	return false
}

func mapKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
