package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"text/tabwriter"

	"github.com/spf13/cobra"
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
			p, err := a.loadPlan()
			if err != nil {
				return err
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
				fmt.Fprintf(out, "%s%s\n", name, mark)
			}
			return nil
		},
	}
}

func newProvidersCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "providers",
		Short: "List the reference schemes secretrun can resolve",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			p, err := a.loadPlan()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCHEME\tKIND\tDESCRIPTION")
			for _, e := range p.registry.Entries() {
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

func newVersionCommand(_ *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print secretrun's version",
		Args:  cobra.NoArgs,
		Run: func(c *cobra.Command, _ []string) {
			v, cm, d := version, commit, date
			if info, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				if info.Main.Version != "" && info.Main.Version != "(devel)" {
					v = info.Main.Version
				}
				for _, s := range info.Settings {
					switch {
					case s.Key == "vcs.revision" && cm == "":
						cm = s.Value
					case s.Key == "vcs.time" && d == "":
						d = s.Value
					}
				}
			}
			fmt.Fprintf(c.OutOrStdout(), "secretrun %s (commit %s, built %s, %s %s/%s)\n", v, dash(cm), dash(d), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}
