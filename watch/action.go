package watch

import "syscall"

// Kind is what a change does to the child.
type Kind int

// The kinds of action (`on_change`).
const (
	// Restart stops the child (stop signal, grace, SIGKILL) and starts it again with the new
	// values. The default.
	Restart Kind = iota
	// Signal rewrites the `as: file` secrets in place and sends the child a signal.
	Signal
	// Exit stops the child and ends the run with a chosen status, for an orchestrator to
	// restart the whole container or unit.
	Exit
)

// Action is an `on_change` (the command layer parses and checks it).
type Action struct {
	Kind Kind
	// Signal is the signal of a Signal action.
	Signal syscall.Signal
	// SignalName is its name without "SIG" ("HUP"), for messages.
	SignalName string
}

// String returns the action as written in a profile: "restart", "signal:HUP", "exit".
func (a Action) String() string {
	switch a.Kind {
	case Signal:
		return "signal:" + a.SignalName
	case Exit:
		return "exit"
	}
	return "restart"
}
