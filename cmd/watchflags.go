package cmd

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

// watchSettings is how secretrun watches the profile's secrets while the command runs
// (docs/watch.md): the profile's `watch` block with the flags applied and the defaults filled in.
type watchSettings struct {
	Enabled     bool
	Interval    time.Duration // remote poll period (default 5m)
	Jitter      float64       // ± fraction of Interval (default 0.1)
	Debounce    time.Duration // changes within this window make one action (default 5s)
	MinInterval time.Duration // least time between two actions (default 1m)
	OnChange    string        // "restart" (default) | "signal:NAME" | "exit"
	ExitCode    int           // status of the exit action (default 75, EX_TEMPFAIL)
	// Signal is the signal of "signal:NAME"; 0 for the other actions.
	Signal syscall.Signal
	// Source says what turned watching on or off, for -v and `check`: "profile", "--watch" (the
	// flag or SECRETRUN_WATCH), "--watch-interval" or "--on-change" (implied); "" when unsaid.
	Source string
}

// Action returns the on_change action without its signal name: "restart", "exit" or "signal".
func (w watchSettings) Action() string {
	if strings.HasPrefix(w.OnChange, config.OnChangeSignalPrefix) {
		return "signal"
	}
	return w.OnChange
}

// watchFlags are --watch, --watch-interval and --on-change as given (command line, or their
// SECRETRUN_* variable through applyFlagEnv).
type watchFlags struct {
	on       watchBool
	interval watchInterval
	onChange onChangeAction
}

// warnShortInterval is the interval below which watching a remote store is warned about: a
// fleet of processes polling this often can use up a store's quota (docs/watch.md#fleet).
const warnShortInterval = 30 * time.Second

// addWatchFlags registers --watch, --watch-interval and --on-change.
func addWatchFlags(a *app, f *pflag.FlagSet) {
	f.Var(&a.opts.watch.on, "watch", "watch the secrets while the command runs and apply the profile's on_change when one changes (docs/watch.md)")
	f.Lookup("watch").NoOptDefVal = "true"
	f.Var(&a.opts.watch.interval, "watch-interval", "check remote stores every `DURATION` (±10 % jitter; default: the profile's watch.interval, else 5m); implies --watch")
	f.Var(&a.opts.watch.onChange, "on-change", "what a change does, `ACTION`: restart, signal:NAME (such as signal:HUP) or exit (status watch.exit_code, default 75); implies --watch")
}

// onChangeCompletions are the values shell completion offers for --on-change.
var onChangeCompletions = []string{"restart", "exit", "signal:HUP", "signal:USR1", "signal:USR2"}

// watchSettings returns the watch settings of the run: the profile's `watch` block (with
// defaults), then the flags, which win. --watch-interval and --on-change imply --watch unless
// --watch=false (or SECRETRUN_WATCH=false) says otherwise. Under --fake nothing is watched: the
// values are made up and never change. It warns about settings that work but will not do what
// the user likely wants: a short interval on remote stores, a signal when no secret is a file.
func (a *app) watchSettings(p *plan) (watchSettings, error) {
	var block *config.Watch
	if p != nil && p.profile != nil {
		block = p.profile.Watch
	}
	eff := block.Settings()
	w := watchSettings{
		Enabled: block.On(), Interval: eff.Interval, Jitter: *eff.Jitter, Debounce: eff.Debounce,
		MinInterval: eff.MinInterval, OnChange: eff.OnChange, ExitCode: eff.ExitCode,
	}
	if block != nil && block.Enabled != nil {
		w.Source = "profile"
	}
	fl := &a.opts.watch
	if fl.interval.set {
		w.Interval = fl.interval.d
	}
	if fl.onChange.set {
		w.OnChange = fl.onChange.action
	}
	switch {
	case fl.on.set:
		w.Enabled, w.Source = fl.on.on, "--watch"
	case w.Enabled: // the profile's
	case fl.interval.set:
		w.Enabled, w.Source = true, "--watch-interval"
	case fl.onChange.set:
		w.Enabled, w.Source = true, "--on-change"
	}
	if name, ok := strings.CutPrefix(w.OnChange, config.OnChangeSignalPrefix); ok {
		sig, known := watchSignal(name)
		if !known {
			return w, usageErrorf("on_change %s: there is no SIG%s on this system", w.OnChange, name)
		}
		w.Signal = sig
	}
	if !w.Enabled {
		return w, nil
	}
	if a.opts.fake {
		a.ui().Warnf("--fake: the values are made up and never change, so nothing is watched")
		w.Enabled = false
		return w, nil
	}
	a.warnWatch(p, w)
	a.ui().Tracef("watch (%s): remote stores every %v ±%g%%, debounce %v, at most one action per %v, on change %s",
		w.Source, w.Interval, w.Jitter*100, w.Debounce, w.MinInterval, w.describeAction())
	return w, nil
}

