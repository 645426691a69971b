package vault

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
)

// lease is a dynamic secret's lease obtained in this run.
type lease struct {
	ref       providers.Ref // the source ref, for messages
	id        string
	renewable bool
	ttl       time.Duration // as first granted; each renewal asks for this much again
	gen       int           // the login whose token obtained it (authState.gen); 0: a token secretrun did not create

	// Guarded by p.mu.
	expires time.Time // moved later by each renewal
	// end is when no renewal can push the lease back any more: its expiry once it is not
	// renewable, was granted less than asked (its max TTL) or a renewal was refused; zero
	// until then.
	end     time.Time
	why     string             // why it cannot be renewed further, once end is known
	keeping bool               // a Keep goroutine renews it
	stop    context.CancelFunc // stops that goroutine
	retired bool               // Retire took it out of service
}

func (p *Provider) addLease(src providers.Ref, s *api.Secret) {
	ttl := time.Duration(s.LeaseDuration) * time.Second
	p.mu.Lock()
	defer p.mu.Unlock()
	l := &lease{ref: src, id: s.LeaseID, renewable: s.Renewable, ttl: ttl, expires: p.opts.now().Add(ttl)}
	if p.auth.created {
		l.gen = p.auth.gen
	}
	if !l.renewable && ttl > 0 {
		l.end, l.why = l.expires, "is not renewable"
	}
	p.leases = append(p.leases, l)
	select {
	case p.leaseAdded <- struct{}{}:
	default: // a wake-up is pending already
	}
}

func (p *Provider) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// renewAt returns when to renew something granted for ttl at expires-ttl: at about 2/3 of the
// TTL, with ±10% jitter so that thousands of jobs do not renew in lockstep.
func renewAt(expires time.Time, ttl time.Duration) time.Time {
	granted := expires.Add(-ttl)
	base := ttl * 2 / 3
	jitter := time.Duration(0)
	if j := int64(ttl / 10); j > 0 {
		jitter = time.Duration(rand.Int64N(2*j+1) - j)
	}
	return granted.Add(base + jitter)
}

// ReportLeases makes the provider report each renewal (Keep) and revocation (Close) of a lease,
// and of the token secretrun created by logging in, to report (providers.LeaseReporter).
func (p *Provider) ReportLeases(report func(providers.LeaseEvent)) {
	p.mu.Lock()
	p.report = report
	p.mu.Unlock()
}

// reportLease passes ev to the reporter set by ReportLeases, if any.
func (p *Provider) reportLease(ev providers.LeaseEvent) {
	p.mu.Lock()
	report := p.report
	p.mu.Unlock()
	if report != nil {
		report(ev)
	}
}

// Keep renews the leases of the dynamic secrets fetched in this run, and the token secretrun
// created by logging in, at about 2/3 of their TTL, until ctx is done. Leases obtained while it
// runs (a watcher fetching a replacement) are renewed too. A lease that cannot be renewed any
// more (max TTL reached, renewal refused, not renewable) is reported through warn before it
// expires, naming the reference, never a value. A login token at its max TTL is replaced by
// logging in again. Keep returns when ctx is done.
func (p *Provider) Keep(ctx context.Context, warn func(msg string)) {
	if warn == nil {
		warn = func(string) {}
	}
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		p.mu.Lock()
		for _, l := range p.leases {
			l.keeping, l.stop = false, nil // a later Keep takes them up again
		}
		p.mu.Unlock()
	}()
	p.mu.Lock()
	keepToken := p.auth.created && p.auth.ttl > 0
	p.mu.Unlock()
	if keepToken {
		wg.Add(1)
		go func() { defer wg.Done(); p.keepToken(ctx, warn) }()
	}
	for {
		p.mu.Lock()
		var start []*lease
		for _, l := range p.leases {
			if !l.keeping && !l.retired {
				l.keeping = true
				start = append(start, l)
			}
		}
		for _, l := range start {
			lctx, stop := context.WithCancel(ctx)
			l.stop = stop
			wg.Add(1)
			go func() { defer wg.Done(); defer stop(); p.keepLease(lctx, l, warn) }()
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-p.leaseAdded:
		}
	}
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// renewFunc renews something for increment and returns the new TTL.
type renewFunc func(ctx context.Context, increment time.Duration) (time.Duration, error)

// grant is what Vault granted a lease or a token: for how long (ttl) until when (expires).
type grant struct {
	renewable bool
	ttl       time.Duration
	expires   time.Time
}

