package watch

import (
	"crypto/sha256"

	"github.com/secretrun/secretrun/providers"
)

// state is what a Watcher remembers of the value a child has: its version and a sha256 of it.
// The value itself is not kept.
type state struct {
	version string
	sum     [sha256.Size]byte
	leased  bool
	// missing is true while the store says the secret is gone (it keeps its last value).
	missing bool
}

func stateOf(s providers.Secret) state {
	return state{version: s.Version, sum: sha256.Sum256([]byte(s.Reveal())), leased: s.Leased}
}

// stale reports whether a store's current version differs from the one the child has, so that
// the value must be fetched: always when either is unknown ("").
func (st *state) stale(version string) bool {
	return version == "" || st.version == "" || version != st.version
}

// update records s, fetched by a check, and reports whether its value differs from the one the
// child has. A new version with the same value (another #key of the same document changed, a
// store that re-issued the value) is recorded without being a change.
func (st *state) update(s providers.Secret) bool {
	next := stateOf(s)
	changed := next.sum != st.sum
	*st = next
	return changed
}
