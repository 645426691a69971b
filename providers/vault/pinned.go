package vault

import "github.com/secretrun/secretrun/providers"

// Pinned reports whether ref names one KV v2 version (?version=N), which never changes
// (providers.Pinner).
func (p *Provider) Pinned(ref providers.Ref) bool {
	return ref.Option("version") != ""
}
