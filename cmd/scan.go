package cmd

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/redact"
	"github.com/secretrun/secretrun/scan"
)

// scanOptions are the flags of `secretrun scan`.
type scanOptions struct {
	git    bool
	since  string
	staged bool
	format string
}

func newScanCommand(a *app) *cobra.Command {
	var o scanOptions
	c := &cobra.Command{
		Use:   "scan [PATH...] [--git [--since REV]] [--staged] [--format text|sarif]",
		Short: "Find the profile's secret values in files and git history (never printing them)",
		Long: `Resolve the profile's secrets and look for their values, in every form the redactor
masks (raw, JSON- and shell-escaped, URL- and base64-encoded, ...), in files, in the git
index or in git history. Each finding is printed as PATH:LINE:COLUMN and the variable's name;
the value never is.

  secretrun scan                 the current directory, recursively (.git is skipped)
  secretrun scan config/ app.env these files and directories
  secretrun scan --staged        the files staged for the next commit (a pre-commit hook)
  secretrun scan --git           every blob in the history of every ref
  secretrun scan --git --since origin/main   the commits since origin/main

The files the secrets are read from (dotenv:// and file:// references) hold the values by
design and are not scanned. Values marked mask: false, and values too short or too common to
mask, are not looked for.

Exit status: 0 when nothing is found, 1 when a value is found, 125 on an error.`,
		RunE: func(c *cobra.Command, args []string) error {
			switch {
			case !slices.Contains([]string{"text", "sarif"}, o.format):
				return usageErrorf("--format %q: want text or sarif", o.format)
			case o.since != "" && !o.git:
				return usageErrorf("--since needs --git")
			case o.git && o.staged:
				return usageErrorf("--git and --staged cannot be used together")
			case (o.git || o.staged) && len(args) > 0:
				return usageErrorf("paths cannot be given with --git or --staged")
			}
			return a.scan(c, o, args)
		},
	}
	f := c.Flags()
	f.BoolVar(&o.git, "git", false, "scan every blob of the git history (all refs)")
	f.StringVar(&o.since, "since", "", "with --git: only the commits since REV (REV..HEAD)")
	f.BoolVar(&o.staged, "staged", false, "scan the files staged in the git index")
	f.StringVar(&o.format, "format", "text", "output format: text or sarif (SARIF 2.1.0, for code scanning)")
	return c
}

func (a *app) scan(c *cobra.Command, o scanOptions, paths []string) error {
	p, err := a.loadPlan()
	if err != nil {
		return err
	}
	defer a.closeProviders(p)
	results, _, err := a.resolve(c.Context(), p)
	if err != nil {
		return err
	}
	opt := redactOptions(p.cfg.Redact)
	s := &scan.Scanner{Skip: a.sourceFiles(p)}
	for i, r := range results {
		if r.Err != nil || r.Skipped || !p.requests[i].masked {
			continue
		}
		m, skipped := redact.Compile([]redact.Secret{{Name: r.Name, Value: r.Secret.Reveal()}}, opt)
		if len(skipped) > 0 {
			a.ui().Tracef("%s is not looked for: %s", r.Name, skipped[0].Reason)
			continue
		}
		s.Secrets = append(s.Secrets, scan.Secret{Name: r.Name, Matcher: m})
	}
	if len(s.Secrets) == 0 {
		a.ui().Warnf("the profile has no secret values to look for")
	}

	var findings []scan.Finding
	g := scan.Git{Dir: a.deps.Dir}
	switch {
	case o.git:
		findings, err = s.History(c.Context(), g, o.since)
	case o.staged:
		findings, err = s.Staged(c.Context(), g)
	default:
		if len(paths) == 0 {
			paths = []string{"."}
		}
		findings, err = s.Paths(paths)
	}
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	for _, sk := range s.Skipped {
		a.ui().Warnf("%s: not scanned: larger than 64 MiB", sk)
	}

	out := c.OutOrStdout()
	if o.format == "sarif" {
		profile := ""
		if p.profile != nil {
			profile = p.profile.Name
		}
		err = scan.WriteSARIF(out, scan.Tool{Version: version, Profile: profile}, findings)
	} else {
		err = scan.WriteText(out, findings)
	}
	if err != nil {
		return err
	}
	if len(findings) > 0 {
		return withStatus(1, fmt.Errorf("found %d secret value(s); remove them and rotate those secrets", len(findings)))
	}
	return nil
}

// sourceFiles returns a test for the files the profile's secrets are read from (dotenv:// and
// file:// references): they hold the values by design. Paths are compared absolute.
func (a *app) sourceFiles(p *plan) func(string) bool {
	base := a.deps.Dir
	if p.cfg.Path != "" {
		base = filepath.Dir(a.abs(p.cfg.Path))
	}
	skip := map[string]bool{}
	for _, r := range p.requests {
		ref, err := providers.ParseRef(r.Ref)
		if err != nil || (ref.Scheme != "dotenv" && ref.Scheme != "file") {
			continue
		}
		path := ref.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(base, path)
		}
		skip[filepath.Clean(path)] = true
	}
	for _, f := range a.opts.envFiles {
		skip[a.abs(f)] = true
	}
	return func(path string) bool { return skip[a.abs(path)] }
}

// abs returns path made absolute against the working directory.
func (a *app) abs(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(a.deps.Dir, strings.TrimPrefix(path, "./"))
}
