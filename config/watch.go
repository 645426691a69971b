package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults of a profile's `watch` block (docs/watch.md, "Defaults and why").
const (
	// DefaultWatchInterval is how often remote stores are polled: rotation schedules are days or
	// hours, and a fleet of 10,000 processes at 5 minutes stays far under every store's quota.
	DefaultWatchInterval = 5 * time.Minute
	// DefaultWatchJitter spreads each check over ±10 % of the interval, so that processes started
	// together (a deploy) do not poll together.
	DefaultWatchJitter = 0.1
	// DefaultWatchDebounce gathers the changes of one rotation (several secrets, a Kubernetes
	// volume update) into one action.
	DefaultWatchDebounce = 5 * time.Second
	// DefaultWatchMinInterval is the least time between two actions: a secret that changes in a
	// loop restarts the program once a minute at most.
	DefaultWatchMinInterval = time.Minute
	// DefaultWatchExitCode is the status of `on_change: exit`: 75, EX_TEMPFAIL in sysexits.h
	// ("temporary failure; retry"), non-zero so that systemd's Restart=on-failure and a
	// Kubernetes restartPolicy of OnFailure start the program again.
	DefaultWatchExitCode = 75
	// MaxWatchJitter is the largest `jitter`: beyond ±50 % two checks could come close together.
	MaxWatchJitter = 0.5
	// MinWatchInterval is the shortest `interval` accepted. Below 30 s secretrun warns when
	// remote stores are watched (each check costs requests); shorter intervals are for tests.
	MinWatchInterval = 100 * time.Millisecond
)

// The `on_change` actions.
const (
	OnChangeRestart = "restart"
	OnChangeExit    = "exit"
	// OnChangeSignalPrefix starts "signal:NAME", such as "signal:HUP".
	OnChangeSignalPrefix = "signal:"
)

// WatchSignals are the signal names `on_change: signal:NAME` accepts, without "SIG". KILL and
// STOP cannot be caught, so no program reloads on them; the others (CHLD, PIPE, SEGV...) mean
// something else to every program.
var WatchSignals = []string{"HUP", "USR1", "USR2", "WINCH", "ALRM", "INT", "QUIT", "TERM"}

// Watch is a profile's `watch` block: whether secretrun watches the profile's secrets while the
// program runs, and what it does when one changes (docs/watch.md). Each field is the zero value
// when this layer does not set it; Settings fills in the defaults. Through `extends`, each field
// comes from the last layer that sets it.
type Watch struct {
	// Enabled is nil when not said: `watch: true`/`false`, `enabled:`, or true for a mapping
	// without `enabled`.
	Enabled *bool
	// Interval is how often remote stores are checked (`interval`).
	Interval time.Duration
	// Jitter is the ± fraction of Interval each check is moved by (`jitter`, 0 to 0.5); nil when
	// not set, since 0 (no jitter) is a valid setting.
	Jitter *float64
	// Debounce gathers the changes seen within it into one action (`debounce`).
	Debounce time.Duration
	// MinInterval is the least time between two actions (`min_interval`).
	MinInterval time.Duration
	// OnChange is the action, canonical: "restart", "exit" or "signal:NAME" (`on_change`).
	OnChange string
	// ExitCode is the status of the exit action (`exit_code`, 1 to 255 but not 125 to 127).
	ExitCode int
	// Line is the line of the `watch` key (0 for a block not from a file).
	Line int
	// exitLine is the line of this layer's `exit_code`, for checkWatch.
	exitLine int
}

// On reports whether watching is turned on. It is nil-safe.
func (w *Watch) On() bool { return w != nil && w.Enabled != nil && *w.Enabled }

