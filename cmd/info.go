package cmd

import (
	"encoding/json"
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
