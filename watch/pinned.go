package watch

import (
	"strings"

	"github.com/secretrun/secretrun/providers"
)

// Pinned reports whether ref names one fixed version of a secret, which never changes and is
// not watched: `vault://…?version=N`, `awssm://…?version_id=…` (a version stage such as
// AWSCURRENT moves, so it is watched), `gcpsm://projects/P/secrets/S/versions/N` with a number
// (`latest` and aliases move), and `azkv://VAULT/SECRET/VERSION`.
func Pinned(ref providers.Ref) bool {
	switch ref.Scheme {
	case "vault":
		return ref.Option("version") != ""
	case "awssm":
		return ref.Option("version_id") != ""
	case "gcpsm":
		_, v, ok := strings.Cut(ref.Path, "/versions/")
		return ok && v != "" && strings.Trim(v, "0123456789") == ""
	case "azkv":
		return strings.Count(strings.Trim(ref.Path, "/"), "/") >= 2
	}
	return false
}
