package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/secretrun/secretrun/cimask"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/redact"
	"github.com/secretrun/secretrun/watch"
)

// maxOldValues is how many earlier values of one variable stay masked after it changed: every
// one for a normal run; a secret rotating every second for days would otherwise grow the
// matcher without end. The oldest are dropped first, with a warning (docs/watch.md).
const maxOldValues = 64

// watchItems are the run's fetched secrets as the watcher sees them: each with the provider
// that fetched it. Skipped and failed ones are not watched.
func (a *app) watchItems(p *plan, results []inject.Result) []watch.Item {
	var items []watch.Item
	for i, r := range results {
		if r.Err != nil || r.Skipped {
			continue
		}
		prov, err := p.registry.Provider(r.Parsed.Scheme)
		if err != nil {
			continue
		}
		items = append(items, watch.Item{Name: r.Name, Ref: r.Parsed, Provider: prov, Secret: r.Secret, File: p.requests[i].asFile})
	}
	return items
}

// watchOptions are the watcher's settings from the run's.
func (a *app) watchOptions(ws watchSettings) watch.Options {
	return watch.Options{
		Interval: ws.Interval,
		Jitter:   ws.Jitter,
		Warn:     func(msg string) { a.ui().Warnf("%s", msg) },
		Trace:    func(msg string) { a.ui().Tracef("%s", msg) },
	}
}

// watchAction is the on_change action of ws.
func watchAction(ws watchSettings) watch.Action {
	switch ws.Action() {
	case "signal":
		name := strings.TrimPrefix(strings.ToUpper(ws.OnChange[strings.IndexByte(ws.OnChange, ':')+1:]), "SIG")
		return watch.Action{Kind: watch.Signal, Signal: ws.Signal, SignalName: name}
	case "exit":
		return watch.Action{Kind: watch.Exit}
	}
	return watch.Action{Kind: watch.Restart}
}

// watchedRun is what a run under watch keeps between children: every value masked so far, the
// secret files of the running child and of the one being started.
type watchedRun struct {
	a       *app
	p       *plan
	ctx     context.Context
	au      *auditor
	live    *redact.Live
	results []inject.Result // as fetched at start
	mu      sync.Mutex
	masked  []redact.Secret     // every value of the run, earlier ones included
	files   *inject.SecretFiles // the running child's
	next    *inject.SecretFiles // the starting child's, until the running one stopped
	dropped map[string]bool     // variables whose oldest values are no longer masked
}

// runWatched runs the child under watch (docs/watch.md): the first start as RunExit would,
// then watch.Supervise until the run ends. files and env are the first child's.
func (a *app) runWatched(ctx context.Context, p *plan, au *auditor, ws watchSettings, results []inject.Result,
	live *redact.Live, files *inject.SecretFiles, env []string, spec inject.Spec) error {
	w := &watchedRun{a: a, p: p, ctx: ctx, au: au, live: live, results: results, files: files}
	for i, r := range results {
		if r.Err == nil && !r.Skipped {
			w.masked = append(w.masked, redact.Secret{Name: r.Name, Value: r.Secret.Reveal(), NoMask: !p.requests[i].masked})
		}
	}
	defer w.removeFiles() // the caller removes the first child's

	sess, err := inject.Open(ctx, spec)
	if err != nil {
		ex := inject.Exit{Status: runErrorStatus(err)}
		au.childExited(ex, err)
		return withStatus(ex.Status, err)
	}
	if err := sess.Start(env, spec.ExtraFiles); err != nil {
		_ = sess.Close()
		if sig := inject.StopSignal(err); sig != 0 { // a SIGTERM before the first start: as RunExit
			ex := inject.Exit{Status: 128 + int(sig), Signal: sig}
			au.childExited(ex, nil)
			return exitWith(ex, nil)
		}
		ex := inject.Exit{Status: runErrorStatus(err)}
		au.childExited(ex, err)
		return withStatus(ex.Status, err)
	}
	items := a.watchItems(p, results)
	a.ui().Tracef("watching %d secrets; on change: %s", len(items), ws.OnChange)
	watchCtx, stopWatching := context.WithCancel(ctx)
	watcher := watch.New(items, a.watchOptions(ws))
	var wg sync.WaitGroup
	wg.Go(func() { watcher.Run(watchCtx) })
	ex, err := watch.Supervise(ctx, sess, watcher.Changes(), watch.Config{
		Action:      watchAction(ws),
		Debounce:    ws.Debounce,
		MinInterval: ws.MinInterval,
		ExitCode:    ws.ExitCode,
		Hooks: watch.Hooks{
			Mask:    w.mask,
			Env:     w.env,
			Rewrite: w.rewrite,
			Retire:  w.retire,
			Acted:   au.acted,
			Warn:    func(msg string) { a.ui().Warnf("%s", msg) },
			Note:    func(msg string) { a.ui().Warnf("%s", msg) },
		},
	})
	stopWatching()
	wg.Wait()
	if cerr := sess.Close(); cerr != nil && err == nil {
		a.ui().Tracef("closing the session: %v", cerr)
	}
	au.childExited(ex, err)
	return exitWith(ex, err)
}

// runErrorStatus is the status of a failure to start the first child: the *inject.RunError's
// (125, 126, 127), else 125.
func runErrorStatus(err error) int {
	var re *inject.RunError
	if errors.As(err, &re) {
		return re.Status
	}
	return ExitUsage
}

