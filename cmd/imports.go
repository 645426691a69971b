package cmd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
)

// planImport is one `import:` entry of the profile: what to import, and the name rules.
type planImport struct {
	req   inject.ImportRequest
	rules config.Import
	// names are the variables it produced, once resolved (for check); skipped: optional, found
	// nothing.
	names   []string
	skipped bool
}

// addImports adds the profile's `import:` entries to the plan and checks their references
// without I/O, so that a bad entry stops the run (exit 125) before anything is fetched.
func (a *app) addImports(p *plan) error {
	if p.profile == nil || len(p.profile.Imports) == 0 {
		return nil
	}
	resolver := &inject.Resolver{Registry: p.registry}
	var errs []error
	for _, im := range p.profile.Imports {
		pi := &planImport{rules: im, req: inject.ImportRequest{Ref: im.From, Recursive: im.Recursive, Optional: im.Optional,
			Origin: fmt.Sprintf("%s:%d", p.cfg.Path, im.Line)}}
		if _, err := resolver.CheckImport(pi.req); err != nil {
			errs = append(errs, err)
		}
		p.imports = append(p.imports, pi)
	}
	return errors.Join(errs...)
}

// runImports runs the plan's imports (concurrently with the other fetches: see resolve).
func (a *app) runImports(ctx context.Context, p *plan) ([]inject.ImportResult, error) {
	if len(p.imports) == 0 {
		return nil, nil
	}
	reqs := make([]inject.ImportRequest, len(p.imports))
	for i, pi := range p.imports {
		reqs[i] = pi.req
	}
	resolver := &inject.Resolver{Registry: p.registry, Timeout: a.opts.timeout}
	return resolver.Import(ctx, reqs)
}

// mergeImports turns what the imports found into requests and results, appended to the plan's
// and to results so that they go the way of every fetched secret: masked, validated, audited,
// listed by check, delivered to the child. Names come from each entry's rules. A variable the
// user named explicitly (the profile's env or secrets, an --env-file line, an inherited
// reference) wins over an imported one, said in a trace. Two imports (or two keys of one)
// giving the same name, a name that is still not a variable name, and a rename of a key the
// import did not find are errors naming both sources or the rule to add (exit 125).
func (a *app) mergeImports(p *plan, results []inject.Result, imps []inject.ImportResult) ([]inject.Result, error) {
	explicit := map[string]string{}
	for _, r := range p.requests {
		if _, ok := explicit[r.Name]; !ok {
			explicit[r.Name] = r.Origin
		}
	}
	for _, e := range p.env {
		if _, ok := explicit[e.Name]; !ok {
			explicit[e.Name] = "env"
		}
	}
	type source struct{ key, from string }
	owner := map[string]source{}
	var errs []error
	for i, res := range imps {
		pi := p.imports[i]
		if res.Err != nil {
			errs = append(errs, res.Err)
			continue
		}
		from := "import " + inject.DisplayRef(res.Ref, p.registry) + " (" + res.Origin + ")"
		if res.Skipped {
			pi.skipped = true
			a.ui().Tracef("%s: optional and found nothing; imports nothing", from)
			continue
		}
		fail := func(format string, args ...any) {
			errs = append(errs, &inject.ImportError{Ref: inject.DisplayRef(res.Ref, p.registry), Origin: res.Origin, Err: fmt.Errorf(format, args...)})
		}
		seen := map[string]bool{}
		for _, item := range res.Items {
			seen[item.Key] = true
			name, err := pi.rules.VarName(item.Key)
			if err != nil {
				fail("%w", err)
				continue
			}
			if o, ok := explicit[name]; ok {
				a.ui().Tracef("%s: set explicitly (%s), which wins over key %q of %s", name, o, item.Key, from)
				continue
			}
			if prev, ok := owner[name]; ok {
				fail("%s: key %q gives the same name as key %q of %s; rename one of them (rename: {KEY: NAME}) or give the imports different prefixes", name, item.Key, prev.key, prev.from)
				continue
			}
			owner[name] = source{key: item.Key, from: from}
			pi.names = append(pi.names, name)
			req := request{
				Request: inject.Request{Name: name, Ref: item.Ref.String(), Optional: res.Optional, Origin: res.Origin + " import " + inject.DisplayRef(res.Ref, p.registry)},
				masked:  true,
				rules:   profileRules(config.SecretSpec{}),
				// no place to declare owner and rotate_every: not held to --strict-rotation's
				// requirement of them, as for an --env-file reference (rotation.go)
				policy: rotationPolicy{},
			}
			p.requests = append(p.requests, req)
			results = append(results, inject.Result{Request: req.Request, Parsed: item.Ref, Secret: item.Secret, Elapsed: res.Elapsed})
		}
		var unused []string
		for key := range pi.rules.Rename {
			if !seen[key] {
				unused = append(unused, key)
			}
		}
		sort.Strings(unused)
		for _, key := range unused {
			fail("rename: the import found no key %q (keys: %s)", key, keyList(res.Items))
		}
		a.ui().Tracef("%s: %d variable(s): %s", from, len(pi.names), strings.Join(pi.names, ", "))
	}
	return results, errors.Join(errs...)
}

// keyList names up to 20 keys an import found (keys are names, never values).
func keyList(items []providers.Imported) string {
	if len(items) == 0 {
		return "none"
	}
	var keys []string
	for i, it := range items {
		if i == 20 {
			keys = append(keys, "...")
			break
		}
		keys = append(keys, fmt.Sprintf("%q", it.Key))
	}
	return strings.Join(keys, ", ")
}

// importSummary is what check prints under its table: each import and the names it produced.
func importSummary(p *plan) []string {
	var out []string
	for _, pi := range p.imports {
		from := "import " + inject.DisplayRef(pi.req.Ref, p.registry) + " (" + pi.req.Origin + ")"
		switch {
		case pi.skipped:
			out = append(out, from+": optional, found nothing")
		case pi.names != nil:
			out = append(out, fmt.Sprintf("%s: %d variable(s): %s", from, len(pi.names), strings.Join(pi.names, ", ")))
		}
	}
	return out
}
