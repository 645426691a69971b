package cmd

import (
	"context"
	"io"
	"runtime/debug"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
)

func newRunCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "run [flags] -- COMMAND [ARGS...]",
		Short: "Run COMMAND with the profile's secrets (the same as secretrun -- COMMAND)",
		Long:  "Run COMMAND with the profile's secrets in its environment, masked in its output.\n\n" + exitHelp,
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 || c.ArgsLenAtDash() != 0 {
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

	p, err := a.loadPlan()
	if err != nil {
		return err
	}
	defer a.closeProviders(p)
	results, m, err := a.resolve(fetchCtx, p)
	if ierr := intr.err(); ierr != nil {
		return ierr // the fetch errors it caused ("context canceled") are noise
	}
	if err != nil {
		return err
	}

	files, env, err := a.childEnv(p, results)
	defer files.Remove()
	if err != nil {
		return err
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

		SignalGroup: a.opts.sigGroup,
	}
	if a.opts.noMask {
		a.ui().Warnf("--no-mask: the command's output is not masked")
	} else {
		spec.Wrap = func(_ string, dst io.Writer, tty bool) io.WriteCloser {
			return m.NewWriter(dst, a.idle(p, tty))
		}
	}
	keepCtx, stopKeeping := context.WithCancel(ctx)
	var keepers sync.WaitGroup
	defer keepers.Wait() // after stopKeeping: no renewal or warning outlives the run
	defer stopKeeping()
	spec.Started = func(pid int) {
		a.ui().Tracef("started %s (pid %d)", args[0], pid)
		for _, prov := range p.registry.Opened() {
			if k, ok := prov.(providers.Keeper); ok {
				keepers.Go(func() { a.keep(keepCtx, k) })
			}
		}
	}
	ex, err := inject.RunExit(ctx, spec)
	if err != nil {
		return withStatus(ex.Status, err)
	}
	if ex.Signal != 0 {
		return withSignal(ex.Signal, nil) // secretrun dies of it once everything is cleaned up
	}
	if ex.Status != 0 {
		return withStatus(ex.Status, nil)
	}
	return nil
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

// childEnv builds the child's environment, writing `as: file` secrets to a private directory.
// The returned *SecretFiles may be nil; Remove is safe on nil.
func (a *app) childEnv(p *plan, results []inject.Result) (*inject.SecretFiles, []string, error) {
	var files *inject.SecretFiles
	var secrets []inject.Var
	used := map[string]bool{}
	for i, r := range results {
		if r.Skipped {
			continue
		}
		used[r.Parsed.Scheme] = true
		value := r.Secret.Reveal()
		if p.requests[i].asFile {
			if files == nil {
				var err error
				if files, err = inject.NewSecretFiles(""); err != nil {
					return nil, nil, err
				}
				a.ui().Tracef("secret files in %s", files.Dir())
			}
			path, err := files.Write(r.Name, value)
			if err != nil {
				return files, nil, err
			}
			value = path
		}
		secrets = append(secrets, inject.Var{Name: r.Name, Value: value})
	}
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
