package watch

import (
	"math/rand/v2"
	"time"
)

// Defaults of [Options].
const (
	// DefaultInterval is how often remote stores are checked.
	DefaultInterval = 5 * time.Minute
	// DefaultQuiet is how long file events are gathered before the files are read: an editor's
	// or Kubernetes' rewrite is several events.
	DefaultQuiet = 100 * time.Millisecond
	// maxTimeout bounds one check, however long the interval.
	maxTimeout = 30 * time.Second
	// leaseLook is how often a leased secret's expiry is looked at (a local call, no request):
	// a renewable lease gets an expiry only when a renewal reaches its max TTL.
	leaseLook = 5 * time.Second
)

// Options tune a [Watcher].
type Options struct {
	// Interval is the period of the checks of stores without file events (DefaultInterval
	// when zero).
	Interval time.Duration
	// Jitter spreads each period over Interval ± Jitter×Interval, at random per process, so
	// that a fleet started together does not check in lockstep (0.1 = ±10%).
	Jitter float64
	// Timeout bounds one check (Interval, at most 30 s, when zero). A check that takes longer
	// fails like any other: the child keeps its values and the check is retried.
	Timeout time.Duration
	// Quiet is how long file events are gathered before the files are read (DefaultQuiet when
	// zero).
	Quiet time.Duration
	// Warn reports problems and recoveries (never a value). Nil drops them.
	Warn func(msg string)
	// Trace reports each check, for -v. Nil drops it.
	Trace func(msg string)
	// Rand returns a number in [0, 1); math/rand/v2's Float64 (seeded per process) when nil.
	Rand func() float64
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Jitter < 0 {
		o.Jitter = 0
	}
	if o.Jitter > 0.5 {
		o.Jitter = 0.5
	}
	if o.Timeout <= 0 {
		o.Timeout = min(o.Interval, maxTimeout)
	}
	if o.Quiet <= 0 {
		o.Quiet = DefaultQuiet
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.Trace == nil {
		o.Trace = func(string) {}
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	return o
}

// spread returns d ± Jitter×d, at random.
func (o Options) spread(d time.Duration) time.Duration {
	return d + time.Duration((2*o.Rand()-1)*o.Jitter*float64(d))
}

// backoff is the wait before the n-th retry (n ≥ 1) of a failed check: a tenth of the interval
// (at least a second), doubled at each failure, at most the interval, spread like the interval.
func (o Options) backoff(n int) time.Duration {
	d := max(o.Interval/10, time.Second)
	for i := 1; i < n && d < o.Interval; i++ {
		d *= 2
	}
	return o.spread(min(d, o.Interval))
}

// Lease margins: a leased credential is fetched again a third of its remaining life before it
// expires, but at least minMargin and at most maxMargin before, and never earlier than halfway.
const (
	minMargin = 10 * time.Second
	maxMargin = 10 * time.Minute
)

// renewAt returns when to fetch again a credential that, seen at now, expires at expiry.
func renewAt(now, expiry time.Time) time.Time {
	left := expiry.Sub(now)
	margin := min(max(left/3, minMargin), maxMargin, left/2)
	return expiry.Add(-margin)
}
