package cmd

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/redact"
)

func newRedactCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "redact [-p NAME] < in > out",
		Short: "Mask a profile's secrets in any stream (logs, files)",
		Long: `Copy standard input to standard output with every secret of the profile masked, in
every form the redactor knows (raw, JSON- and shell-escaped, URL- and base64-encoded, ...):

  kubectl logs deploy/api | secretrun redact -p prod`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			p, err := a.loadPlan()
			if err != nil {
				return err
			}
			defer a.closeProviders(p)
			results, err := a.resolve(c.Context(), p)
			if err != nil {
				return err
			}
			m := a.matcher(p, results)
			idle := redact.IdlePipe
			if a.deps.Streams.OutTTY {
				idle = redact.IdleTerminal
			}
			if a.strict(p) {
				idle = 0
			}
			w := m.NewWriter(c.OutOrStdout(), idle)
			buf := make([]byte, 64<<10)
			_, copyErr := io.CopyBuffer(onlyWriter{w}, onlyReader{c.InOrStdin()}, buf)
			if err := w.Close(); copyErr == nil {
				copyErr = err
			}
			return copyErr
		},
	}
}

// onlyWriter and onlyReader hide ReadFrom/WriteTo so io.CopyBuffer uses the fixed buffer.
type onlyWriter struct{ io.Writer }
type onlyReader struct{ io.Reader }