// Settings returns the block with every unset field at its default.
func (w *Watch) Settings() Watch {
	out := Watch{
		Interval: DefaultWatchInterval, Debounce: DefaultWatchDebounce, MinInterval: DefaultWatchMinInterval,
		OnChange: OnChangeRestart, ExitCode: DefaultWatchExitCode,
	}
	j := DefaultWatchJitter
	out.Jitter = &j
	if w == nil {
		return out
	}
	out.Line = w.Line
	out.merge(w)
	if w.Enabled != nil {
		b := *w.Enabled
		out.Enabled = &b
	}
	return out
}

// merge sets on w every field that over sets.
func (w *Watch) merge(over *Watch) {
	if over.Enabled != nil {
		b := *over.Enabled
		w.Enabled = &b
	}
	if over.Interval > 0 {
		w.Interval = over.Interval
	}
	if over.Jitter != nil {
		j := *over.Jitter
		w.Jitter = &j
	}
	if over.Debounce > 0 {
		w.Debounce = over.Debounce
	}
	if over.MinInterval > 0 {
		w.MinInterval = over.MinInterval
	}
	if over.OnChange != "" {
		w.OnChange = over.OnChange
	}
	if over.ExitCode != 0 {
		w.ExitCode, w.exitLine = over.ExitCode, over.exitLine
	}
	if over.Line > 0 {
		w.Line = over.Line
	}
}

// ParseOnChange checks an `on_change` action (`--on-change`) and returns it in canonical form:
// "restart", "exit" or "signal:NAME" with NAME upper case and without "SIG" ("signal:sighup" is
// "signal:HUP"). The error says what is accepted.
func ParseOnChange(s string) (string, error) {
	switch s {
	case OnChangeRestart, OnChangeExit:
		return s, nil
	}
	name, ok := strings.CutPrefix(s, OnChangeSignalPrefix)
	if !ok {
		return "", fmt.Errorf("unknown action %q%s: write restart, exit or signal:NAME (such as signal:HUP)", s,
			didYouMean(s, []string{OnChangeRestart, OnChangeExit, "signal:HUP"}))
	}
	canon := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "SIG")
	switch {
	case name == "":
		return "", fmt.Errorf("signal: needs a signal name, such as signal:HUP (known: %s)", strings.Join(WatchSignals, ", "))
	case canon == "KILL" || canon == "STOP":
		return "", fmt.Errorf("signal:%s cannot be caught, so no program reloads on it: use restart or exit", name)
	case !contains(WatchSignals, canon):
		return "", fmt.Errorf("unknown signal %q%s (known: %s)", name, didYouMean(canon, WatchSignals), strings.Join(WatchSignals, ", "))
	}
	return OnChangeSignalPrefix + canon, nil
}

// CheckWatchInterval checks a watch interval (the profile's, or --watch-interval).
func CheckWatchInterval(d time.Duration) error {
	if d < MinWatchInterval {
		return fmt.Errorf("must be at least %v, got %v (every check is a request per secret; 5m is the default)", MinWatchInterval, d)
	}
	return nil
}

var watchFields = []string{"enabled", "interval", "jitter", "debounce", "min_interval", "on_change", "exit_code"}

