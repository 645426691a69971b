package cmd

import (
	"os"
)

// Main runs secretrun with the process's arguments and streams and returns its exit status.
func Main() int {
	return Execute(SystemDeps(), os.Args[1:])
}

// Execute runs secretrun with args (without the program name) and returns the exit status.
func Execute(deps Deps, args []string) int {
	root, app := newRootCommand(deps)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		app.ui().Error(err)
		if isUsageError(err) {
			app.ui().Hintf("see `secretrun --help`")
		}
	}
	return exitStatus(err)
}
