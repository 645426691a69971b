package azkv

import (
	"strings"

	"github.com/secretrun/secretrun/providers"
)

// Pinned reports whether ref names a version id (azkv://VAULT/SECRET/VERSION), which never
// changes (providers.Pinner).
func (p *Provider) Pinned(ref providers.Ref) bool {
	segs := strings.Split(ref.Path, "/")
	return ref.Scheme == Scheme && len(segs) == 3 && validVersion(segs[2])
}
