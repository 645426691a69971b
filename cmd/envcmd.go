package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// envFormats are the output formats of `secretrun env`.
var envFormats = []string{"dotenv", "json", "shell"}

func newEnvCommand(a *app) *cobra.Command {
	var format string
	var reveal bool
	c := &cobra.Command{
		Use:   "env [-p NAME] [--format dotenv|json|shell] [--reveal]",
		Short: "Print the profile's resolved variables (values included)",
		Long: `Print the variables the profile adds to the child's environment: its env values and
its resolved secrets (a secret with as: file is printed as its value, since its file exists
only while a command runs). Inherited variables are not printed.

This prints secret values. It refuses to write to a terminal unless --reveal is given.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !slices.Contains(envFormats, format) {
				return usageErrorf("--format %q: want one of %s", format, strings.Join(envFormats, ", "))
			}
			if a.deps.Streams.OutTTY && !reveal {
				return withStatus(ExitUsage, fmt.Errorf("refusing to print secret values to a terminal; pipe the output or add --reveal"))
			}
			p, err := a.loadPlan()
			if err != nil {
				return err
			}
			defer a.closeProviders(p)
			results, _, err := a.resolve(c.Context(), p)
			if err != nil {
				return err
			}
			var vars [][2]string
			for _, e := range p.env {
				vars = append(vars, [2]string{e.Name, e.Value})
			}
			for _, r := range results {
				if !r.Skipped {
					vars = append(vars, [2]string{r.Name, r.Secret.Reveal()})
				}
			}
			return writeEnv(c.OutOrStdout(), format, vars)
		},
	}
	c.Flags().Var(newChoice(&format, "dotenv", envFormats), "format", "output format: dotenv, json or shell")
	c.Flags().BoolVar(&reveal, "reveal", false, "allow printing secret values to a terminal")
	return c
}

// writeEnv prints vars (later entries win) in one of envFormats.
func writeEnv(w io.Writer, format string, vars [][2]string) error {
	last := map[string]int{}
	for i, v := range vars {
		last[v[0]] = i
	}
	var kept [][2]string
	for i, v := range vars {
		if last[v[0]] == i {
			kept = append(kept, v)
		}
	}
	switch format {
	case "json":
		m := make(map[string]string, len(kept))
		for _, v := range kept {
			m[v[0]] = v[1]
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	case "shell":
		for _, v := range kept {
			if _, err := fmt.Fprintf(w, "export %s=%s\n", v[0], shellQuote(v[1])); err != nil {
				return err
			}
		}
	default:
		for _, v := range kept {
			if _, err := fmt.Fprintf(w, "%s=%s\n", v[0], dotenvQuote(v[1])); err != nil {
				return err
			}
		}
	}
	return nil
}

// shellQuote quotes s for POSIX shells: single quotes, with ' written as '\”.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// dotenvQuote writes s as a double-quoted dotenv value that godotenv and python-dotenv read back
// unchanged.
func dotenvQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "$", `\$`)
	return `"` + r.Replace(s) + `"`
}
