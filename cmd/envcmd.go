package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/render"
)

// envFormats are the output formats of `secretrun env`.
var envFormats = []string{"dotenv", "json", "shell", "yaml", "github"}

func newEnvCommand(a *app) *cobra.Command {
	var format string
	var reveal, githubOutput bool
	c := &cobra.Command{
		Use:   "env [-p NAME] [--format dotenv|json|shell|yaml|github] [--reveal]",
		Short: "Print the profile's resolved variables (values included)",
		Long: `Print the variables the profile adds to the child's environment: its env values and
its resolved secrets (a secret with as: file is printed as its value, since its file exists
only while a command runs). Inherited variables are not printed.

This prints secret values. It refuses to write to a terminal unless --reveal is given, and
for a protected profile (docs/config.md) to anything at all, pipes and files included.

--format shell prints export NAME='VALUE' lines for eval; a name a shell cannot export (an
--env-file's MY-TOKEN) is refused, as the shell would print its value in its error.

--format github appends the variables to $GITHUB_ENV (with --github-output, to
$GITHUB_OUTPUT) as NAME<<DELIMITER blocks, so that later steps of a GitHub Actions job get
them, and prints an ::add-mask:: command for every secret value first (on stderr), so that the runner
masks them in every later step. See docs/ci.md.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if githubOutput && format != "github" {
				return usageErrorf("--github-output needs --format github")
			}
			if format == "github" {
				if err := a.checkGitHubFile(githubOutput); err != nil {
					return err // before anything is fetched
				}
			}
			if a.deps.Streams.OutTTY && !reveal {
				return withStatus(ExitUsage, fmt.Errorf("refusing to print secret values to a terminal; pipe the output or add --reveal"))
			}
			p, err := a.loadSecrets()
			if err != nil {
				return err
			}
			defer a.closeProviders(p)
			if p.profile != nil && p.profile.Protected && !reveal {
				return withStatus(ExitUsage, fmt.Errorf("profile %q is protected: refusing to print its values without --reveal, also to a pipe or a file", p.profile.Name))
			}
			results, _, err := a.resolve(c.Context(), p)
			if verr := a.validateResults(p, results); err != nil || verr != nil {
				return errors.Join(err, verr) // as for a run: nothing is printed
			}
			var vars [][2]string
			for _, e := range p.env {
				vars = append(vars, [2]string{e.Name, e.Value})
			}
			for i, r := range results {
				if !r.Skipped && !p.requests[i].noEnv {
					vars = append(vars, [2]string{r.Name, r.Secret.Reveal()})
				}
			}
			if format == "github" {
				return a.writeGitHubEnv(c.Context(), p, results, vars, githubOutput)
			}
			return writeEnv(c.OutOrStdout(), format, vars)
		},
	}
	c.Flags().Var(newChoice(&format, "dotenv", envFormats), "format", "output format: dotenv, json, shell, yaml, or github ($GITHUB_ENV)")
	c.Flags().BoolVar(&githubOutput, "github-output", false, "with --format github: write to $GITHUB_OUTPUT (step outputs) instead of $GITHUB_ENV")
	c.Flags().BoolVar(&reveal, "reveal", false, "allow printing secret values to a terminal")
	return c
}

// writeEnv prints vars (later entries win) in one of envFormats but github.
func writeEnv(w io.Writer, format string, vars [][2]string) error {
	return render.Write(w, format, renderVars(vars))
}

func renderVars(vars [][2]string) []render.Var {
	out := make([]render.Var, len(vars))
	for i, v := range vars {
		out[i] = render.Var{Name: v[0], Value: v[1]}
	}
	return out
}
