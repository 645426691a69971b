package vault

import "github.com/secretrun/secretrun/providers"

// Pinned reports whether ref names one KV v2 version (?version=N, N > 0), which never changes
// (providers.Pinner). ?version=0 is Vault's "latest", which moves.
func (p *Provider) Pinned(ref providers.Ref) bool {
	v := ref.Option("version")
	return v != "" && v != "0"
}
