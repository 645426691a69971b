package cmd

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/secretrun/secretrun/cimask"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/redact"
)

// registerCIMasks registers the fetched secret values with the CI system secretrun runs under
// (GitHub Actions, Azure Pipelines, Buildkite), before the child starts, so that the runner
// masks them in later steps too: values the job writes to $GITHUB_ENV, outputs or files. The
// commands go straight to secretrun's own stdout, not through the redactor. Values marked
// `mask: false` and values the weak-value policy does not mask are left out. `ci_masks: false`
// in the configuration (top level or profile) turns it off. A failure is a warning: it never
// stops the run.
func (a *app) registerCIMasks(ctx context.Context, p *plan, results []inject.Result) {
	sys := cimask.Detect(a.deps.getenv)
	if sys == "" {
		return
	}
	if !p.cfg.CIMasksFor(p.profile) {
		a.ui().Tracef("ci_masks: false: secret values are not registered with %s", sys)
		return
	}
	var values []cimask.Value
	for i, r := range results {
		if r.Err != nil || r.Skipped || !p.requests[i].masked {
			continue
		}
		values = append(values, cimask.Value{Name: r.Name, Value: r.Secret.Reveal()})
	}
	_ = a.registerValues(ctx, sys, p, values, false) // a warning: it never stops the run
}

// registerValues registers values (with the parts the redactor masks on their own under the
// configuration's redact settings, weak ones left out) with sys.
//
// The GitHub and Azure commands hold the values in clear, so they go to secretrun's stderr, which
// the runner reads for commands as it reads stdout, and only when stderr is a pipe: stdout is
// the command's data (`$(secretrun -- cmd)`, `secretrun -- cmd > report.json`) and a command
// there would put every value in that file or variable; a stderr redirected to a file
// (`2> err.log`) or /dev/null is not the runner either. Buildkite's agent reads them on its own
// stdin and is not concerned.
//
// running says that the command runs (a value that changed under watch): its output goes to the
// same stderr and may have left a line unfinished, so the commands start on a new line (a
// command in the middle of a line is printed as log text, the value in clear).
//
// It returns errNotRegistered, after a warning, when the values could not be registered.
func (a *app) registerValues(ctx context.Context, sys cimask.System, p *plan, values []cimask.Value, running bool) error {
	pieces := cimask.Pieces(values, redactOptions(p.cfg.Redact), a.maskable(p))
	if sys != cimask.Buildkite && len(pieces) > 0 && !isPipe(a.deps.Streams.ErrFile) {
		a.ui().Warnf("stderr is not a pipe (redirected?): secret values are not registered with %s's log masking, "+
			"since the commands that register them would write them in clear where stderr goes", sys)
		return errNotRegistered
	}
	r := cimask.Registrar{System: sys, Out: a.deps.Streams.Err}
	if running {
		r.Out = lineStart{r.Out}
	}
	if err := r.Register(ctx, pieces); err != nil {
		a.ui().Warnf("%v", err)
		return errNotRegistered
	}
	a.ui().Tracef("registered %d secret value(s) with %s's log masking", len(pieces), sys)
	return nil
}

// errNotRegistered says that registerValues could not register the values (it warned why).
var errNotRegistered = errors.New("the secret values could not be registered with the CI system's log masking")

// maskable returns the weak-value policy of the redactor under the configuration's redact
// settings: whether a string is long enough and not trivial.
func (a *app) maskable(p *plan) func(string) bool {
	opt := redactOptions(p.cfg.Redact)
	return func(s string) bool {
		_, skipped := redact.Compile([]redact.Secret{{Name: "x", Value: s}}, opt)
		return len(skipped) == 0
	}
}

// isPipe reports whether f is a pipe or a socket, as a CI runner's reader of a step's output
// is; nil (an in-process writer given by a caller, as tests do) counts as one.
func isPipe(f *os.File) bool {
	if f == nil {
		return true
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0
}

// lineStart writes each write after a newline, in the same write: a pipe write of up to
// PIPE_BUF bytes is not interleaved with the command's, so the first command starts a line
// whatever the command wrote last.
type lineStart struct{ w io.Writer }

func (l lineStart) Write(p []byte) (int, error) {
	n, err := l.w.Write(append([]byte{'\n'}, p...))
	return max(n-1, 0), err
}
