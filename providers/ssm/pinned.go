package ssm

import "github.com/secretrun/secretrun/providers"

// Pinned reports whether ref names one version of a parameter (?version=N), which never changes
// (providers.Pinner). A ?label= follows its label, which can be moved to another version.
func (p *Provider) Pinned(ref providers.Ref) bool {
	t, err := parseRef(ref)
	return err == nil && t.version > 0
}
