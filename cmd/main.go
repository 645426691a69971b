package cmd

import (
	"context"
	"os"
	"runtime/debug"
)

// Main runs secretrun with the process's arguments and streams and returns its exit status.
func Main() int {
	return Execute(SystemDeps(), os.Args[1:])
}

// Execute runs secretrun with args (without the program name) and returns the exit status.
func Execute(deps Deps, args []string) (status int) {
	root, app := newRootCommand(deps)
	// A panic is a bug; its text and trace go through the redactor like every other message,
	// since a panic value could hold anything.
	defer func() {
		if v := recover(); v != nil {
			app.ui().Errorf("internal error (please report it): %v\n%s", v, debug.Stack())
			status = ExitUsage
		}
	}()
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		app.ui().Error(err)
		if isUsageError(err) {
			app.ui().Hintf("see `secretrun --help`")
		}
	}
	return exitStatus(err)
}
