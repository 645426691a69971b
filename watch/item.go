package watch

import "github.com/secretrun/secretrun/providers"

// Item is one watched variable: its name, the reference its value comes from, the provider that
// fetched it, and the secret as fetched when the run started.
type Item struct {
	// Name is the variable's name, for messages.
	Name string
	// Ref is the parsed reference.
	Ref providers.Ref
	// Provider is the provider of Ref's scheme, as opened for the run.
	Provider providers.Provider
	// Secret is the value the child started with.
	Secret providers.Secret
	// File is true when the child reads the value from a file (`as: file`), which the signal
	// action rewrites in place, rather than from its environment, fixed when it started.
	File bool
}

// Change is a new value of one reference, found by a [Watcher].
type Change struct {
	// Ref is the reference whose value changed.
	Ref providers.Ref
	// Provider is the provider that fetched it (the one to ask to retire an old lease).
	Provider providers.Provider
	// Secret is the new value.
	Secret providers.Secret
	// Names are the variables that take the value, in the order of the items.
	Names []string
	// Env are those of Names that the child reads from its environment (not `as: file`).
	Env []string
}

// merge returns changes with later, replacing earlier changes of the same reference and
// keeping the order in which references first changed.
func merge(changes, later []Change) []Change {
	for _, c := range later {
		replaced := false
		for i := range changes {
			if changes[i].Ref == c.Ref {
				changes[i] = c
				replaced = true
				break
			}
		}
		if !replaced {
			changes = append(changes, c)
		}
	}
	return changes
}

// names lists the variables of changes, for messages.
func names(changes []Change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, c.Names...)
	}
	return out
}
