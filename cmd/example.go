package cmd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/render"
)

func newExampleCommand(a *app) *cobra.Command {
	var output string
	var check bool
	c := &cobra.Command{
		Use:   "example [-p NAME] [-o PATH] [--check]",
		Short: "Write .env.example: the profile's variable names with placeholders, never values",
		Long: `Write a .env.example for the profile: every variable it sets, with a placeholder that
says where the value comes from (the reference, or the plain value of env entries) and what is
expected of it (optional, a file path, not masked). Nothing is fetched and no secret value is
ever written.

  secretrun example -p dev               write .env.example
  secretrun example -o -                 print it
  secretrun example --check              exit 1 when .env.example is not up to date (CI)`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			p, err := a.loadPlan()
			if err != nil {
				return err
			}
			content := a.exampleFile(p)
			switch {
			case output == "-":
				_, err := c.OutOrStdout().Write(content)
				return err
			case check:
				old, err := os.ReadFile(a.abs(output))
				if err != nil {
					return withStatus(1, fmt.Errorf("%s: %w; run secretrun example to write it", output, err))
				}
				if !bytes.Equal(old, content) {
					return withStatus(1, fmt.Errorf("%s is not up to date with the profile; run secretrun example to rewrite it", output))
				}
				return nil
			}
			if err := os.WriteFile(a.abs(output), content, 0o644); err != nil {
				return err
			}
			a.ui().Tracef("wrote %s", output)
			return nil
		},
	}
	c.Flags().StringVarP(&output, "output", "o", ".env.example", "file to write; - prints to stdout")
	c.Flags().BoolVar(&check, "check", false, "do not write; exit 1 when the file differs from what would be written")
	return c
}

// exampleFile renders the .env.example of the plan's profile: for each variable a comment
// saying what it is and a placeholder, in dotenv syntax. Only configuration is shown: env
// values (plain by definition), references (as DisplayRef shows them), options.
func (a *app) exampleFile(p *plan) []byte {
	var b strings.Builder
	name, file := "(none)", "(no configuration file)"
	if p.profile != nil && p.profile.Name != "" {
		name = p.profile.Name
	}
	if p.cfg.Path != "" {
		file = filepath.ToSlash(p.cfg.Path)
	}
	fmt.Fprintf(&b, "# Variables of secretrun profile %s (%s), written by `secretrun example`.\n", name, file)
	b.WriteString("# Placeholders only: secretrun fetches the values when it runs the program.\n")
	fromProfile := map[string]string{}
	if p.profile != nil {
		for _, e := range p.profile.Env {
			fromProfile[e.Name] = e.Value
		}
	}
	for _, e := range p.env {
		if v, ok := fromProfile[e.Name]; ok && v == e.Value {
			fmt.Fprintf(&b, "\n# plain value, set by the profile\n%s=%s\n", e.Name, render.DotenvQuote(e.Value))
			continue
		}
		// An --env-file literal is not shown: it may be a value pasted there, and this file is
		// meant to be committed.
		fmt.Fprintf(&b, "\n# plain value from --env-file (not shown)\n%s=%s\n", e.Name, render.DotenvQuote("<from --env-file>"))
	}
	var specs map[string]config.SecretSpec
	if p.profile != nil {
		specs = map[string]config.SecretSpec{}
		for _, s := range p.profile.Secrets {
			specs[s.Name] = s
		}
	}
	for _, r := range p.requests {
		if r.inherited {
			continue
		}
		ref := inject.DisplayRef(r.Ref, p.registry)
		notes := []string{"secret from " + providerOf(r.Ref)}
		placeholder := "<" + ref + ">"
		if r.Optional {
			notes = append(notes, "optional: left unset when it does not exist")
		}
		if r.asFile {
			notes = append(notes, "as: file: holds the path of a private file with the value")
			placeholder = "<path of a file holding " + ref + ">"
		}
		if r.noEnv {
			notes = append(notes, "as: none: only used in the profile's files, not set")
		}
		if !r.masked {
			notes = append(notes, "mask: false: not masked in output")
		}
		if s, ok := specs[r.Name]; !ok || s.Ref != r.Ref {
			notes = append(notes, "from "+r.Origin)
		}
		prefix := ""
		if r.noEnv {
			prefix = "# "
		}
		fmt.Fprintf(&b, "\n# %s\n%s%s=%s\n", strings.Join(notes, "; "), prefix, r.Name, render.DotenvQuote(placeholder))
	}
	if p.profile != nil {
		for _, f := range p.profile.Files {
			what := "every variable of the profile"
			if f.Include != nil {
				what = strings.Join(f.Include, ", ")
			}
			fmt.Fprintf(&b, "\n# whole-profile file (%s) of %s: holds the path of a private file\n%s=%s\n",
				f.Format, what, f.Name, render.DotenvQuote("<path of a "+f.Format+" file>"))
		}
	}
	return []byte(b.String())
}

// providerOf names the provider of a reference by its scheme, or "an unknown provider".
func providerOf(ref string) string {
	r, err := providers.ParseRef(ref)
	if err != nil {
		return "an invalid reference"
	}
	return r.Scheme
}
