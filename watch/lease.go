package watch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// lease replaces one leased credential before it expires: the refs of one source (the
// username and the password of one database credential), fetched together so that they stay a
// pair. It is never polled (each read creates a credential): it looks at the provider's Expiry
// (a local call) every few seconds, and once an expiry is known, fetches a new credential at
// [renewAt]: a third of the remaining life before expiry, at least 10 s and at most 10 min
// before, never before halfway. A renewal that keeps the credential alive is not a change.
type lease struct {
	w    *Watcher
	refs []*watched
	exp  providers.Expirer
}

func (l *lease) run(ctx context.Context) {
	var seen, at time.Time // the expiry last seen, and when to fetch again for it
	var done time.Time     // the expiry of the credential last replaced
	fails := 0
	for {
		expiry := l.exp.Expiry(l.refs[0].ref)
		if expiry.Equal(done) { // the provider has not told the new credential's expiry yet
			expiry = time.Time{}
		}
		if !expiry.Equal(seen) {
			seen = expiry
			if !expiry.IsZero() {
				at = renewAt(time.Now(), expiry)
				l.w.opts.Trace(fmt.Sprintf("watch: %s expires at %s; replaced at %s", l.refs[0].ref.Source(),
					expiry.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
			}
		}
		wait := leaseLook
		if !seen.IsZero() {
			wait = min(wait, time.Until(at))
		}
		if fails > 0 {
			wait = min(wait, l.w.opts.backoff(fails))
		}
		if wait > 0 && !sleep(ctx, wait) {
			return
		}
		if seen.IsZero() || time.Now().Before(at) {
			continue
		}
		if l.replace(ctx, fails) {
			fails, done, seen = 0, seen, time.Time{}
		} else {
			fails++
		}
	}
}

// replace fetches a new credential and delivers it. A failure is reported on the first attempt
// only; the credential the child has keeps working until it expires.
func (l *lease) replace(ctx context.Context, fails int) bool {
	cctx, cancel := context.WithTimeout(ctx, l.w.opts.Timeout)
	defer cancel()
	secrets, err := l.refs[0].prov.Fetch(cctx, refOf(l.refs))
	if ctx.Err() != nil {
		return true
	}
	if err != nil || len(secrets) != len(l.refs) {
		if fails == 0 {
			l.w.opts.Warn(fmt.Sprintf("watch: could not replace %s before it expires; retrying: %v", l.names(), err))
		}
		return false
	}
	if fails > 0 {
		l.w.opts.Warn(fmt.Sprintf("watch: %s replaced after %d failed attempts", l.names(), fails))
	}
	changes := make([]Change, len(l.refs))
	for i, v := range l.refs {
		v.state.update(secrets[i])
		changes[i] = v.change(secrets[i])
	}
	l.w.emit(ctx, changes)
	return true
}

// names names the variables of l and its source, for messages.
func (l *lease) names() string {
	var names []string
	for _, v := range l.refs {
		names = append(names, v.names...)
	}
	return fmt.Sprintf("%s (%s)", strings.Join(names, ", "), l.refs[0].ref.Source())
}
