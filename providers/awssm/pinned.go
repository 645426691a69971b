package awssm

import "github.com/secretrun/secretrun/providers"

// Pinned reports whether ref names one version by its id (?version_id=), which never changes
// (providers.Pinner). A ?version_stage= ref follows its label, which rotation moves.
func (p *Provider) Pinned(ref providers.Ref) bool {
	t, err := parseRef(ref)
	return err == nil && t.version != ""
}
