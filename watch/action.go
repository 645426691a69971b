package watch

import (
	"fmt"
	"strings"
	"syscall"
)

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

// Action is a parsed `on_change`.
type Action struct {
	Kind Kind
	// Signal is the signal of a Signal action.
	Signal syscall.Signal
	// SignalName is its name as written, without "SIG" ("HUP").
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

// ParseAction parses an `on_change` value: "restart" (also ""), "exit", or "signal:NAME" with
// a signal name with or without "SIG" ("signal:HUP", "signal:SIGUSR1").
func ParseAction(s string) (Action, error) {
	switch s {
	case "", "restart":
		return Action{Kind: Restart}, nil
	case "exit":
		return Action{Kind: Exit}, nil
	}
	name, ok := strings.CutPrefix(s, "signal:")
	if !ok {
		return Action{}, fmt.Errorf("on_change %q: want restart, signal:NAME (signal:HUP) or exit", s)
	}
	name = strings.TrimPrefix(strings.ToUpper(name), "SIG")
	sig, ok := signalNamed(name)
	if !ok {
		return Action{}, fmt.Errorf("on_change %q: unknown signal %q (HUP, USR1, USR2, ...)", s, name)
	}
	return Action{Kind: Signal, Signal: sig, SignalName: name}, nil
}
