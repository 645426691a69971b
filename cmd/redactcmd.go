package cmd

import (
	"io"

	"github.com/spf13/cobra"
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
			p, err := a.loadSecrets()
			if err != nil {
				return err
			}
			defer a.closeProviders(p)
			_, m, err := a.resolve(c.Context(), p)
			if err != nil {
				return err
			}
			w := m.NewWriter(c.OutOrStdout(), a.idle(p, a.deps.Streams.OutTTY))
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
