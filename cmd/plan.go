package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/dotenv"
	"github.com/secretrun/secretrun/redact"
)

// plan is what a profile and the flags ask for, before anything is fetched.
type plan struct {
	cfg      *config.Config
	profile  *config.Profile // nil when there is no config and no profile was named
	registry *providers.Registry
	// env holds the plain values: the profile's env, then literal --env-file entries.
	env []inject.Var
	// requests are the secrets to fetch, with their delivery and masking options.
	requests []request
}

// request is one secret to fetch and how to deliver it.
type request struct {
	inject.Request
	asFile    bool
	masked    bool
	inherited bool // came from an inherited variable whose value is a reference
}

// loadPlan finds and loads the configuration, resolves the profile and collects every request:
// the profile's secrets, --env-file entries, and inherited variables whose whole value is a
// remote reference.
func (a *app) loadPlan() (*plan, error) {
	path, err := config.Find(a.findOptions())
	if err != nil {
		return nil, err
	}
	p := &plan{cfg: config.Default()}
	baseDir := a.deps.Dir
	if path != "" {
		if p.cfg, err = config.Load(path, a.displayPath(path)); err != nil {
			return nil, err
		}
		baseDir = filepath.Dir(path)
		a.ui().Tracef("config %s", p.cfg.Path)
	}
	p.registry = a.deps.Registry(p.cfg, baseDir)

	name := a.profileName()
	if path != "" || name != "" {
		if p.profile, err = p.cfg.Profile(name); err != nil {
			return nil, err
		}
		a.ui().Tracef("profile %s", p.profile.Name)
	}
	if p.profile != nil {
		for _, e := range p.profile.Env {
			p.env = append(p.env, inject.Var{Name: e.Name, Value: e.Value})
		}
		for _, s := range p.profile.Secrets {
			p.requests = append(p.requests, request{
				Request: inject.Request{Name: s.Name, Ref: s.Ref, Optional: s.Optional, Origin: fmt.Sprintf("%s:%d", p.cfg.Path, s.Line)},
				asFile:  s.As == config.AsFile,
				masked:  s.Masked(),
			})
		}
	}
	if err := a.addEnvFiles(p); err != nil {
		return nil, err
	}
	a.addInheritedRefs(p)
	if path == "" && len(p.requests) == 0 && len(p.env) == 0 {
		a.ui().Tracef("no config file and no references: the command runs with the scrubbed environment only")
	}
	return p, nil
}

// displayPath returns path relative to the working directory when it lies below it, so that
// messages name "secretrun.yaml:12" rather than a long absolute path. Both name the same file.
func (a *app) displayPath(path string) string {
	if rel, err := filepath.Rel(a.deps.Dir, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}

// addEnvFiles reads each --env-file: a value that is a reference with a registered scheme is a
// secret; anything else is a literal.
func (a *app) addEnvFiles(p *plan) error {
	schemes := p.registry.Schemes()
	for _, name := range a.opts.envFiles {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("--env-file %s: %w", name, err)
		}
		vars, err := dotenv.Parse(f, name)
		f.Close()
		if err != nil {
			return fmt.Errorf("--env-file %w", err) // dotenv's errors start with the file's name
		}
		for _, v := range vars {
			if providers.IsRef(v.Value, schemes...) {
				p.requests = append(p.requests, request{
					Request: inject.Request{Name: v.Name, Ref: v.Value, Origin: fmt.Sprintf("--env-file %s:%d", name, v.Line)},
					masked:  true,
				})
				continue
			}
			p.env = append(p.env, inject.Var{Name: v.Name, Value: v.Value})
		}
	}
	return nil
}

