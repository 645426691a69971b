package vault

import (
	"context"
	"errors"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// Expiry returns when the value last fetched for ref stops working for good
// (providers.Expirer): the expiry of its lease once no renewal can push it back (the lease is
// not renewable, a renewal was granted less than asked because of the max TTL, or a renewal was
// refused), or earlier the end of secretrun's login token that obtained it (leases end with
// the token), once that is known. It is the zero time while Keep's renewals keep the lease
// alive, for a value without a lease, and for a lease without a TTL.
//
// Vault does not tell a lease's max TTL; Keep learns it at the first renewal granted short,
// which comes at about 2/3 of the TTL, so at least about a quarter of the TTL before the end.
// Expiry makes no request.
func (p *Provider) Expiry(ref providers.Ref) time.Time {
	src := ref.Source()
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.latestLease(src)
	if l == nil || l.ttl <= 0 {
		return time.Time{}
	}
	end := l.end
	if t, ok := p.tokenEnds[l.gen]; ok && l.gen != 0 && (end.IsZero() || t.Before(end)) {
		end = t
	}
	return end
}

// latestLease returns the lease of the latest fetch of src, or nil. Needs p.mu.
func (p *Provider) latestLease(src providers.Ref) *lease {
	for i := len(p.leases) - 1; i >= 0; i-- {
		if p.leases[i].ref == src && !p.leases[i].retired {
			return p.leases[i]
		}
	}
	return nil
}

// Retire revokes the leases of the earlier fetches of refs, keeping the lease of the latest
// fetch of each (providers.Expirer): the watcher calls it once the child that used the earlier
// credentials has stopped. Retired leases are no longer renewed. With revoke_on_exit: false
// they are left to expire by themselves, as at exit. A lease that cannot be revoked (a token
// supplied without a sys/leases/revoke policy) is reported as a *RefError naming the ref,
// and Close tries again. Each revocation is reported to the LeaseReporter.
func (p *Provider) Retire(ctx context.Context, refs []providers.Ref) error {
	sources := make(map[providers.Ref]bool, len(refs))
	for _, r := range refs {
		sources[r.Source()] = true
	}
	p.mu.Lock()
	var old []*lease
	for src := range sources {
		latest := p.latestLease(src)
		for _, l := range p.leases {
			if l.ref == src && l != latest && !l.retired {
				l.retired = true
				if l.stop != nil {
					l.stop()
				}
				old = append(old, l)
			}
		}
	}
	if !p.revoke {
		p.dropLeases(old)
	}
	p.mu.Unlock()
	if !p.revoke || len(old) == 0 {
		return nil
	}
	errs := p.revokeLeases(ctx, old)
	var revoked []*lease
	for i, l := range old {
		if errs[i] == nil {
			revoked = append(revoked, l)
		}
	}
	p.mu.Lock()
	p.dropLeases(revoked)
	p.mu.Unlock()
	return errors.Join(errs...)
}

// dropLeases removes leases from p.leases (Close no longer revokes them). Needs p.mu.
func (p *Provider) dropLeases(drop []*lease) {
	if len(drop) == 0 {
		return
	}
	gone := make(map[*lease]bool, len(drop))
	for _, l := range drop {
		gone[l] = true
	}
	kept := p.leases[:0]
	for _, l := range p.leases {
		if !gone[l] {
			kept = append(kept, l)
		}
	}
	clear(p.leases[len(kept):])
	p.leases = kept
}
