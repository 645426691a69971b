package gcpsm

import "github.com/secretrun/secretrun/providers"

// Pinned reports whether ref names a version by its number (…/versions/7), which never changes
// (providers.Pinner). "latest" and aliases move.
func (p *Provider) Pinned(ref providers.Ref) bool {
	n, err := parseName(ref)
	return err == nil && isVersionNumber(n.Version)
}

func isVersionNumber(v string) bool {
	if v == "" {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
