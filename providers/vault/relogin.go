package vault

import (
	"context"
	"time"
)

// oldToken is a login token replaced by logging in again before its max TTL. It stays valid
// until then (the leases obtained with it end with it); Close revokes it if it has not expired.
type oldToken struct {
	token string // a credential: never shown
	end   time.Time
}

// tokenDue reports whether the login token secretrun created is past 4/5 of its latest grant,
// so that a request should not rely on it any more. Keep renews at about 2/3 (±10%), so this
// happens only when Keep does not run, or could not renew it (max TTL, refused). Needs p.mu.
func (p *Provider) tokenDue() bool {
	a := p.auth
	return a.created && a.ttl > 0 && !p.opts.now().Before(a.expires.Add(-a.ttl/5))
}

// refreshToken logs in again before a request when the login token is about to expire
// (tokenDue). When that login fails, the request goes on with the old token while it lives,
// and the login's error is returned once it has expired.
func (p *Provider) refreshToken(ctx context.Context) error {
	p.mu.Lock()
	due, gen, expires := p.tokenDue(), p.auth.gen, p.auth.expires
	p.mu.Unlock()
	if !due {
		return nil
	}
	err := p.relogin(ctx, gen)
	if err != nil {
		if p.opts.now().Before(expires) {
			p.tracef("vault: logging in again before secretrun's token expires at %s failed (%s); still using it", expires.Format(time.RFC3339), describeErr(err))
			return nil
		}
		return err
	}
	return nil
}

// relogin logs in again with the configured method, replacing the token of login gen unless
// another call already replaced it. The old token is kept (its leases end with it) for Close.
func (p *Provider) relogin(ctx context.Context, gen int) error {
	p.authMu.Lock()
	defer p.authMu.Unlock()
	p.mu.Lock()
	cur, old, end := p.auth.gen, p.auth.token, p.auth.expires
	p.mu.Unlock()
	if cur != gen || p.isClosed() {
		return nil
	}
	mount, data, _, err := p.loginData(p.auth.method)
	if err != nil {
		return err
	}
	if err := p.loginWith(ctx, mount, data); err != nil {
		return err
	}
	p.mu.Lock()
	now := p.opts.now()
	kept := p.oldTokens[:0]
	for _, t := range p.oldTokens {
		if now.Before(t.end) { // an expired one needs no revoking
			kept = append(kept, t)
		}
	}
	p.oldTokens = append(kept, oldToken{token: old, end: end})
	p.setTokenEnd(gen, end)
	ttl := p.auth.ttl
	p.mu.Unlock()
	p.tracef("vault: logged in again (%s) before secretrun's token expires at %s; the new token is granted %s",
		p.auth.method, end.Format(time.RFC3339), ttl)
	return nil
}

// setTokenEnd records when the token of login gen stops working for good. Needs p.mu.
func (p *Provider) setTokenEnd(gen int, end time.Time) {
	if p.tokenEnds == nil {
		p.tokenEnds = make(map[int]time.Time)
	}
	if t, ok := p.tokenEnds[gen]; !ok || end.Before(t) {
		p.tokenEnds[gen] = end
	}
}
