package cmd

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/validate"
)

func newDiffCommand(a *app) *cobra.Command {
	var names []string
	c := &cobra.Command{
		Use:   "diff -p NAME -p NAME | diff NAME NAME",
		Short: "Show the variables, providers and rules that differ between two profiles (never values)",
		Long: `Compare two profiles of the configuration, with extends applied: the variables each one
sets, where each secret comes from (the provider; the path inside a store naturally differs
between environments and is not compared), its options (optional, as, mask, validate), whole-profile
files, and the environment rules (inherit, deny, clobber, grace, ci_masks). Plain env values
are compared too, but never printed. Nothing is fetched.

Exit status: 0 when the profiles agree, 1 when they drift apart, 125 on an error. Use it in
CI to keep staging and production in step:

  secretrun diff -p staging -p prod`,
		RunE: func(c *cobra.Command, args []string) error {
			all := append(append([]string{}, names...), args...)
			if len(all) != 2 {
				return usageErrorf("diff needs two profiles: secretrun diff -p NAME -p NAME")
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			pa, err := cfg.Profile(all[0])
			if err != nil {
				return err
			}
			pb, err := cfg.Profile(all[1])
			if err != nil {
				return err
			}
			lines := diffProfiles(pa, pb)
			if err := writeLines(c.OutOrStdout(), lines); err != nil {
				return err
			}
			if len(lines) > 0 {
				return withStatus(1, fmt.Errorf("profiles %s and %s differ in %d place(s)", all[0], all[1], len(lines)))
			}
			return nil
		},
	}
	// -p is repeatable here: a local flag that takes the place of the global one.
	c.Flags().StringArrayVarP(&names, "profile", "p", nil, "a profile to compare (give two)")
	return c
}

// findConfig finds the configuration file from the flags and the environment ("" for none).
func (a *app) findConfig() (string, error) {
	return config.Find(a.findOptions())
}

// findOptions says where to look for the configuration file: the flag, $SECRETRUN_CONFIG, the
// working directory and its parents, then the user's config directory.
func (a *app) findOptions() config.FindOptions {
	return config.FindOptions{
		Explicit:      a.opts.configPath,
		Env:           a.configEnv(),
		Dir:           a.deps.Dir,
		XDGConfigHome: a.deps.getenv("XDG_CONFIG_HOME"),
		Home:          a.deps.getenv("HOME"),
	}
}

// loadConfig finds and loads the configuration file, without choosing a profile. No file is
// an error here: there is nothing to compare.
func (a *app) loadConfig() (*config.Config, error) {
	path, err := a.findConfig()
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, fmt.Errorf("no configuration file found (looked for secretrun.yaml and .secretrun.yaml from %s up); give one with -c", a.deps.Dir)
	}
	return a.deps.Schema.Load(path, a.displayPath(path))
}

func writeLines(w io.Writer, lines []string) error {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// varInfo describes one variable of a profile for diff: what it is, never its value.
type varInfo struct {
	kind     string // env, secret, file
	provider string
	attrs    map[string]string
	value    string // env only: compared, never printed
}

func describeVars(p *config.Profile) ([]string, map[string]varInfo) {
	var order []string
	m := map[string]varInfo{}
	for _, e := range p.Env {
		order = append(order, e.Name)
		m[e.Name] = varInfo{kind: "env", value: e.Value}
	}
	for _, s := range p.Secrets {
		order = append(order, s.Name)
		as := s.As
		if as == "" {
			as = "env"
		}
		m[s.Name] = varInfo{kind: "secret", provider: providerOf(s.Ref), attrs: map[string]string{
			"optional": strconv.FormatBool(s.Optional), "as": as, "mask": strconv.FormatBool(s.Masked()),
			"key": keyKind(s.Ref), "validate": rulesText(s.Validate),
		}}
	}
	for _, f := range p.Files {
		order = append(order, f.Name)
		include := "all"
		if f.Include != nil {
			include = "[" + strings.Join(f.Include, ", ") + "]"
		}
		m[f.Name] = varInfo{kind: "file", attrs: map[string]string{"format": f.Format, "include": include, "template": f.Template}}
	}
	return order, m
}

// keyKind says whether a reference picks a key, so that a profile reading a whole secret where
// the other reads one field shows up, without comparing paths.
func keyKind(ref string) string {
	r, err := providers.ParseRef(ref)
	if err != nil || r.Key == "" {
		return "none"
	}
	return "#" + r.Key
}

func (v varInfo) summary() string {
	switch v.kind {
	case "secret":
		return "secret from " + v.provider
	case "file":
		return "file, " + v.attrs["format"]
	}
	return "plain env value"
}

// diffProfiles lists the differences between a and b, one line each: variables only in one
// of them (- for a, + for b), then changed variables and rules (~).
func diffProfiles(a, b *config.Profile) []string {
	an, bn := a.Name, b.Name
	orderA, va := describeVars(a)
	orderB, vb := describeVars(b)
	var out []string
	for _, n := range orderA {
		if _, ok := vb[n]; !ok {
			out = append(out, fmt.Sprintf("- %s: only in %s (%s)", n, an, va[n].summary()))
		}
	}
	for _, n := range orderB {
		if _, ok := va[n]; !ok {
			out = append(out, fmt.Sprintf("+ %s: only in %s (%s)", n, bn, vb[n].summary()))
		}
	}
	changed := func(what, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("~ %s: %s in %s, %s in %s", what, x, an, y, bn))
		}
	}
	for _, n := range orderA {
		x, ok := va[n]
		y, inB := vb[n]
		if !ok || !inB {
			continue
		}
		if x.kind != y.kind {
			changed(n, x.summary(), y.summary())
			continue
		}
		switch x.kind {
		case "env":
			if x.value != y.value {
				out = append(out, fmt.Sprintf("~ %s: the plain value differs (not shown)", n))
			}
		case "secret":
			changed(n+" provider", x.provider, y.provider)
			for _, k := range []string{"key", "optional", "as", "mask"} {
				changed(n+" "+k, x.attrs[k], y.attrs[k])
			}
			if x.attrs["validate"] != y.attrs["validate"] {
				out = append(out, fmt.Sprintf("~ %s validate: the rules differ", n))
			}
		case "file":
			for _, k := range []string{"format", "include"} {
				changed(n+" "+k, x.attrs[k], y.attrs[k])
			}
			if x.attrs["template"] != y.attrs["template"] {
				out = append(out, fmt.Sprintf("~ %s template: the template differs (not shown)", n))
			}
		}
	}
	changed("inherit", inheritText(a.Inherit), inheritText(b.Inherit))
	changed("deny", "["+strings.Join(slices.Sorted(slices.Values(a.Deny)), ", ")+"]", "["+strings.Join(slices.Sorted(slices.Values(b.Deny)), ", ")+"]")
	changed("clobber", strconv.FormatBool(a.ClobberOrDefault()), strconv.FormatBool(b.ClobberOrDefault()))
	changed("grace", a.GraceOrDefault().String(), b.GraceOrDefault().String())
	changed("ci_masks", optBool(a.CIMasks), optBool(b.CIMasks))
	return out
}

// rulesText is a secret's validate rules as text, for comparing (its pattern as written).
func rulesText(r *validate.Rules) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%+v", *r)
}

func inheritText(in config.Inherit) string {
	switch in.Mode {
	case config.InheritNone:
		return "none"
	case config.InheritList:
		return "[" + strings.Join(in.Patterns, ", ") + "]"
	}
	return "all"
}

func optBool(b *bool) string {
	if b == nil {
		return "unset"
	}
	return strconv.FormatBool(*b)
}