// keepAlive is the renewal loop shared by leases and the login token: something granted for
// g.ttl until g.expires is renewed for its first TTL again each time, at about 2/3 of each
// grant, until it cannot be: it is not renewable, Vault grants less than asked (its max TTL),
// or a renewal is refused. It calls renewed after each renewal and returns the last grant and
// why it cannot be renewed further, or "" when ctx ended (or the provider closed) first, or the
// grant has no TTL (it never expires).
func (p *Provider) keepAlive(ctx context.Context, ref providers.Ref, g grant, renew renewFunc, renewed func(grant)) (grant, string) {
	if g.ttl < time.Second {
		return g, "" // without a TTL it never expires
	}
	if !g.renewable {
		return g, "is not renewable"
	}
	increment := g.ttl
	retryWait := time.Duration(0)
	for {
		next := renewAt(g.expires, g.ttl)
		if retryWait > 0 {
			next = time.Now().Add(retryWait)
		}
		if !sleepUntil(ctx, next) || p.isClosed() {
			return g, ""
		}
		rctx, cancel := context.WithDeadline(ctx, g.expires)
		newTTL, err := renew(rctx, increment)
		cancel()
		if ctx.Err() != nil || p.isClosed() {
			return g, ""
		}
		if errors.Is(err, errSuperseded) {
			return g, ""
		}
		if pastMaxTTL(err) {
			return g, "reached its max TTL and cannot be renewed further"
		}
		if err != nil {
			left := time.Until(g.expires)
			if retryable(ctx, err) && left > max(g.ttl/10, 250*time.Millisecond) {
				// Try again soon, well before it expires.
				retryWait = min(max(left/4, 100*time.Millisecond), 30*time.Second)
				continue
			}
			return g, fmt.Sprintf("could not be renewed (%s)", describeErr(err))
		}
		retryWait = 0
		g.expires, g.ttl = time.Now().Add(newTTL-roundingSlack(newTTL)), newTTL
		p.reportLease(providers.LeaseEvent{Ref: ref, TTL: newTTL})
		renewed(g)
		if newTTL < increment {
			return g, "reached its max TTL and cannot be renewed further"
		}
	}
}

// roundingSlack is how much earlier than it says a renewal's grant may end: Vault reports it
// in whole seconds, rounded to the nearest, so a grant cut short by the max TTL (1.6 s left)
// can read as a full one (2 s). Counting it ends a grant early by at most half a second (a
// quarter of very short ones), so that the renewal that finds the max TTL comes in time.
func roundingSlack(granted time.Duration) time.Duration {
	return min(500*time.Millisecond, granted/4)
}

// pastMaxTTL reports whether Vault refused a renewal because the max TTL has passed (it answers
// 500, which would otherwise be retried).
func pastMaxTTL(err error) bool {
	var re *api.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	for _, e := range re.Errors {
		if strings.Contains(e, "past the max TTL") {
			return true
		}
	}
	return false
}

// keepLease renews l until it cannot be, then records its end (Expiry) and warns before it
// expires: at once when the max TTL is reached or a renewal refused, at about 2/3 of its TTL
// when it is not renewable (unless ctx is done by then: retired, or the run ended).
func (p *Provider) keepLease(ctx context.Context, l *lease, warn func(string)) {
	p.mu.Lock()
	g := grant{renewable: l.renewable, ttl: l.ttl, expires: l.expires}
	why := l.why
	p.mu.Unlock()
	if why == "" {
		g, why = p.keepAlive(ctx, l.ref, g, func(ctx context.Context, inc time.Duration) (time.Duration, error) {
			s, err := p.client.Sys().RenewWithContext(ctx, l.id, int(inc/time.Second))
			if err != nil {
				return 0, err
			}
			if s == nil {
				return 0, errors.New("empty renewal response")
			}
			return time.Duration(s.LeaseDuration) * time.Second, nil
		}, func(g grant) {
			p.mu.Lock()
			l.expires = g.expires
			p.mu.Unlock()
		})
		if why == "" {
			return
		}
		p.mu.Lock()
		l.end, l.why = g.expires, why
		p.mu.Unlock()
	}
	if !l.renewable && (!sleepUntil(ctx, renewAt(g.expires, g.ttl)) || p.isClosed()) {
		return
	}
	if ctx.Err() != nil {
		return
	}
	warn(fmt.Sprintf("vault: the lease of %s %s; it expires at %s", l.ref, why, g.expires.Format(time.RFC3339)))
}

