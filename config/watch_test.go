package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestWatch(t *testing.T) {
	c := mustParse(t, `
profiles:
  off: {}
  defaults:
    watch: true
  disabled:
    watch: false
  tuned:
    watch:
      interval: 10m
      jitter: 20%
      debounce: 2s
      min_interval: 5m
      on_change: signal:sighup
  exits:
    watch: {on_change: exit, exit_code: 3, jitter: 0}
  base:
    watch: {enabled: false, interval: 2m, on_change: exit}
  child:
    extends: base
    watch: true
  grandchild:
    extends: child
    watch: {jitter: 0.05}
  optout:
    extends: defaults
    watch: {enabled: false}
`)
	type want struct {
		on          bool
		interval    time.Duration
		jitter      float64
		debounce    time.Duration
		minInterval time.Duration
		onChange    string
		exitCode    int
	}
	def := want{false, DefaultWatchInterval, DefaultWatchJitter, DefaultWatchDebounce, DefaultWatchMinInterval, OnChangeRestart, DefaultWatchExitCode}
	with := func(f func(*want)) want { w := def; f(&w); return w }
	tests := map[string]want{
		"off":        def,
		"defaults":   with(func(w *want) { w.on = true }),
		"disabled":   def,
		"tuned":      {true, 10 * time.Minute, 0.2, 2 * time.Second, 5 * time.Minute, "signal:HUP", DefaultWatchExitCode},
		"exits":      with(func(w *want) { w.on, w.onChange, w.exitCode, w.jitter = true, OnChangeExit, 3, 0 }),
		"base":       with(func(w *want) { w.interval, w.onChange = 2*time.Minute, OnChangeExit }),
		"child":      with(func(w *want) { w.on, w.interval, w.onChange = true, 2*time.Minute, OnChangeExit }), // base's settings, turned on
		"grandchild": with(func(w *want) { w.on, w.interval, w.onChange, w.jitter = true, 2*time.Minute, OnChangeExit, 0.05 }),
		"optout":     def,
	}
	for name, w := range tests {
		p, err := c.Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := p.Watch.Settings()
		got := want{p.Watch.On(), s.Interval, *s.Jitter, s.Debounce, s.MinInterval, s.OnChange, s.ExitCode}
		if got != w {
			t.Errorf("%s: got %+v, want %+v", name, got, w)
		}
	}
	if p, _ := c.Profile("off"); p.Watch != nil {
		t.Errorf("a profile without watch has Watch %+v, want nil", p.Watch)
	}
	if p, _ := c.Profile("tuned"); p.Watch.Line != 9 {
		t.Errorf("tuned: Line %d, want 9", p.Watch.Line)
	}
}

