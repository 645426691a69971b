package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/audit"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/redact"
)

func newRunCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "run [flags] -- COMMAND [ARGS...]",
		Short: "Run COMMAND with the profile's secrets (the same as secretrun -- COMMAND)",
		Long:  "Run COMMAND with the profile's secrets in its environment, masked in its output.\n\n" + exitHelp,
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("no command to run: secretrun run [flags] -- COMMAND [ARGS...]")
			}
			if c.ArgsLenAtDash() != 0 {
				return usageErrorf("put -- before the command to run: secretrun run [flags] -- COMMAND [ARGS...]")
			}
			return a.run(c.Context(), args)
		},
	}
}

// closeTimeout bounds releasing leases and tokens after the child exited.
const closeTimeout = 10 * time.Second

// run is secretrun's main job: resolve, build the environment, run the child, clean up.
func (a *app) run(ctx context.Context, args []string) error {
	// Until the child runs, SIGINT and SIGTERM cancel the fetch so that cleanup still happens.
	fetchCtx, intr := watchInterrupts(ctx)
	defer intr.stop()

	p, err := a.loadSecrets()
	if err != nil {
		a.auditLoadFailure(args)
		return err
	}
	ws, err := a.watchSettings(p) // a bad watch: block or flag is refused before anything is fetched
	if err != nil {
		a.auditLoadFailure(args)
		a.closeProviders(p)
		return err
	}
	// signal:NAME rewrites the secret files in place
	p.rewritable = ws.Enabled && ws.Action() == "signal"

	au, err := a.openAudit(p, "run", args) // audit.go
	if err != nil {
		a.closeProviders(p)
		return err
	}
	defer au.close()
	defer a.closeProviders(p) // before au.close: revocations are recorded
	if a.opts.fake {
		a.ui().Warnf("--fake: the command runs with fake values")
	}
	results, m, err := a.resolve(fetchCtx, p)
	if ierr := intr.err(); ierr != nil {
		au.refuse(audit.ReasonInterrupt, nil)
		return ierr // the fetch errors it caused ("context canceled") are noise
	}
	if aerr := au.fetched(p, results, err); aerr != nil {
		return aerr
	}
	au.reportLeases(p)
	a.reportTraces(p)
	if verr := a.validateResults(p, results); err != nil || verr != nil {
		au.validationFailed(verr)
		return errors.Join(err, verr) // every fetch and validation failure at once
	}

	files, env, err := a.childEnv(p, results)
	defer files.Remove()
	if err != nil {
		return err
	}
	if !a.opts.fake { // fake values are never written anywhere, CI logs included
		a.registerCIMasks(ctx, p, results)
	}
	intr.stop() // from here on the runner forwards signals to the child
	if err := intr.err(); err != nil {
		return err
	}

	spec := inject.Spec{
		Args:    args,
		Env:     env,
		Dir:     a.deps.Dir,
		Streams: a.deps.Streams,
		PTY:     a.ptyMode(),
		Grace:   a.grace(p),
		// the memory files of `as: file` secrets, which their variables name as /proc/self/fd/N
		ExtraFiles:  files.ExtraFiles(),
		SignalGroup: a.opts.sigGroup,
		Trace:       a.ui().Tracef, // a signal dropped while no child runs (under watch)
	}
	live := redact.NewLive(m) // under watch: the matcher of every value so far
	if a.opts.noMask {
		a.ui().Warnf("--no-mask: the command's output is not masked")
	} else {
		spec.Wrap = func(name string, dst io.Writer, tty bool) io.WriteCloser {
			if ws.Enabled { // the writers follow the live matcher, which each change widens (watch.go)
				if name == "pty" && tty {
					return live.NewTerminalWriter(dst, a.idle(p, tty))
				}
				return live.NewWriter(dst, a.idle(p, tty))
			}
			if name == "pty" && tty { // masks as wide as what they hide: full-screen programs keep their layout
				return m.NewTerminalWriter(dst, a.idle(p, tty))
			}
			return m.NewWriter(dst, a.idle(p, tty))
		}
	}
	spec.Wrap = au.wrap(spec.Wrap)
	keepCtx, stopKeeping := context.WithCancel(ctx)
	var keepers sync.WaitGroup
	defer keepers.Wait() // after stopKeeping: no renewal or warning outlives the run
	defer stopKeeping()
	var keeping sync.Once // a restarted child (watch) keeps the same renewals
	spec.Started = func(pid int) {
		a.ui().Tracef("started %s (pid %d)", args[0], pid)
		au.childStarted(pid)
		if err := a.privacy.Release(pid); err != nil {
			a.ui().Tracef("could not give the command secretrun's core-file size limit back: %v", err)
		}
		keeping.Do(func() {
			for _, prov := range p.registry.Opened() {
				if k, ok := prov.(providers.Keeper); ok {
					keepers.Go(func() { a.keep(keepCtx, k) })
				}
			}
		})
	}
	if ws.Enabled {
		return a.runWatched(ctx, p, au, ws, results, live, files, env, spec)
	}
	ex, err := inject.RunExit(ctx, spec)
	au.childExited(ex, err)
	return exitWith(ex, err)
}

