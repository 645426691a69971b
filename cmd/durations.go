package cmd

import (
	"errors"
	"time"
)

// positiveDuration is a duration flag that refuses zero and negative values: --timeout 0s would
// otherwise mean "no deadline" and --grace 0s "kill at once", which nobody asks for on purpose.
type positiveDuration struct{ d *time.Duration }

// newPositiveDuration sets *d to def and returns the flag value that updates it.
func newPositiveDuration(d *time.Duration, def time.Duration) positiveDuration {
	*d = def
	return positiveDuration{d: d}
}

func (p positiveDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New(`not a duration: write one with a unit, such as "30s" or "1m30s"`)
	}
	if d <= 0 {
		return errors.New(`must be positive, such as "30s"`)
	}
	*p.d = d
	return nil
}

// String is the current value; "" when unset, so that --help shows no "(default 0s)".
func (p positiveDuration) String() string {
	if p.d == nil || *p.d == 0 {
		return ""
	}
	return p.d.String()
}

func (p positiveDuration) Type() string { return "duration" }