// describeAction names the action for messages: "exit 75" rather than "exit".
func (w watchSettings) describeAction() string {
	if w.OnChange == config.OnChangeExit {
		return "exit " + strconv.Itoa(w.ExitCode)
	}
	return w.OnChange
}

// warnWatch warns about watch settings that work but likely do not do what the user wants.
func (a *app) warnWatch(p *plan, w watchSettings) {
	remote, local, files := 0, 0, 0
	if p != nil && p.registry != nil {
		remoteSchemes := p.registry.RemoteSchemes()
		for _, r := range p.requests {
			ref, err := providers.ParseRef(r.Ref)
			switch {
			case err != nil:
				continue
			case containsString(remoteSchemes, ref.Scheme):
				remote++
			case ref.Scheme == "file" || ref.Scheme == "dotenv":
				local++
			default:
				continue // env:// cannot change under secretrun
			}
			if r.asFile || r.noEnv {
				files++
			}
		}
		for _, pi := range p.imports { // their variables are known once fetched (imports.go)
			switch ref, err := providers.ParseRef(pi.req.Ref); {
			case err != nil:
			case containsString(remoteSchemes, ref.Scheme):
				remote++
			case ref.Scheme == "file" || ref.Scheme == "dotenv":
				local++
			}
		}
	}
	switch {
	case remote+local == 0:
		a.ui().Warnf("watch: nothing to watch: no secret comes from a store or a file (env:// values cannot change while secretrun runs)")
		return
	case remote > 0 && w.Interval < warnShortInterval:
		a.ui().Warnf("watch: checking %d remote secret(s) every %v; across many processes this can exceed the store's request quota (see docs/watch.md, \"At fleet scale\")", remote, w.Interval)
	}
	if w.Action() == "signal" && files == 0 {
		a.ui().Warnf("watch: on_change %s: no watched secret is a file (as: file), and a running program cannot see new environment variables; use restart, or deliver the secrets as files", w.OnChange)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// watchBool is --watch: a boolean that remembers whether it was set.
type watchBool struct{ on, set bool }

func (b *watchBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("not a boolean: want true or false")
	}
	b.on, b.set = v, true
	return nil
}
func (b *watchBool) String() string   { return strconv.FormatBool(b.on) }
func (b *watchBool) Type() string     { return "bool" }
func (b *watchBool) IsBoolFlag() bool { return true }

// watchInterval is --watch-interval: a duration of at least config.MinWatchInterval.
type watchInterval struct {
	d   time.Duration
	set bool
}

func (v *watchInterval) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf(`not a duration: write one with a unit, such as "5m" or "30s"`)
	}
	if err := config.CheckWatchInterval(d); err != nil {
		return err
	}
	v.d, v.set = d, true
	return nil
}

// String is "" when unset, so that --help shows no "(default 0s)".
func (v *watchInterval) String() string {
	if !v.set {
		return ""
	}
	return v.d.String()
}

// Type is not "duration": applyFlagEnv would replace this flag's own messages ("must be at least
// 100ms") with its generic one for durations.
func (v *watchInterval) Type() string { return "interval" }

// onChangeAction is --on-change: restart, exit or signal:NAME, kept in canonical form.
type onChangeAction struct {
	action string
	set    bool
}

func (v *onChangeAction) Set(s string) error {
	a, err := config.ParseOnChange(s)
	if err != nil {
		return err
	}
	v.action, v.set = a, true
	return nil
}
func (v *onChangeAction) String() string { return v.action }
func (v *onChangeAction) Type() string   { return "action" }

// How a watched secret is watched (watch.PlanEntry.Mode; `check`'s "watch" field).
const (
	watchPoll   = "poll"   // a remote store, checked every Interval
	watchEvents = "events" // file:// and dotenv://: file-system events, at once
	watchLease  = "lease"  // a leased (dynamic) value: replaced before its lease runs out, never polled
)

// summary is `check`'s line about watching, such as "watch (--watch): on change restart; 2
// polled every 5m0s ±10%, 1 watched for file events; debounce 5s, at most one action per 1m0s".
// It is "" when watching is off. modes holds watchMode for each secret.
func (w watchSettings) summary(modes []string) string {
	if !w.Enabled {
		return ""
	}
	n := map[string]int{}
	for _, m := range modes {
		n[m]++
	}
	var parts []string
	if c := n[watchPoll]; c > 0 {
		parts = append(parts, fmt.Sprintf("%d polled every %v ±%g%%", c, w.Interval, w.Jitter*100))
	}
	if c := n[watchEvents]; c > 0 {
		parts = append(parts, fmt.Sprintf("%d watched for file events", c))
	}
	if c := n[watchLease]; c > 0 {
		parts = append(parts, fmt.Sprintf("%d lease(s) replaced before they expire", c))
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing to watch")
	}
	return fmt.Sprintf("watch (%s): on change %s; %s; debounce %v, at most one action per %v",
		w.Source, w.describeAction(), strings.Join(parts, ", "), w.Debounce, w.MinInterval)
}
