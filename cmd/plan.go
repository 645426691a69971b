package cmd

import (
	"context"
	"errors"
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
	"github.com/secretrun/secretrun/validate"
)

// plan is what a profile and the flags ask for, before anything is fetched.
type plan struct {
	cfg      *config.Config
	profile  *config.Profile // nil when there is no config and no profile was named
	registry *providers.Registry
	// env holds the plain values: the profile's env, then literal --env-file entries.
	env []inject.Var
	// requests are the secrets to fetch, with their delivery and masking options. resolve
	// appends the variables of imports to them (imports.go).
	requests []request
	// imports are the profile's `import:` entries (imports.go).
	imports []*planImport
	// searched names the places config discovery looked at, for the "nothing to do" error.
	searched []string
	// noFallback: check reports the fallback snapshot, never uses it; fallbackUsed: the values
	// that came from it (cmd/fallback.go; audit: fallback_used).
	noFallback   bool
	fallbackUsed *fallbackUse
	// rewritable: the secret files can be rewritten while the child runs (watch's
	// on_change: signal:NAME).
	rewritable bool
}

// request is one secret to fetch and how to deliver it.
type request struct {
	inject.Request
	asFile    bool
	noEnv     bool // `as: none`: fetched and masked, only for whole-profile files
	masked    bool
	inherited bool // came from an inherited variable whose value is a reference
	// rules are checked once the value is fetched (see validateResults); nil: not checked.
	rules *validate.Rules
	// policy is the secret's owner and rotate_every (profile secrets only; see rotation.go).
	policy rotationPolicy
}

// loadPlan finds and loads the configuration, resolves the profile and collects every request:
// the profile's secrets, --env-file entries, and inherited variables whose whole value is a
// remote reference.
func (a *app) loadPlan() (*plan, error) {
	p, err := a.loadFile()
	if err != nil {
		return nil, err
	}
	name := a.profileName()
	if p.cfg.Path != "" || name != "" {
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
				noEnv:   s.As == config.AsNone,
				masked:  s.Masked(),
				rules:   profileRules(s),
				policy:  rotationPolicy{profile: true, owner: s.Owner, every: s.RotateEvery},
			})
		}
	}
	if err := a.addImports(p); err != nil {
		return nil, err
	}
	if err := a.addEnvFiles(p); err != nil {
		return nil, err
	}
	a.addInheritedRefs(p)
	if err := checkAllowedSources(p); err != nil {
		return nil, err
	}
	return p, nil
}

// loadFile finds and loads the configuration and builds the provider registry: a plan with no
// profile selected yet, for the commands that only list (profiles).
func (a *app) loadFile() (*plan, error) {
	find := a.findOptions()
	path, err := config.Find(find)
	if err != nil {
		return nil, err
	}
	p := &plan{cfg: config.Default(), searched: find.Places()}
	baseDir := a.deps.Dir
	if path != "" {
		if p.cfg, err = a.deps.Schema.Load(path, a.displayPath(path)); err != nil {
			return nil, err
		}
		baseDir = filepath.Dir(path)
		a.ui().Tracef("config %s", p.cfg.Path)
	}
	p.registry = a.deps.Registry(p.cfg, baseDir)
	return p, nil
}

