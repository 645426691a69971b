package config

import "path"

// MatchAny reports whether name matches any of the path.Match patterns (a plain name matches
// only itself). Malformed patterns match nothing; Parse rejects them in files.
func MatchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if p == name {
			return true
		}
		if ok, err := path.Match(p, name); err == nil && ok {
			return true
		}
	}
	return false
}

// Allows reports whether a variable of secretrun's own environment named name may be inherited
// under this setting: every name for InheritUnset and InheritAll, the PristineKeep names for
// InheritNone, the matching names for InheritList (an empty list allows nothing). Deny patterns
// and secretrun's own variables are the caller's business; see (*Profile).Inherits.
func (in Inherit) Allows(name string) bool {
	switch in.Mode {
	case InheritNone:
		return MatchAny(PristineKeep, name)
	case InheritList:
		return MatchAny(in.Patterns, name)
	default:
		return true
	}
}

// Inherits reports whether the profile lets the child inherit the variable name: its inherit
// setting allows it and no deny pattern matches it.
func (p *Profile) Inherits(name string) bool {
	if p == nil {
		return true
	}
	return p.Inherit.Allows(name) && !MatchAny(p.Deny, name)
}

// validPattern reports whether p is a usable name or glob pattern for inherit and deny.
func validPattern(p string) (ok bool, why string) {
	if p == "" {
		return false, "empty pattern"
	}
	for _, r := range p {
		if r == '=' || r == 0 {
			return false, "a pattern cannot contain '=' or NUL"
		}
	}
	if _, err := path.Match(p, ""); err != nil {
		return false, "malformed pattern (see path.Match syntax: *, ?, [a-z])"
	}
	return true, ""
}
