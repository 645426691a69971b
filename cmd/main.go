package cmd

import (
	"context"
	"os"
	"runtime/debug"
	"syscall"

	"github.com/secretrun/secretrun/inject"
)

// Main runs secretrun with the process's arguments and streams and returns its exit status.
// When the command died of a signal, Main does not return: secretrun dies of the same signal,
// after every cleanup (see mainWith).
func Main() int {
	return mainWith(SystemDeps(), os.Args[1:])
}

// mainWith runs secretrun with args and returns its exit status, unless the command died of a
// signal S (or S stopped secretrun before the command started): then, everything being cleaned
// up (terminal restored, output flushed through the redactors, secret files removed, leases
// revoked), secretrun dies of S itself, so that the calling shell sees what it would see for the
// bare command; bash's wait-and-cooperative-exit rule then stops a script or a loop on Ctrl-C.
// Where that is not possible (PID 1), it returns 128+S.
func mainWith(deps Deps, args []string) int {
	status, sig := execute(deps, args)
	if sig != 0 {
		inject.DieOfSignal(sig)
	}
	return status
}

// Execute runs secretrun with args (without the program name) and returns the exit status
// (128+S for a command killed by signal S); it never dies of a signal itself.
func Execute(deps Deps, args []string) (status int) {
	status, _ = execute(deps, args)
	return status
}

// execute runs secretrun with args and returns the exit status and the signal secretrun
// should die of, if any.
func execute(deps Deps, args []string) (status int, sig syscall.Signal) {
	root, app := newRootCommand(deps)
	// A panic is a bug; its text and trace go through the redactor like every other message,
	// since a panic value could hold anything.
	defer func() {
		if v := recover(); v != nil {
			app.ui().Errorf("internal error (please report it): %v\n%s", v, debug.Stack())
			status, sig = ExitUsage, 0
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
	return exitOutcome(err)
}
