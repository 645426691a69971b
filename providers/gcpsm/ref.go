package gcpsm

import (
	"fmt"
	"strings"

	"github.com/secretrun/secretrun/providers"
)

// name is a parsed gcpsm path. Project is "" when the ref named the secret alone and the
// configured project applies.
type name struct {
	Project string
	Secret  string
	Version string // never "": "latest" by default
}

// resource returns the full version resource name, with project standing in for an empty
// Project.
func (n name) resource(project string) string {
	if n.Project != "" {
		project = n.Project
	}
	return "projects/" + project + "/secrets/" + n.Secret + "/versions/" + n.Version
}

var (
	// Secret IDs: letters, digits, '_' and '-', at most 255 (the API's own rule).
	secretRE = lazyRegexp(`^[A-Za-z0-9_-]{1,255}$`)
	// Project IDs (lower-case letters, digits, '-', legacy "domain.com:id") or project numbers.
	projectRE = lazyRegexp(`^[a-z0-9][a-z0-9.:-]{0,99}$`)
	// Versions: "latest", a version number, or a version alias.
	versionRE = lazyRegexp(`^[A-Za-z0-9_-]{1,63}$`)
)

const refForms = "want gcpsm://projects/PROJECT/secrets/SECRET[/versions/VERSION] or gcpsm://SECRET[/versions/VERSION]"

// parseName checks a ref's path and options without I/O.
func parseName(ref providers.Ref) (name, error) {
	if ref.Scheme != Scheme {
		return name{}, fmt.Errorf("%w: scheme %q is not %s", providers.ErrInvalidRef, ref.Scheme, Scheme)
	}
	if ref.Query != "" {
		return name{}, providers.WithHint(
			fmt.Errorf("%w: gcpsm references take no ?options (got ?%s)", providers.ErrInvalidRef, ref.Query),
			"name a version in the path: gcpsm://SECRET/versions/3 (the default is latest)")
	}
	seg := strings.Split(ref.Path, "/")
	var n name
	switch {
	case len(seg) >= 4 && seg[0] == "projects" && seg[2] == "locations":
		return name{}, providers.WithHint(
			fmt.Errorf("%w: regional secrets (projects/P/locations/L/...) are not supported", providers.ErrInvalidRef),
			"use a global secret: %s", refForms)
	case (len(seg) == 4 || len(seg) == 6) && seg[0] == "projects" && seg[2] == "secrets":
		n.Project, n.Secret = seg[1], seg[3]
		if len(seg) == 6 {
			if seg[4] != "versions" {
				return name{}, fmt.Errorf("%w: %q: %s", providers.ErrInvalidRef, ref.Path, refForms)
			}
			n.Version = seg[5]
		}
		if !projectRE().MatchString(n.Project) {
			return name{}, fmt.Errorf("%w: %q is not a project ID or number", providers.ErrInvalidRef, n.Project)
		}
	case len(seg) == 1:
		n.Secret = seg[0]
	case len(seg) == 3 && seg[1] == "versions":
		n.Secret, n.Version = seg[0], seg[2]
	default:
		return name{}, fmt.Errorf("%w: %q: %s", providers.ErrInvalidRef, ref.Path, refForms)
	}
	if !secretRE().MatchString(n.Secret) {
		return name{}, fmt.Errorf("%w: %q is not a secret ID (letters, digits, '_' and '-', at most 255)", providers.ErrInvalidRef, n.Secret)
	}
	if n.Version == "" {
		if len(seg) == 3 || len(seg) == 6 {
			return name{}, fmt.Errorf("%w: %q: empty version", providers.ErrInvalidRef, ref.Path)
		}
		n.Version = "latest"
	}
	if !versionRE().MatchString(n.Version) || strings.Trim(n.Version, "0") == "" {
		return name{}, fmt.Errorf("%w: %q is not a version (latest, a version number from 1, or an alias)", providers.ErrInvalidRef, n.Version)
	}
	return n, nil
}

// versionOf returns the last segment of a returned version resource name
// (projects/NUMBER/secrets/S/versions/V), or "" when name does not have that shape. The project
// part is never compared with the configured project: real names carry the project number.
func versionOf(resource string) string {
	seg := strings.Split(resource, "/")
	if len(seg) != 6 || seg[0] != "projects" || seg[2] != "secrets" || seg[4] != "versions" || seg[5] == "" {
		return ""
	}
	return seg[5]
}