// watch parses a profile's `watch`: true, false, or a mapping of settings (which turns watching
// on unless it says `enabled: false`).
func (p *parser) watch(k, n *yaml.Node, field string, prof *Profile) {
	n = resolve(n)
	w := &Watch{Line: k.Line}
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool":
		if b, ok := p.bool(n, field); ok {
			w.Enabled = &b
			prof.Watch = w
		}
		return
	case n.Kind != yaml.MappingNode:
		p.add(n.Line, field, "must be true, false or a mapping of settings (interval, jitter, debounce, min_interval, on_change, exit_code), got %s", p.describe(n))
		return
	}
	before := len(p.errs)
	on := true
	w.Enabled = &on
	exitLine, onChangeLine := 0, 0
	p.fields(n, field, watchFields, false, func(key string, k, v *yaml.Node) {
		f := field + "." + key
		switch key {
		case "enabled":
			if b, ok := p.bool(v, f); ok {
				w.Enabled = &b
			}
		case "interval":
			if d, ok := p.watchDuration(v, f); ok {
				if err := CheckWatchInterval(d); err != nil {
					p.add(resolve(v).Line, f, "%v", err)
				}
				w.Interval = d
			}
		case "debounce", "min_interval":
			if d, ok := p.watchDuration(v, f); ok {
				if key == "debounce" {
					w.Debounce = d
				} else {
					w.MinInterval = d
				}
			}
		case "jitter":
			if j, ok := p.jitter(v, f); ok {
				w.Jitter = &j
			}
		case "on_change":
			if s, ok := p.str(v, f); ok {
				onChangeLine = resolve(v).Line
				if a, err := ParseOnChange(s); err != nil {
					p.add(onChangeLine, f, "%v", err)
				} else {
					w.OnChange = a
				}
			}
		case "exit_code":
			if c, ok := p.int(v, f); ok {
				exitLine = resolve(v).Line
				switch {
				case c < 1 || c > 255:
					p.add(exitLine, f, "must be from 1 to 255, got %d (an exit status is one byte, and 0 would tell the orchestrator the program finished)", c)
				case c >= 125 && c <= 127:
					p.add(exitLine, f, "%d is secretrun's own failure status (125 bad configuration, 126 cannot execute, 127 not found); choose another, such as the default %d", c, DefaultWatchExitCode)
				default:
					w.ExitCode, w.exitLine = c, exitLine
				}
			}
		}
	})
	if exitLine > 0 && w.OnChange != "" && w.OnChange != OnChangeExit {
		p.add(exitLine, field+".exit_code", "exit_code applies to on_change: exit, and on_change is %s (line %d)", w.OnChange, onChangeLine)
	}
	if len(p.errs) == before {
		prof.Watch = w
	}
}

// checkWatch reports an `exit_code` that can never apply: its profile, with extends applied, does
// not exit on a change. (A profile that extends it and chooses another action only leaves the
// inherited exit_code unused.)
func (p *parser) checkWatch(cfg *Config) {
	for _, name := range cfg.ProfileNames() {
		own := cfg.Profiles[name].Watch
		if own == nil || own.ExitCode == 0 {
			continue
		}
		prof, err := cfg.Profile(name)
		if err != nil {
			continue
		}
		if action := prof.Watch.Settings().OnChange; action != OnChangeExit {
			p.add(own.exitLine, "profiles."+name+".watch.exit_code", "exit_code applies to on_change: exit, and profile %s's on_change is %s; add on_change: exit or remove exit_code", name, action)
		}
	}
}

// watchDuration reads a positive duration with a unit.
func (p *parser) watchDuration(v *yaml.Node, field string) (time.Duration, bool) {
	var d Profile // the same rules and messages as grace: a positive duration with a unit
	p.grace(v, field, &d)
	return d.Grace, d.Grace > 0
}

// jitter reads a fraction from 0 to MaxWatchJitter, written as a number (0.1) or a percentage
// ("10%").
func (p *parser) jitter(v *yaml.Node, field string) (float64, bool) {
	v = resolve(v)
	var j float64
	var err error
	switch {
	case v.Kind != yaml.ScalarNode || isNull(v):
		err = strconv.ErrSyntax
	case strings.HasSuffix(v.Value, "%"):
		j, err = strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v.Value, "%")), 64)
		j /= 100
	case v.ShortTag() == "!!int" || v.ShortTag() == "!!float":
		j, err = strconv.ParseFloat(v.Value, 64)
	default:
		err = strconv.ErrSyntax
	}
	if err != nil {
		p.add(v.Line, field, "must be a fraction of the interval such as 0.1, or a percentage such as \"10%%\"; got %s", p.describe(v))
		return 0, false
	}
	if j < 0 || j > MaxWatchJitter || j != j {
		p.add(v.Line, field, "must be from 0 to %v (0 %% to 50 %% of the interval), got %s", MaxWatchJitter, v.Value)
		return 0, false
	}
	return j, true
}