// exitWith is what the run returns for the (last) child's exit: its status, its signal, which
// secretrun dies of once everything is cleaned up, or the failure to start it.
func exitWith(ex inject.Exit, err error) error {
	if err != nil {
		return withStatus(ex.Status, err)
	}
	if ex.Signal != 0 {
		return withSignal(ex.Signal, nil)
	}
	if ex.Status != 0 {
		return withStatus(ex.Status, nil)
	}
	return nil
}

// reportTraces gives every opened provider that explains its decisions (providers.Tracer) the
// -v trace.
func (a *app) reportTraces(p *plan) {
	for _, prov := range p.registry.Opened() {
		if t, ok := prov.(providers.Tracer); ok {
			t.ReportTraces(func(msg string) { a.ui().Tracef("%s", msg) })
		}
	}
}

// keep runs a provider's Keeper while the child runs. A panic in it is a bug: it is reported
// through the redactor like every other message (Go would print it raw and stop secretrun, and
// with it the child), and the child runs on without renewals.
func (a *app) keep(ctx context.Context, k providers.Keeper) {
	defer func() {
		if v := recover(); v != nil {
			a.ui().Warnf("internal error renewing leases, which are no longer renewed (please report it): %v\n%s", v, debug.Stack())
		}
	}()
	k.Keep(ctx, func(msg string) { a.ui().Warnf("%s", msg) })
}

// newSecretFiles opens the private store of the run's secret files (`as: file` and whole-profile
// files): memory files, or --secret-files-dir when given.
func (a *app) newSecretFiles(p *plan) (*inject.SecretFiles, error) {
	files, err := inject.NewSecretFiles(inject.FilesOptions{Dir: a.v.GetString("secret-files-dir"), Rewritable: p.rewritable})
	if err != nil {
		return nil, err
	}
	a.ui().Tracef("secret files: %s", files.Mode())
	if why := files.MayBeOnDisk(); why != nil {
		a.ui().Warnf("as: file secrets are written to %s, which may be on a disk (--secret-files-dir): %v", files.Dir(), why)
	}
	return files, nil
}

// childEnv builds the child's environment, writing `as: file` secrets to a private directory.
// The returned *SecretFiles may be nil; Remove is safe on nil.
func (a *app) childEnv(p *plan, results []inject.Result) (*inject.SecretFiles, []string, error) {
	var files *inject.SecretFiles
	var secrets []inject.Var
	used := map[string]bool{}
	for i, r := range results {
		// A provider that was asked authenticated with its credentials, whether or not a value
		// came back (an optional secret that is absent): they are scrubbed either way.
		used[r.Parsed.Scheme] = true
		if r.Skipped {
			continue
		}
		if p.requests[i].noEnv {
			continue
		}
		value := r.Secret.Reveal()
		if p.requests[i].asFile {
			if files == nil {
				var err error
				if files, err = a.newSecretFiles(p); err != nil {
					return nil, nil, fmt.Errorf("%s (as: file): %w", r.Name, err)
				}
			}
			path, err := files.Write(r.Name, value)
			if err != nil {
				return files, nil, err
			}
			value = path
		}
		secrets = append(secrets, inject.Var{Name: r.Name, Value: value})
	}
	rendered, err := a.renderFiles(p, results, &files)
	if err != nil {
		return files, nil, err
	}
	secrets = append(secrets, rendered...)
	// Not inherited: secretrun's own settings, the credentials of the providers used, and the
	// variables whose value was a reference (the secret takes their place; it does not clobber).
	scrub := append([]string{}, scrubAlways...)
	for _, e := range p.registry.Entries() {
		if used[e.Scheme] {
			scrub = append(scrub, e.Credentials...)
		}
	}
	for _, r := range p.requests {
		if r.inherited {
			scrub = append(scrub, r.Name)
		}
	}
	spec := inject.EnvSpec{
		Parent:    a.deps.Environ,
		Scrub:     scrub,
		Env:       p.env,
		Secrets:   secrets,
		Inherit:   a.inheritRule(p),
		NoClobber: a.opts.noClobber || (p.profile != nil && !p.profile.ClobberOrDefault()),
	}
	env, err := inject.BuildEnv(spec)
	if err != nil {
		return files, nil, err
	}
	for _, name := range env.Clobbered {
		if spec.NoClobber {
			a.ui().Warnf("%s is already set in the environment; keeping the inherited value (no clobber)", name)
		} else {
			a.ui().Warnf("%s is already set in the environment; the secret replaces it (--no-clobber keeps it)", name)
		}
	}
	return files, env.Vars, nil
}

func (a *app) ptyMode() inject.PTYMode {
	switch {
	case a.opts.pty:
		return inject.PTYAlways
	case a.opts.noPTY:
		return inject.PTYNever
	}
	return inject.PTYAuto
}

func (a *app) grace(p *plan) time.Duration {
	if a.opts.grace > 0 {
		return a.opts.grace
	}
	return p.profile.GraceOrDefault()
}

// closeProviders releases leases and tokens (providers.Closer) once the child has exited.
func (a *app) closeProviders(p *plan) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	for _, prov := range p.registry.Opened() {
		if c, ok := prov.(providers.Closer); ok {
			if err := c.Close(ctx); err != nil {
				a.ui().Warnf("%v", err)
			}
		}
	}
}
