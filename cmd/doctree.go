package cmd

import "github.com/spf13/cobra"

// DocTree returns secretrun's command tree for the generator of its man pages and completion
// scripts (internal/gendocs), so that both are made from the commands users run.
func DocTree() *cobra.Command {
	root, _ := newRootCommand(SystemDeps())
	root.Long += "\n\nEnvironment:\n" + envUsage
	return root
}
