package config

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// ProfileNames returns the names of the profiles, sorted. It is nil-safe.
func (c *Config) ProfileNames() []string {
	if c == nil {
		return nil
	}
	names := make([]string, 0, len(c.Profiles))
	for name := range c.Profiles {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Profile returns the named profile with `extends` applied, as a new value the caller may
// change. An empty name selects default_profile; without one, the only profile when there is
// exactly one, and an empty profile when there are none. Several profiles and no default is an
// error that lists them. An unknown name is an *Error with a suggestion and the list of
// profiles.
//
// Merging: parents are applied in the order listed, each fully resolved, then the profile
// itself; later ones win. env and secrets merge by variable name (an entry keeps the position
// where the name first appeared; a name set in env by a later layer leaves secrets, and the
// other way round); deny is the union; inherit, clobber and grace come from the last layer that
// sets them, and so does allow_sources; each field of watch comes from the last layer that sets it. protected is the profile's own: it is not inherited.
// A protected profile is never chosen for an empty name (docs/config.md, "Protected profiles").
//
// Profile is nil-safe: on a nil *Config (no configuration file) it returns an empty profile for
// "" and an error for any other name.
func (c *Config) Profile(name string) (*Profile, error) {
	file := ""
	if c != nil {
		file = c.Path
	}
	names := c.ProfileNames()
	if name == "" {
		switch {
		case c != nil && c.DefaultProfile != "":
			name = c.DefaultProfile
			if p := c.Profiles[name]; p != nil && p.Protected {
				return nil, &Error{File: file, Msg: implicitProtectedMsg(name, "default_profile")}
			}
		case len(names) == 1:
			name = names[0]
			if c.Profiles[name].Protected {
				return nil, &Error{File: file, Msg: implicitProtectedMsg(name, "it is the only profile")}
			}
		case len(names) == 0:
			return &Profile{}, nil
		default:
			return nil, &Error{File: file, Msg: fmt.Sprintf("no profile selected and no default_profile set; choose one with -p (profiles: %s)", strings.Join(names, ", "))}
		}
	}
	if c == nil {
		return nil, &Error{Msg: fmt.Sprintf("unknown profile %q: no configuration file was found", name)}
	}
	if c.Profiles[name] == nil {
		return nil, &Error{File: file, Msg: unknownProfileMsg(name, names)}
	}
	if chain := findCycle(c, name); chain != nil {
		return nil, &Error{File: file, Line: c.Profiles[chain[0]].Line, Field: "profiles." + chain[0] + ".extends",
			Msg: "extends cycle: " + strings.Join(chain, " -> ")}
	}
	m := newMerger()
	if err := m.apply(c, name); err != nil {
		return nil, err
	}
	own := c.Profiles[name]
	out := m.profile()
	out.Name = name
	out.Line = own.Line
	out.Extends = append([]string(nil), own.Extends...)
	out.Protected = own.Protected
	return out, nil
}

// findCycle returns the extends chain that leads from start back to a profile already on the
// path, such as [a b c a], or nil. Unknown parents are skipped (Parse reports them).
func findCycle(c *Config, start string) []string {
	var stack []string
	onStack := map[string]bool{}
	done := map[string]bool{}
	var visit func(name string) []string
	visit = func(name string) []string {
		if onStack[name] {
			i := 0
			for stack[i] != name {
				i++
			}
			return append(append([]string(nil), stack[i:]...), name)
		}
		if done[name] || c.Profiles[name] == nil {
			return nil
		}
		stack = append(stack, name)
		onStack[name] = true
		for _, parent := range c.Profiles[name].Extends {
			if chain := visit(parent); chain != nil {
				return chain
			}
		}
		stack = stack[:len(stack)-1]
		onStack[name] = false
		done[name] = true
		return nil
	}
	return visit(start)
}

// merger accumulates layers of profiles, later layers winning.
type merger struct {
	env     []EnvVar
	secrets []SecretSpec
	deny    []string
	inherit Inherit
	clobber *bool
	grace   time.Duration
	ciMasks *bool
	files   []FileSpec
	allow   []string
	fb      *Fallback
	watch   *Watch
	imports []Import
}

func newMerger() *merger { return &merger{} }

// apply merges the named profile's parents (recursively) and then the profile itself.
// The caller has checked for cycles.
func (m *merger) apply(c *Config, name string) error {
	p := c.Profiles[name]
	if p == nil {
		return &Error{File: c.Path, Msg: unknownProfileMsg(name, c.ProfileNames())}
	}
	for _, parent := range p.Extends {
		if err := m.apply(c, parent); err != nil {
			return err
		}
	}
	m.layer(p)
	return nil
}

func (m *merger) layer(p *Profile) {
	for _, e := range p.Env {
		m.secrets = removeSecret(m.secrets, e.Name)
		if i := indexEnv(m.env, e.Name); i >= 0 {
			m.env[i] = e
		} else {
			m.env = append(m.env, e)
		}
	}
	for _, s := range p.Secrets {
		m.env = removeEnv(m.env, s.Name)
		if i := indexSecret(m.secrets, s.Name); i >= 0 {
			m.secrets[i] = s
		} else {
			m.secrets = append(m.secrets, s)
		}
	}
	for _, d := range p.Deny {
		if !contains(m.deny, d) {
			m.deny = append(m.deny, d)
		}
	}
	if p.Inherit.IsSet() {
		m.inherit = p.Inherit
	}
	if p.Clobber != nil {
		b := *p.Clobber
		m.clobber = &b
	}
	if p.Grace > 0 {
		m.grace = p.Grace
	}
	if p.CIMasks != nil {
		b := *p.CIMasks
		m.ciMasks = &b
	}
	if p.Fallback != nil {
		m.fb = p.Fallback
	}
	if p.Watch != nil {
		if m.watch == nil {
			m.watch = &Watch{}
		}
		m.watch.merge(p.Watch)
	}
	if p.AllowSources != nil {
		m.allow = append([]string{}, p.AllowSources...)
	}
	m.imports = mergeImports(m.imports, p.Imports)
	for _, f := range p.Files {
		replaced := false
		for i := range m.files {
			if m.files[i].Name == f.Name {
				m.files[i], replaced = f, true
			}
		}
		if !replaced {
			m.files = append(m.files, f)
		}
	}
}

func (m *merger) profile() *Profile {
	out := &Profile{
		Env:     append([]EnvVar(nil), m.env...),
		Secrets: make([]SecretSpec, len(m.secrets)),
		Deny:    append([]string(nil), m.deny...),
		Inherit: Inherit{Mode: m.inherit.Mode, Patterns: append([]string(nil), m.inherit.Patterns...)},
		Clobber: m.clobber,
		Grace:   m.grace,
		CIMasks: m.ciMasks,
		Files:   append([]FileSpec(nil), m.files...),
		Imports: append([]Import(nil), m.imports...),
	}
	out.Fallback = m.fb
	if m.watch != nil {
		w := *m.watch
		out.Watch = &w
	}
	if m.allow != nil {
		out.AllowSources = append([]string{}, m.allow...)
	}
	for i, s := range m.secrets {
		if s.Mask != nil {
			b := *s.Mask
			s.Mask = &b
		}
		out.Secrets[i] = s
	}
	return out
}

func indexEnv(env []EnvVar, name string) int {
	for i, e := range env {
		if e.Name == name {
			return i
		}
	}
	return -1
}

func indexSecret(secrets []SecretSpec, name string) int {
	for i, s := range secrets {
		if s.Name == name {
			return i
		}
	}
	return -1
}

func removeEnv(env []EnvVar, name string) []EnvVar {
	if i := indexEnv(env, name); i >= 0 {
		return append(env[:i:i], env[i+1:]...)
	}
	return env
}

func removeSecret(secrets []SecretSpec, name string) []SecretSpec {
	if i := indexSecret(secrets, name); i >= 0 {
		return append(secrets[:i:i], secrets[i+1:]...)
	}
	return secrets
}
