package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/secretrun/secretrun/cimask"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/render"
)

// githubFileVar names the runner's file variable that --format github writes to.
func githubFileVar(output bool) string {
	if output {
		return "GITHUB_OUTPUT"
	}
	return "GITHUB_ENV"
}

// checkGitHubFile fails when the runner's file variable is unset.
func (a *app) checkGitHubFile(output bool) error {
	if v := githubFileVar(output); a.deps.getenv(v) == "" {
		return withStatus(ExitUsage, fmt.Errorf("--format github: %s is not set; run this in a GitHub Actions step (or use --format dotenv)", v))
	}
	return nil
}

// writeGitHubEnv is `secretrun env --format github`: it prints an ::add-mask:: command for every
// secret value on stderr (unless ci_masks: false), then appends a NAME<<DELIMITER block per
// variable to $GITHUB_ENV, or to $GITHUB_OUTPUT with output. The file variable must be set: it
// is the runner's, and guessing a file would write secrets somewhere unexpected. Every block is
// built before anything is written, so a value that cannot be written exactly writes nothing;
// nor is anything written when the masks cannot be registered (stderr is not the runner's pipe).
func (a *app) writeGitHubEnv(ctx context.Context, p *plan, results []inject.Result, vars [][2]string, output bool) error {
	if err := a.checkGitHubFile(output); err != nil {
		return err
	}
	fileVar := githubFileVar(output)
	path := a.deps.getenv(fileVar)
	var blocks strings.Builder
	kept := render.LastWins(renderVars(vars))
	for _, v := range kept {
		block, err := render.GitHubBlock(v.Name, v.Value, nil)
		if err != nil {
			return withStatus(ExitUsage, fmt.Errorf("--format github: %w", err))
		}
		blocks.WriteString(block)
	}
	if p.cfg.CIMasksFor(p.profile) {
		var values []cimask.Value
		for i, r := range results {
			if r.Err == nil && !r.Skipped && p.requests[i].masked {
				values = append(values, cimask.Value{Name: r.Name, Value: r.Secret.Reveal()})
			}
		}
		// Values in $GITHUB_ENV without their masks would print in clear in every later step.
		if err := a.registerValues(ctx, cimask.GitHub, p, values, false); err != nil {
			return withStatus(ExitUsage, fmt.Errorf("--format github: %w; nothing was written to $%s", err, fileVar))
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return withStatus(ExitUsage, fmt.Errorf("--format github: %s: %w", fileVar, err))
	}
	if _, err := f.WriteString(blocks.String()); err != nil {
		f.Close()
		return withStatus(ExitUsage, fmt.Errorf("--format github: %s: %w", fileVar, err))
	}
	if err := f.Close(); err != nil {
		return withStatus(ExitUsage, fmt.Errorf("--format github: %s: %w", fileVar, err))
	}
	a.ui().Tracef("wrote %d variable(s) to $%s", len(kept), fileVar)
	return nil
}
