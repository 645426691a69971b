package cmd

import (
	"errors"
	"syscall"
)

// Exit statuses of secretrun's own failures (CONTRACT.md §2). The child's own status is passed
// through unchanged.
const (
	// ExitUsage is secretrun's own failure before the child started: bad flags, bad config, a bad
	// reference, a secret that could not be fetched or failed its validation rules.
	ExitUsage = 125
	// ExitNotExecutable: the command was found but could not be executed.
	ExitNotExecutable = 126
	// ExitNotFound: the command was not found.
	ExitNotFound = 127
)

// exitError carries the status secretrun exits with. Commands return it; Execute maps every other
// error to ExitUsage.
type exitError struct {
	status int
	err    error          // nil when the message was already printed (e.g. the child's own status)
	signal syscall.Signal // the signal secretrun dies of after cleanup (status is then 128+signal), or 0
}

func (e *exitError) Error() string {
	if e.err == nil {
		return "exit status"
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withStatus returns err marked with an exit status.
func withStatus(status int, err error) error { return &exitError{status: status, err: err} }

// withSignal returns err marked with a death by signal sig: the command died of it, or it
// stopped secretrun before the command started. secretrun exits by dying of sig itself, once
// everything is cleaned up, and with 128+sig where it cannot die of it (Main).
func withSignal(sig syscall.Signal, err error) error {
	return &exitError{status: 128 + int(sig), err: err, signal: sig}
}

// exitOutcome returns the status for err (0 for nil, the carried status for an *exitError, and
// ExitUsage for anything else) and the signal secretrun should die of, if any.
func exitOutcome(err error) (int, syscall.Signal) {
	if err == nil {
		return 0, 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.status, ee.signal
	}
	return ExitUsage, 0
}

// exitHelp is the exit status table shown in `secretrun --help`.
const exitHelp = `Exit status:
  N      the command exited with N (0-255, unchanged)
  128+S  the command was killed by signal S (secretrun then dies of S itself,
         as the shell sees it for the bare command)
  125    secretrun failed before the command started: bad flags or config, a bad
         reference, a secret that could not be fetched or failed validation
         (nothing was run)
  126    the command was found but could not be executed
  127    the command was not found
  75     (with watch, on_change: exit) a watched secret changed and the command was
         stopped so that its supervisor restarts it (watch.exit_code sets another)`