// loadSecrets is loadPlan for the commands that fetch secrets (run, check, env, redact). With no
// configuration file and no reference anywhere there is nothing to fetch, and a secrets wrapper
// that runs the command anyway fails open (a cron line started from / silently runs without its
// secrets, and `secretrun check` passes as a CI gate): that is an error naming every place
// searched, unless --allow-empty (SECRETRUN_ALLOW_EMPTY) asks for it.
func (a *app) loadSecrets() (*plan, error) {
	// Before anything is fetched: the child (same user) must not read secretrun's environment
	// or memory back through /proc.
	priv, err := inject.MakePrivate()
	if err != nil {
		a.ui().Warnf("%v: processes of your user, the command included, can read secretrun's memory", err)
	}
	a.privacy = priv
	p, err := a.loadPlan()
	if err != nil || p.cfg.Path != "" || len(p.requests) > 0 || len(p.imports) > 0 {
		return p, err
	}
	if a.v.GetBool("allow-empty") {
		a.ui().Tracef("no config file and no references: nothing to fetch (--allow-empty)")
		return p, nil
	}
	a.closeProviders(p)
	searched := "searched (no -c/--config, no $SECRETRUN_CONFIG):\n  " + strings.Join(p.searched, "\n  ")
	if len(p.searched) == 0 {
		searched = "searched nowhere: no -c/--config, no $SECRETRUN_CONFIG, no working directory, no $HOME or $XDG_CONFIG_HOME"
	}
	return nil, providers.WithHint(errors.New("no configuration file found and no reference in the environment or an --env-file: refusing to run with no secrets"),
		"%s\nto run with no secrets on purpose, pass --allow-empty (or set SECRETRUN_ALLOW_EMPTY=1); to use a file elsewhere, pass -c PATH", searched)
}

// displayPath returns path relative to the working directory when it lies below it, so that
// messages name "secretrun.yaml:12" rather than a long absolute path. Both name the same file.
func (a *app) displayPath(path string) string {
	if rel, err := filepath.Rel(a.deps.Dir, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}

// addEnvFiles reads each --env-file. An unquoted value that is a reference with a remote scheme
// (the rule for inherited variables) is a secret; anything else is a literal: a quoted value,
// and a value that merely looks like a local reference (DATA_URL=file:///var/app.db). Local
// files and variables are named through the configuration.
func (a *app) addEnvFiles(p *plan) error {
	remote := p.registry.RemoteSchemes()
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
			if !v.Quoted && providers.IsRef(v.Value, remote...) {
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
//
// A protected profile is confirmed first (confirmProtected); without confirmation nothing is
// fetched and the results and matcher are nil.
func (a *app) resolve(ctx context.Context, p *plan) ([]inject.Result, *redact.Matcher, error) {
	if a.opts.fake { // nothing is fetched: no protected profile to confirm (fake.go)
		for _, pi := range p.imports {
			a.ui().Warnf("--fake: import %s (%s) is not run: its variables are not set", inject.DisplayRef(pi.req.Ref, p.registry), pi.req.Origin)
		}
		results, err := a.fakeResolve(p)
		return results, a.matcher(p, results), err
	}
	if err := a.confirmProtected(ctx, p); err != nil {
		return nil, nil, err
	}
	reqs := make([]inject.Request, len(p.requests))
	for i, r := range p.requests {
		reqs[i] = r.Request
	}
	resolver := &inject.Resolver{Registry: p.registry, Timeout: a.opts.timeout}
	var imps []inject.ImportResult
	imported := make(chan struct{})
	go func() { // imports run alongside the other fetches, under the same --timeout
		defer close(imported)
		if !resolver.Invalid(reqs) { // else Resolve fetches nothing, and neither do imports
			imps, _ = a.runImports(ctx, p) // their errors are in imps, reported by mergeImports
		}
	}()
	results, err := resolver.Resolve(ctx, reqs)
	<-imported
	results, ierr := a.mergeImports(p, results, imps) // kept apart: a fallback never covers a failed import
	for _, r := range results {
		switch {
		case r.Skipped:
			a.ui().Tracef("%s: %s: optional and not found; left unset", r.Name, inject.DisplayRef(r.Ref, p.registry))
		case r.Err == nil:
			a.ui().Tracef("%s: %s fetched in %.1fms%s", r.Name, inject.DisplayRef(r.Ref, p.registry), float64(r.Elapsed.Microseconds())/1000, versionSuffix(r.Secret.Version))
		}
	}
	if ierr != nil { // a failed import fails the run: no snapshot covers it, none is written
		return results, a.matcher(p, results), errors.Join(err, ierr)
	}
	results, err = a.applyFallback(ctx, p, results, err) // after the traces: its values were not fetched
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
	m, skipped := redact.Compile(secrets, redactOptions(p.cfg.Redact))
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