// addInheritedRefs turns inherited variables whose whole value is a remote reference
// (`docker run -e DB_PASS=awssm://prod/db#password`) into requests, unless the profile already
// defines that variable.
func (a *app) addInheritedRefs(p *plan) {
	defined := map[string]bool{}
	for _, r := range p.requests {
		defined[r.Name] = true
	}
	for _, e := range p.env {
		defined[e.Name] = true
	}
	remote := p.registry.RemoteSchemes()
	inherits := a.inheritRule(p)
	for _, kv := range a.deps.Environ {
		name, value, _ := strings.Cut(kv, "=")
		if defined[name] || inject.MatchAny(scrubAlways, name) || !inherits(name) || !providers.IsRef(value, remote...) {
			continue
		}
		p.requests = append(p.requests, request{
			Request:   inject.Request{Name: name, Ref: value, Origin: "inherited environment"},
			masked:    true,
			inherited: true,
		})
	}
}

// inheritRule decides which variables of secretrun's environment the child inherits: the
// profile's inherit setting minus its deny patterns; --pristine is `inherit: none` in its place.
func (a *app) inheritRule(p *plan) func(string) bool {
	if !a.opts.pristine {
		return p.profile.Inherits // nil-safe: without a profile every variable is inherited
	}
	pristine := &config.Profile{Inherit: config.Inherit{Mode: config.InheritNone}}
	if p.profile != nil {
		pristine.Deny = p.profile.Deny
	}
	return pristine.Inherits
}

// scrubAlways are never passed to the child: secretrun's own settings.
var scrubAlways = []string{"SECRETRUN_*"}

// resolve fetches every request under --timeout and compiles the redactor for the values it got.
// From then on every message secretrun prints is masked, also when some fetches failed. It
// returns the results in request order.
func (a *app) resolve(ctx context.Context, p *plan) ([]inject.Result, *redact.Matcher, error) {
	reqs := make([]inject.Request, len(p.requests))
	for i, r := range p.requests {
		reqs[i] = r.Request
	}
	resolver := &inject.Resolver{Registry: p.registry, Timeout: a.opts.timeout}
	results, err := resolver.Resolve(ctx, reqs)
	for _, r := range results {
		switch {
		case r.Skipped:
			a.ui().Tracef("%s: %s: optional and not found; left unset", r.Name, r.Parsed)
		case r.Err == nil:
			a.ui().Tracef("%s: %s fetched in %.1fms%s", r.Name, r.Parsed, float64(r.Elapsed.Microseconds())/1000, versionSuffix(r.Secret.Version))
		}
	}
	return results, a.matcher(p, results), err
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " (version " + v + ")"
}

// matcher compiles the redactor for the fetched secrets and warns, by name, about values that
// will not be masked.
func (a *app) matcher(p *plan, results []inject.Result) *redact.Matcher {
	var secrets []redact.Secret
	for i, r := range results {
		if r.Err != nil {
			continue
		}
		secrets = append(secrets, redact.Secret{Name: r.Name, Value: r.Secret.Reveal(), NoMask: !p.requests[i].masked})
	}
	rc := p.cfg.Redact
	opt := redact.Options{MinLength: rc.MinLength, Token: rc.Token, NameTokens: rc.NameTokens}
	for _, e := range rc.Encodings {
		switch e {
		case config.EncodingHex:
			opt.Hex = true
		case config.EncodingBase32:
			opt.Base32 = true
		case config.EncodingUTF16:
			opt.UTF16 = true
		}
	}
	m, skipped := redact.Compile(secrets, opt)
	for _, s := range skipped {
		if s.Reason == redact.ReasonNoMask {
			a.ui().Tracef("%s is not masked (mask: false)", s.Name)
			continue
		}
		a.ui().Warnf("%s will not be masked in output: %s", s.Name, s.Reason)
	}
	a.ui().setMask(m.MaskString)
	return m
}

// idle is how long a redactor waits before releasing up to 3 held bytes on an idle stream: short
// on a terminal, longer on a pipe, never with --strict or redact.strict.
func (a *app) idle(p *plan, tty bool) time.Duration {
	switch {
	case a.opts.strict || p.cfg.Redact.Strict:
		return 0
	case tty:
		return redact.IdleTerminal
	}
	return redact.IdlePipe
}