func TestWatchErrors(t *testing.T) {
	profile := func(block string) string { return "profiles:\n  p:\n    watch:\n" + block }
	tests := []struct{ name, yaml, want string }{
		{"unknown field", profile("      intervall: 1m\n"),
			`secretrun.yaml:4: profiles.p.watch: unknown field "intervall" (did you mean "interval"?)`},
		{"not a mapping", "profiles:\n  p:\n    watch: yes\n",
			`secretrun.yaml:3: profiles.p.watch: must be true, false or a mapping of settings (interval, jitter, debounce, min_interval, on_change, exit_code), got "yes"`},
		{"empty", "profiles:\n  p:\n    watch:\n",
			`secretrun.yaml:3: profiles.p.watch: must be true, false or a mapping of settings`},
		{"interval without unit", profile("      interval: 300\n"),
			`secretrun.yaml:4: profiles.p.watch.interval: missing unit in "300"; write a duration such as "300s"`},
		{"interval zero", profile("      interval: 0s\n"),
			`secretrun.yaml:4: profiles.p.watch.interval: must be positive, got "0s"`},
		{"interval too short", profile("      interval: 10ms\n"),
			`secretrun.yaml:4: profiles.p.watch.interval: must be at least 100ms, got 10ms`},
		{"negative debounce", profile("      debounce: -5s\n"),
			`secretrun.yaml:4: profiles.p.watch.debounce: must be positive, got "-5s"`},
		{"bad min_interval", profile("      min_interval: soon\n"),
			`secretrun.yaml:4: profiles.p.watch.min_interval: invalid duration "soon"`},
		{"jitter too large", profile("      jitter: 0.8\n"),
			`secretrun.yaml:4: profiles.p.watch.jitter: must be from 0 to 0.5 (0 % to 50 % of the interval), got 0.8`},
		{"jitter percent too large", profile("      jitter: 60%\n"),
			`secretrun.yaml:4: profiles.p.watch.jitter: must be from 0 to 0.5`},
		{"negative jitter", profile("      jitter: -0.1\n"),
			`secretrun.yaml:4: profiles.p.watch.jitter: must be from 0 to 0.5`},
		{"jitter not a number", profile("      jitter: lots\n"),
			`secretrun.yaml:4: profiles.p.watch.jitter: must be a fraction of the interval such as 0.1, or a percentage such as "10%"; got "lots"`},
		{"unknown action", profile("      on_change: reload\n"),
			`secretrun.yaml:4: profiles.p.watch.on_change: unknown action "reload": write restart, exit or signal:NAME (such as signal:HUP)`},
		{"misspelt action", profile("      on_change: restrat\n"),
			`unknown action "restrat" (did you mean "restart"?)`},
		{"unknown signal", profile("      on_change: signal:HUPP\n"),
			`secretrun.yaml:4: profiles.p.watch.on_change: unknown signal "HUPP" (did you mean "HUP"?) (known: HUP, USR1, USR2, WINCH, ALRM, INT, QUIT, TERM)`},
		{"uncatchable signal", profile("      on_change: signal:KILL\n"),
			`secretrun.yaml:4: profiles.p.watch.on_change: signal:KILL cannot be caught, so no program reloads on it: use restart or exit`},
		{"signal without name", profile("      on_change: 'signal:'\n"),
			`profiles.p.watch.on_change: signal: needs a signal name, such as signal:HUP`},
		{"exit_code zero", profile("      on_change: exit\n      exit_code: 0\n"),
			`secretrun.yaml:5: profiles.p.watch.exit_code: must be from 1 to 255, got 0`},
		{"exit_code too large", profile("      on_change: exit\n      exit_code: 256\n"),
			`secretrun.yaml:5: profiles.p.watch.exit_code: must be from 1 to 255, got 256`},
		{"exit_code of secretrun", profile("      on_change: exit\n      exit_code: 125\n"),
			`secretrun.yaml:5: profiles.p.watch.exit_code: 125 is secretrun's own failure status`},
		{"exit_code without exit", profile("      on_change: restart\n      exit_code: 3\n"),
			`secretrun.yaml:5: profiles.p.watch.exit_code: exit_code applies to on_change: exit, and on_change is restart (line 4)`},
		{"exit_code with the default action", profile("      exit_code: 3\n"),
			`secretrun.yaml:4: profiles.p.watch.exit_code: exit_code applies to on_change: exit, and profile p's on_change is restart; add on_change: exit or remove exit_code`},
		{"exit_code with an inherited signal", "profiles:\n  b:\n    watch: {on_change: signal:HUP}\n  p:\n    extends: b\n    watch: {exit_code: 9}\n",
			`secretrun.yaml:6: profiles.p.watch.exit_code: exit_code applies to on_change: exit, and profile p's on_change is signal:HUP`},
		{"enabled not a boolean", profile("      enabled: yes\n"),
			`secretrun.yaml:4: profiles.p.watch.enabled: must be true or false, got "yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("secretrun.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got:\n%v\nwant:\n%s", err, tt.want)
			}
			if c != nil {
				t.Errorf("Parse returned a configuration along with the error")
			}
		})
	}
}

// Every problem of a watch block is reported at once, each on its line.
func TestWatchErrorsTogether(t *testing.T) {
	_, err := Parse("s.yaml", []byte("profiles:\n  p:\n    watch:\n      interval: 5\n      jitter: 2\n      on_change: bounce\n"))
	for _, want := range []string{"s.yaml:4: profiles.p.watch.interval", "s.yaml:5: profiles.p.watch.jitter", "s.yaml:6: profiles.p.watch.on_change"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestParseOnChange(t *testing.T) {
	for in, want := range map[string]string{
		"restart": "restart", "exit": "exit",
		"signal:HUP": "signal:HUP", "signal:hup": "signal:HUP", "signal:SIGUSR1": "signal:USR1", "signal:sigwinch": "signal:WINCH",
		"signal:TERM": "signal:TERM",
	} {
		got, err := ParseOnChange(in)
		if err != nil || got != want {
			t.Errorf("ParseOnChange(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Restart", "signal", "signal:", "signal:STOP", "signal:9", "signal:SEGV", "hup"} {
		if got, err := ParseOnChange(in); err == nil {
			t.Errorf("ParseOnChange(%q) = %q, want an error", in, got)
		}
	}
}

// Every configuration in docs/watch.md parses, and turns watching on.
func TestWatchDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/watch.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 2 {
		t.Fatalf("found %d yaml examples, want at least 2", len(blocks))
	}
	for _, b := range blocks {
		c, err := Parse("docs/watch.md", []byte(b[1]))
		if err != nil {
			t.Errorf("example does not parse:\n%s\n%v", b[1], err)
			continue
		}
		p, err := c.Profile("")
		if err != nil || !p.Watch.On() {
			t.Errorf("example does not turn watching on (%v):\n%s", err, b[1])
		}
	}
}

// An exit_code inherited by a profile that chooses another action is merely unused; one the
// profile gets its exit action from elsewhere is fine.
func TestWatchExitCodeThroughExtends(t *testing.T) {
	c := mustParse(t, `
profiles:
  base: {watch: {on_change: exit, exit_code: 3}}
  reload: {extends: base, watch: {on_change: signal:HUP}}
  exits: {watch: {on_change: exit}}
  code: {extends: exits, watch: {exit_code: 4}}
`)
	for name, want := range map[string]int{"reload": 3, "code": 4} {
		p, err := c.Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Watch.Settings().ExitCode; got != want {
			t.Errorf("%s: exit code %d, want %d", name, got, want)
		}
	}
}