// keepToken renews the login token secretrun created until it cannot be (max TTL, not
// renewable, refused), then logs in again at about 2/3 of its last grant, before it expires,
// and keeps the new token the same way, until ctx is done. Only a failed login is warned about.
func (p *Provider) keepToken(ctx context.Context, warn func(string)) {
	for ctx.Err() == nil && !p.isClosed() {
		p.mu.Lock()
		a := p.auth
		p.mu.Unlock()
		what := fmt.Sprintf("secretrun's Vault token (%s login; leases obtained with it end with it)", a.method)
		g, why := p.keepAlive(ctx, providers.Ref{}, grant{renewable: a.renewable, ttl: a.ttl, expires: a.expires},
			func(ctx context.Context, inc time.Duration) (time.Duration, error) {
				if p.currentGen() != a.gen {
					return 0, errSuperseded
				}
				s, err := p.client.Auth().Token().RenewTokenAsSelfWithContext(ctx, a.token, int(inc/time.Second))
				if err != nil {
					return 0, err
				}
				if s == nil || s.Auth == nil {
					return 0, errors.New("empty renewal response")
				}
				return time.Duration(s.Auth.LeaseDuration) * time.Second, nil
			}, func(g grant) {
				p.mu.Lock()
				if p.auth.gen == a.gen {
					p.auth.ttl, p.auth.expires = g.ttl, g.expires
				}
				p.mu.Unlock()
			})
		if ctx.Err() != nil || p.isClosed() || p.currentGen() != a.gen {
			continue // done, or already replaced by a login before a request (refreshToken)
		}
		if why == "" {
			return // a token without a TTL
		}
		p.mu.Lock()
		p.setTokenEnd(a.gen, g.expires)
		p.mu.Unlock()
		// Log in again when a renewal would have been due: well before the old token expires,
		// which stays valid (with the leases it obtained) until then.
		if !sleepUntil(ctx, renewAt(g.expires, g.ttl)) || p.isClosed() {
			return
		}
		if err := p.reloginBefore(ctx, a.gen, g.expires); err != nil {
			warn(fmt.Sprintf("vault: %s %s, and logging in again failed (%s); it expires at %s",
				what, why, describeErr(err), g.expires.Format(time.RFC3339)))
			return
		}
	}
}

// errSuperseded stops the renewal of a login token that a newer login replaced.
var errSuperseded = errors.New("replaced by a newer login")

func (p *Provider) currentGen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.auth.gen
}

// reloginBefore logs in again (relogin), trying again with backoff after a failure that may
// pass (network, 5xx) while the old token has time left.
func (p *Provider) reloginBefore(ctx context.Context, gen int, expires time.Time) error {
	wait := 250 * time.Millisecond
	for {
		lctx, cancel := context.WithDeadline(ctx, expires)
		err := p.relogin(lctx, gen)
		cancel()
		if err == nil || !retryable(ctx, err) || time.Until(expires) < 2*wait {
			return err
		}
		if !sleepUntil(ctx, time.Now().Add(wait)) {
			return err
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// Close revokes every lease obtained in this run, the token secretrun created by logging in and
// the earlier ones it replaced (unless revoke_on_exit is false), within ctx's deadline. Errors
// name the reference, never a value. Close is safe to call more than once; later calls do
// nothing.
func (p *Provider) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	leases := append([]*lease(nil), p.leases...)
	created := p.auth.created
	old := append([]oldToken(nil), p.oldTokens...)
	p.mu.Unlock()
	if !p.revoke {
		return nil
	}
	errs := p.revokeLeases(ctx, leases)
	if created {
		err := p.retry(ctx, func(ctx context.Context) error { return p.client.Auth().Token().RevokeSelfWithContext(ctx, "") })
		if err != nil {
			errs = append(errs, fmt.Errorf("vault: revoking secretrun's login token: %w", p.mapErr(err, "revoke-self")))
		} else {
			p.reportLease(providers.LeaseEvent{Revoked: true})
			// Revoking the token revoked every lease it created, so a lease revocation refused
			// for lack of a sys/leases/revoke policy is no longer a problem.
			for i, e := range errs {
				if e != nil && errors.Is(e, providers.ErrDenied) {
					errs[i] = nil
				}
			}
		}
		errs = append(errs, p.revokeOldTokens(ctx, old)...)
	}
	return errors.Join(errs...)
}

// revokeLeases revokes leases, at most maxParallel at a time, reports each revocation, and
// returns one *RefError per lease it could not revoke (nil entries for the others).
func (p *Provider) revokeLeases(ctx context.Context, leases []*lease) []error {
	errs := make([]error, len(leases))
	p.each(ctx, len(leases), func(ctx context.Context, i int) {
		l := leases[i]
		err := p.retry(ctx, func(ctx context.Context) error { return p.client.Sys().RevokeWithContext(ctx, l.id) })
		if err != nil {
			errs[i] = &providers.RefError{Ref: l.ref, Err: fmt.Errorf("revoking its lease: %w", p.mapErr(err, "revoke lease"))}
			return
		}
		p.reportLease(providers.LeaseEvent{Revoked: true, Ref: l.ref})
	})
	return errs
}

// revokeOldTokens revokes the earlier login tokens of this run that have not expired yet, each
// with itself (revoke-self, which the default policy allows).
func (p *Provider) revokeOldTokens(ctx context.Context, old []oldToken) []error {
	var errs []error
	for _, t := range old {
		if !p.opts.now().Before(t.end) {
			continue // expired, and its leases with it
		}
		c, err := p.client.CloneWithHeaders() // the namespace header too
		if err != nil {
			errs = append(errs, fmt.Errorf("vault: revoking an earlier login token: %w", err))
			continue
		}
		c.SetToken(t.token)
		err = p.retry(ctx, func(ctx context.Context) error { return c.Auth().Token().RevokeSelfWithContext(ctx, "") })
		if err != nil {
			errs = append(errs, fmt.Errorf("vault: revoking an earlier login token: %w", p.mapErr(err, "revoke-self")))
			continue
		}
		p.reportLease(providers.LeaseEvent{Revoked: true})
	}
	return errs
}
