package watch

import (
	"fmt"
	"math"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// way is how a reference is watched.
type way int

const (
	byPoll       way = iota // file events, versions or a fetch, by its provider's extras
	byLease                 // a leased credential replaced before it expires
	notPinned               // a fixed version: never changes
	notRenewable            // a leased credential its provider renews but cannot say when it expires
)

// how tells how it is watched.
func how(it Item) way {
	switch {
	case pinned(it):
		return notPinned
	case it.Secret.Leased:
		if _, ok := it.Provider.(providers.Expirer); ok {
			return byLease
		}
		return notRenewable
	}
	return byPoll
}

// PlanEntry says how one variable is watched, for `secretrun check`. It holds no value.
type PlanEntry struct {
	// Name is the variable.
	Name string
	// Ref is its reference.
	Ref providers.Ref
	// Mode is "events" (file events), "poll" (checked every interval), "lease" (replaced
	// before it expires), or "" when the reference is not watched.
	Mode string
	// How is one phrase: "file events", "versions every 5m ±10%", "value compared every 5m
	// ±10%", "lease replaced before it expires", "not watched: cannot change".
	How string
}

// Plan says how each item would be watched with opts, in the order of items.
func Plan(items []Item, opts Options) []PlanEntry {
	opts = opts.withDefaults()
	every := "every " + shortDuration(opts.Interval)
	if pct := math.Round(opts.Jitter * 100); pct > 0 {
		every += fmt.Sprintf(" ±%g%%", pct)
	}
	out := make([]PlanEntry, 0, len(items))
	for _, it := range items {
		e := PlanEntry{Name: it.Name, Ref: it.Ref, Mode: "poll"}
		switch how(it) {
		case notPinned:
			e.Mode, e.How = "", "not watched: cannot change" // a pinned version, secretrun's environment
		case notRenewable:
			e.Mode, e.How = "", "not watched: a lease its provider renews"
		case byLease:
			e.Mode, e.How = "lease", "lease replaced before it expires"
		default:
			_, notifies := it.Provider.(providers.Notifier)
			_, versions := it.Provider.(providers.Versioner)
			switch {
			case notifies:
				e.Mode, e.How = "events", "file events"
			case versions:
				e.How = "versions " + every
			case it.Secret.Version != "":
				e.How = "version compared " + every
			default:
				e.How = "value compared " + every
			}
		}
		out = append(out, e)
	}
	return out
}

// shortDuration prints 5m0s as 5m and 1h30m0s as 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	for _, suffix := range []string{"m0s", "h0m"} {
		if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
			s = s[:len(s)-len(suffix)+1]
		}
	}
	return s
}
