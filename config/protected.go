package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// schemeNameRE is the shape of a reference scheme, for allow_sources under a Schema that
// lists no schemes.
var schemeNameRE = lazyRegexp(`^[a-z][a-z0-9+.-]*$`)

// implicitProtectedMsg refuses to choose the protected profile name without it being named; how
// says how it would have been chosen (see docs/config.md, "Protected profiles").
func implicitProtectedMsg(name, how string) string {
	return fmt.Sprintf("profile %q is protected and is never used implicitly (%s); name it with -p %s (or SECRETRUN_PROFILE=%s)", name, how, name, name)
}

// allowSources parses a profile's `allow_sources`: a scheme or a list of schemes, each one
// of the schema's (the stores secretrun is built with), at least one. Under a Schema that lists
// no schemes, any scheme-shaped name is accepted.
func (p *parser) allowSources(n *yaml.Node, field string, prof *Profile) {
	list := p.stringList(n, field)
	if list == nil && !isNull(resolve(n)) {
		return // reported by stringList
	}
	prof.AllowSources = []string{}
	for _, e := range list {
		s := strings.TrimSuffix(e.s, "://")
		if known := p.schema.Schemes; known != nil && !contains(known, s) {
			p.add(e.line, field, "unknown scheme %q%s (known: %s)", e.s, didYouMean(s, known), strings.Join(known, ", "))
			continue
		}
		if !schemeNameRE().MatchString(s) {
			p.add(e.line, field, "%q is not a scheme name, such as vault or awssm", e.s)
			continue
		}
		if !contains(prof.AllowSources, s) {
			prof.AllowSources = append(prof.AllowSources, s)
		}
	}
	if len(list) == 0 {
		p.add(resolve(n).Line, field, "must list at least one scheme, such as [vault, awssm]")
	}
}

// checkProtected reports what would use a protected profile implicitly: a default_profile that
// names one, and an unprotected profile that extends one (directly; a chain is reported at its
// first unprotected link).
func (p *parser) checkProtected(cfg *Config) {
	if d := cfg.Profiles[cfg.DefaultProfile]; d != nil && d.Protected {
		p.add(p.defaultLine, "default_profile", "profile %q is protected and cannot be the default; remove default_profile (or name an unprotected profile) and select %s with -p %s or SECRETRUN_PROFILE=%s",
			cfg.DefaultProfile, cfg.DefaultProfile, cfg.DefaultProfile, cfg.DefaultProfile)
	}
	for _, name := range cfg.ProfileNames() {
		prof := cfg.Profiles[name]
		if prof.Protected {
			continue
		}
		lines := p.extendsLines[name]
		for i, parent := range prof.Extends {
			if pp := cfg.Profiles[parent]; pp == nil || !pp.Protected {
				continue
			}
			line := prof.Line
			if i < len(lines) {
				line = lines[i]
			}
			p.add(line, "profiles."+name+".extends", "profile %q is protected, and %s is not: %s would use %s's secrets without confirmation; mark %s protected: true too, or do not extend %s",
				parent, name, name, parent, name, parent)
		}
	}
}

// checkAllowSources reports every secret of a profile (with its extends layers applied) whose
// reference uses a scheme the profile's allow_sources does not list. It runs once the file has
// no other error, so that extends resolves.
func (p *parser) checkAllowSources(cfg *Config) {
	for _, name := range cfg.ProfileNames() {
		prof, err := cfg.Profile(name)
		if err != nil || prof.AllowSources == nil {
			continue
		}
		for _, s := range prof.Secrets {
			scheme := RefScheme(s.Ref)
			if scheme == "" || contains(prof.AllowSources, scheme) {
				continue
			}
			p.add(s.Line, "profiles."+name+".secrets."+s.Name, "%s uses %s://, which allow_sources of profile %s does not allow (allowed: %s)",
				s.Name, scheme, name, strings.Join(prof.AllowSources, ", "))
		}
		for _, im := range prof.Imports {
			if scheme := RefScheme(im.From); scheme != "" && !contains(prof.AllowSources, scheme) {
				p.add(im.Line, "profiles."+name+".import", "this import uses %s://, which allow_sources of profile %s does not allow (allowed: %s)",
					scheme, name, strings.Join(prof.AllowSources, ", "))
			}
		}
	}
}

// RefScheme returns the scheme of a reference ("vault" for "vault://secret/app#k"), or "" when
// ref has none.
func RefScheme(ref string) string {
	scheme, _, ok := strings.Cut(ref, "://")
	if !ok {
		return ""
	}
	return scheme
}

// AllowsScheme reports whether the profile may fetch a reference of scheme: always when it sets
// no allow_sources. It is nil-safe.
func (prof *Profile) AllowsScheme(scheme string) bool {
	return prof == nil || prof.AllowSources == nil || contains(prof.AllowSources, scheme)
}
