package cmd

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

// Build information, stamped by the release build (-ldflags -X).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func newProfilesCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "profiles",
		Short: "List the profiles of the configuration",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			p, err := a.loadFile() // listing needs no profile selected, but a named one must exist
			if err != nil {
				return err
			}
			if name := a.profileName(); name != "" {
				if _, err := p.cfg.Profile(name); err != nil {
					return err
				}
			}
			out := c.OutOrStdout()
			if p.cfg.Path == "" {
				a.ui().Warnf("no config file found (looked for secretrun.yaml and .secretrun.yaml from %s up, then $XDG_CONFIG_HOME/secretrun/config.yaml)", a.deps.Dir)
				return nil
			}
			for _, name := range p.cfg.ProfileNames() {
				mark := ""
				if name == p.cfg.DefaultProfile {
					mark = " (default)"
				}
				if p.cfg.Profiles[name].Protected {
					mark += " (protected)"
				}
				fmt.Fprintf(out, "%s%s\n", name, mark)
			}
			return nil
		},
	}
}

func newProvidersCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "providers [SCHEME...]",
		Short: "List the reference schemes secretrun can resolve",
		Long: `List the reference schemes secretrun can resolve: local or remote, and the shape of a
reference. With SCHEME arguments (vault, or vault://), only those; the shell completion
completes them.`,
		Args: cobra.ArbitraryArgs,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			var out []string
			for _, e := range a.deps.Registry(config.Default(), a.deps.Dir).Entries() {
				if !slices.Contains(args, e.Scheme) {
					out = append(out, e.Scheme+"\t"+e.Summary)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			p, err := a.loadPlan()
			if err != nil {
				return err
			}
			entries, err := selectSchemes(p.registry.Entries(), args)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCHEME\tKIND\tDESCRIPTION")
			for _, e := range entries {
				kind := "local"
				if e.Remote {
					kind = "remote"
				}
				fmt.Fprintf(tw, "%s://\t%s\t%s\n", e.Scheme, kind, e.Summary)
			}
			return tw.Flush()
		},
	}
}

// selectSchemes returns the entries named by schemes ("vault" or "vault://"), in the registry's
// order, or all of them when none is named. An unknown scheme is a usage error listing the known.
func selectSchemes(entries []providers.Entry, schemes []string) ([]providers.Entry, error) {
	if len(schemes) == 0 {
		return entries, nil
	}
	known := make([]string, len(entries))
	for i, e := range entries {
		known[i] = e.Scheme
	}
	want := map[string]bool{}
	for _, s := range schemes {
		s = strings.TrimSuffix(s, "://")
		if !slices.Contains(known, s) {
			return nil, usageErrorf("unknown scheme %q: secretrun resolves %s", s, strings.Join(known, ", "))
		}
		want[s] = true
	}
	var out []providers.Entry
	for _, e := range entries {
		if want[e.Scheme] {
			out = append(out, e)
		}
	}
	return out, nil
}

func newVersionCommand(_ *app) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print secretrun's version",
		Long: `Print secretrun's version, the commit and date it was built from, and the Go version
and platform. secretrun --version prints the same line.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			b := currentBuild()
			if asJSON {
				enc := json.NewEncoder(c.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			_, err := fmt.Fprintln(c.OutOrStdout(), b)
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// buildInfo is what `secretrun version` reports.
type buildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// currentBuild returns the version, commit and date stamped by the release build, or else those
// the go command recorded (go install module@version, a build in a git checkout).
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok && b.Version == "dev" {
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	return b
}

// String is the line `secretrun version` and `secretrun --version` print.
func (b buildInfo) String() string {
	return fmt.Sprintf("secretrun %s (commit %s, built %s, %s %s/%s)", b.Version, dash(b.Commit), dash(b.Date), b.Go, b.OS, b.Arch)
}
