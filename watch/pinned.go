package watch

import "github.com/secretrun/secretrun/providers"

// pinned reports whether it names one version of a secret, which never changes and is not
// watched: its provider says so (providers.Pinner), as for `vault://…?version=N`.
func pinned(it Item) bool {
	p, ok := it.Provider.(providers.Pinner)
	return ok && p.Pinned(it.Ref)
}
