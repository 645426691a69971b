package vault

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
	expires   time.Time
}

func (p *Provider) addLease(src providers.Ref, s *api.Secret) {
	ttl := time.Duration(s.LeaseDuration) * time.Second
	p.mu.Lock()
	defer p.mu.Unlock()
	p.leases = append(p.leases, &lease{
		ref: src, id: s.LeaseID, renewable: s.Renewable, ttl: ttl, expires: p.opts.now().Add(ttl),
	})
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
// created by logging in, at about 2/3 of their TTL, until ctx is done. A lease that cannot be
// renewed any more (max TTL reached, renewal refused, not renewable) is reported through warn
// before it expires, naming the reference, never a value. Keep returns when ctx is done.
func (p *Provider) Keep(ctx context.Context, warn func(msg string)) {
	if warn == nil {
		warn = func(string) {}
	}
	var wg sync.WaitGroup
	p.mu.Lock()
	leases := append([]*lease(nil), p.leases...)
	p.mu.Unlock()
	for _, l := range leases {
		wg.Add(1)
		go func() { defer wg.Done(); p.keepLease(ctx, l, warn) }()
	}
	if p.auth.created && p.auth.ttl > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); p.keepToken(ctx, warn) }()
	}
	wg.Wait()
	<-ctx.Done()
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

// keepAlive is the renewal loop shared by leases and the login token: something granted for ttl
// until expires is renewed for ttl again each time, until Vault grants less (its max TTL).
func (p *Provider) keepAlive(ctx context.Context, what string, ref providers.Ref, renewable bool, ttl time.Duration, expires time.Time,
	renew renewFunc, warn func(string)) {
	if !renewable {
		if ttl <= 0 || !sleepUntil(ctx, renewAt(expires, ttl)) || p.isClosed() {
			return
		}
		warn(fmt.Sprintf("vault: %s is not renewable; it expires at %s", what, expires.Format(time.RFC3339)))
		return
	}
	increment := ttl
	if increment < time.Second {
		return // a lease without a TTL never expires
	}
	retryWait := time.Duration(0)
	for {
		next := renewAt(expires, ttl)
		if retryWait > 0 {
			next = time.Now().Add(retryWait)
		}
		if !sleepUntil(ctx, next) || p.isClosed() {
			return
		}
		rctx, cancel := context.WithDeadline(ctx, expires)
		newTTL, err := renew(rctx, increment)
		cancel()
		if ctx.Err() != nil || p.isClosed() {
			return
		}
		if err != nil {
			left := time.Until(expires)
			if retryable(ctx, err) && left > max(ttl/10, 250*time.Millisecond) {
				// Try again soon, well before the lease expires.
				retryWait = min(max(left/4, 100*time.Millisecond), 30*time.Second)
				continue
			}
			warn(fmt.Sprintf("vault: %s could not be renewed (%s); it expires at %s", what, describeErr(err), expires.Format(time.RFC3339)))
			return
		}
		retryWait = 0
		now := time.Now()
		expires, ttl = now.Add(newTTL), newTTL
		p.reportLease(providers.LeaseEvent{Ref: ref, TTL: newTTL})
		if newTTL < increment {
			warn(fmt.Sprintf("vault: %s reached its max TTL and cannot be renewed further; it expires at %s", what, expires.Format(time.RFC3339)))
			return
		}
	}
}

func (p *Provider) keepLease(ctx context.Context, l *lease, warn func(string)) {
	what := fmt.Sprintf("the lease of %s", l.ref)
	p.keepAlive(ctx, what, l.ref, l.renewable, l.ttl, l.expires, func(ctx context.Context, inc time.Duration) (time.Duration, error) {
		s, err := p.client.Sys().RenewWithContext(ctx, l.id, int(inc/time.Second))
		if err != nil {
			return 0, err
		}
		if s == nil {
			return 0, errors.New("empty renewal response")
		}
		return time.Duration(s.LeaseDuration) * time.Second, nil
	}, warn)
}

func (p *Provider) keepToken(ctx context.Context, warn func(string)) {
	a := p.auth
	what := fmt.Sprintf("secretrun's Vault token (%s login; leases obtained with it end with it)", a.method)
	p.keepAlive(ctx, what, providers.Ref{}, a.renewable, a.ttl, a.expires, func(ctx context.Context, inc time.Duration) (time.Duration, error) {
		s, err := p.client.Auth().Token().RenewSelfWithContext(ctx, int(inc/time.Second))
		if err != nil {
			return 0, err
		}
		if s == nil || s.Auth == nil {
			return 0, errors.New("empty renewal response")
		}
		return time.Duration(s.Auth.LeaseDuration) * time.Second, nil
	}, warn)
}

// Close revokes every lease obtained in this run and the token secretrun created by logging in
// (unless revoke_on_exit is false), within ctx's deadline. Errors name the reference, never a
// value. Close is safe to call more than once; later calls do nothing.
func (p *Provider) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	leases := append([]*lease(nil), p.leases...)
	p.mu.Unlock()
	if !p.revoke {
		return nil
	}
	errs := make([]error, len(leases))
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.opts.maxParallel)
	for i, l := range leases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			err := p.retry(ctx, func(ctx context.Context) error { return p.client.Sys().RevokeWithContext(ctx, l.id) })
			if err != nil {
				errs[i] = &providers.RefError{Ref: l.ref, Err: fmt.Errorf("revoking its lease: %w", p.mapErr(err, "revoke lease"))}
				return
			}
			p.reportLease(providers.LeaseEvent{Revoked: true, Ref: l.ref})
		}()
	}
	wg.Wait()
	if p.auth.created {
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
	}
	return errors.Join(errs...)
}