// mask makes the masks cover the new values of cs, as soon as they are known and before any
// action: secretrun's messages, the child's output (redact.Live swaps the matcher without
// losing or repeating a byte) and the CI system's masks. Earlier values stay masked.
func (w *watchedRun) mask(cs []watch.Change) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var fresh []cimask.Value
	var added []redact.Secret // the values not seen before, for the warning below
	for _, c := range cs {
		for i, r := range w.results {
			if r.Err != nil || r.Skipped || r.Parsed != c.Ref {
				continue
			}
			value := c.Secret.Reveal()
			if slices.ContainsFunc(w.masked, func(s redact.Secret) bool { return s.Name == r.Name && s.Value == value }) {
				continue
			}
			w.masked = append(w.masked, redact.Secret{Name: r.Name, Value: value, NoMask: !w.p.requests[i].masked})
			added = append(added, w.masked[len(w.masked)-1])
			w.trim(r.Name)
			if w.p.requests[i].masked {
				fresh = append(fresh, cimask.Value{Name: r.Name, Value: value})
			}
		}
	}
	m, _ := redact.Compile(w.masked, redactOptions(w.p.cfg.Redact))
	w.live.Set(m)
	w.a.ui().setMask(m.MaskString)
	// the new values' own verdicts: an earlier short value of the same variable is skipped
	// at every compile, and is not the new value
	_, skipped := redact.Compile(added, redactOptions(w.p.cfg.Redact))
	for _, s := range skipped {
		if s.Reason != redact.ReasonNoMask {
			w.a.ui().Warnf("the new value of %s will not be masked in output: %s", s.Name, s.Reason)
		}
	}
	if len(fresh) > 0 && !w.a.opts.fake {
		if sys := cimask.Detect(w.a.deps.getenv); sys != "" && w.p.cfg.CIMasksFor(w.p.profile) {
			_ = w.a.registerValues(w.ctx, sys, w.p, fresh, true) // a warning: it never stops the run
		}
	}
}

// trim drops the oldest values of name beyond maxOldValues (the current one always stays).
func (w *watchedRun) trim(name string) {
	n := 0
	for _, s := range w.masked {
		if s.Name == name {
			n++
		}
	}
	if n <= maxOldValues+1 {
		return
	}
	i := slices.IndexFunc(w.masked, func(s redact.Secret) bool { return s.Name == name })
	w.masked = slices.Delete(w.masked, i, i+1)
	if !w.dropped[name] {
		if w.dropped == nil {
			w.dropped = map[string]bool{}
		}
		w.dropped[name] = true
		w.a.ui().Warnf("%s changed more than %d times: its oldest values are no longer masked", name, maxOldValues)
	}
}

// latest returns the run's results with the latest value of each changed reference.
func (w *watchedRun) latest(cs []watch.Change) []inject.Result {
	results := slices.Clone(w.results)
	for i := range results {
		for _, c := range cs {
			if results[i].Err == nil && !results[i].Skipped && results[i].Parsed == c.Ref {
				results[i].Secret = c.Secret
			}
		}
	}
	return results
}

// env builds the next child's environment and files from the latest values. Its files become
// the running child's once the old child stopped (retire).
func (w *watchedRun) env(latest []watch.Change) ([]string, []*os.File, error) {
	files, env, err := w.a.childEnv(w.p, w.latest(latest))
	if err != nil {
		_ = files.Remove()
		return nil, nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.next != nil { // a start that did not happen
		_ = w.next.Remove()
	}
	w.next = files
	return env, files.ExtraFiles(), nil
}

// retire runs once the old child stopped and the new one started: the old child's files are
// removed and its leases revoked.
func (w *watchedRun) retire(ctx context.Context, cs []watch.Change) {
	w.mu.Lock()
	old := w.files
	w.files, w.next = w.next, nil
	w.mu.Unlock()
	if old != nil {
		_ = old.Remove()
	}
	watch.RetireLeases(ctx, cs, func(msg string) { w.a.ui().Warnf("%s", msg) })
}

// rewrite writes the new values of the `as: file` secrets of cs into the running child's
// files, in place (signal action).
func (w *watchedRun) rewrite(cs []watch.Change) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range cs {
		for i, r := range w.results {
			if r.Parsed != c.Ref || !w.p.requests[i].asFile || w.files == nil {
				continue
			}
			if err := w.files.Rewrite(r.Name, c.Secret.Reveal()); err != nil {
				return fmt.Errorf("%s (as: file): %w", r.Name, err)
			}
		}
	}
	return nil
}

// removeFiles removes the files of every child but the first (the caller's).
func (w *watchedRun) removeFiles() {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.next.Remove()
	_ = w.files.Remove()
}

// watchPlan says how each fetched secret would be watched under ws, for `secretrun check`;
// nil when watching is off.
func (a *app) watchPlan(p *plan, results []inject.Result, ws watchSettings) []watch.PlanEntry {
	if !ws.Enabled {
		return nil
	}
	return watch.Plan(a.watchItems(p, results), a.watchOptions(ws))
}

// printWatchPlan prints, under check's watch summary, how each fetched secret is watched:
// names and references, never a value.
func printWatchPlan(out io.Writer, p *plan, entries map[string]watch.PlanEntry, results []inject.Result) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, r := range results {
		if e, ok := entries[r.Name]; ok {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.Name, inject.DisplayRef(r.Request.Ref, p.registry), e.How)
		}
	}
	return tw.Flush()
}
