package config

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultFallbackMaxAge is a fallback snapshot's max_age when the profile does not set one.
const DefaultFallbackMaxAge = 24 * time.Hour

// Fallback is a profile's `fallback`: an encrypted snapshot of the last successful fetch, used
// only when the stores are unavailable (docs/fallback.md).
type Fallback struct {
	// Path is the snapshot file as written (`path`; `~/` is the home directory, a relative path
	// is relative to the configuration file); "" means the default under $XDG_CACHE_HOME.
	Path string
	// Identity is an env:// or file:// reference to an age identity (`identity`).
	Identity string
	// Passphrase is an env:// or file:// reference to a passphrase (`passphrase`).
	Passphrase string
	// MaxAge is how old a snapshot may be and still be used (`max_age`).
	MaxAge time.Duration
	// Line is the line of the `fallback` key.
	Line int
}

// KeyRef returns the identity or passphrase reference, whichever is set.
func (f *Fallback) KeyRef() string {
	if f.Identity != "" {
		return f.Identity
	}
	return f.Passphrase
}

var fallbackFields = []string{"path", "identity", "passphrase", "max_age"}

// fallback parses a profile's `fallback` mapping.
func (p *parser) fallback(k, n *yaml.Node, field string, prof *Profile) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, field, "must be a mapping with identity or passphrase, and optionally path and max_age; got %s", kindOf(n))
		return
	}
	fb := &Fallback{MaxAge: DefaultFallbackMaxAge, Line: k.Line}
	ok := true
	p.fields(n, field, fallbackFields, false, func(key string, _, v *yaml.Node) {
		f := field + "." + key
		switch key {
		case "max_age":
			var d Profile // the same rules and messages as grace: a positive duration with a unit
			if p.grace(v, f, &d); d.Grace == 0 {
				ok = false
			}
			fb.MaxAge = d.Grace
			return
		}
		s, good := p.str(v, f)
		if !good {
			ok = false
			return
		}
		switch key {
		case "path":
			if s == "" {
				p.add(resolve(v).Line, f, "must not be empty (leave it out for the default under $XDG_CACHE_HOME/secretrun)")
				ok = false
			}
			fb.Path = s
		case "identity", "passphrase":
			if !strings.HasPrefix(s, "env://") && !strings.HasPrefix(s, "file://") {
				p.add(resolve(v).Line, f, "must be an env:// or file:// reference (the fallback is for when remote stores are down)")
				ok = false
			}
			if key == "identity" {
				fb.Identity = s
			} else {
				fb.Passphrase = s
			}
		}
	})
	switch {
	case fb.Identity != "" && fb.Passphrase != "":
		p.add(n.Line, field, "set identity or passphrase, not both")
		ok = false
	case fb.Identity == "" && fb.Passphrase == "" && ok:
		p.add(n.Line, field, "missing identity (an age identity file, file://…) or passphrase (env://… or file://…)")
		ok = false
	}
	if ok {
		prof.Fallback = fb
	}
}
