package watch

import (
	"context"
	"fmt"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// retireTimeout bounds the release of old leases after a restart.
const retireTimeout = 30 * time.Second

// RetireLeases asks each provider of changes that tells expiries (providers.Expirer) to release
// what the earlier fetches of its changed leased references hold: the old child, which used
// them, has stopped. Failures are warned about; the leases then expire by themselves.
func RetireLeases(ctx context.Context, changes []Change, warn func(string)) {
	byProv := map[providers.Provider][]providers.Ref{}
	var order []providers.Provider
	for _, c := range changes {
		if !c.Secret.Leased {
			continue
		}
		if _, ok := c.Provider.(providers.Expirer); !ok {
			continue
		}
		if byProv[c.Provider] == nil {
			order = append(order, c.Provider)
		}
		byProv[c.Provider] = append(byProv[c.Provider], c.Ref)
	}
	for _, p := range order {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), retireTimeout)
		if err := p.(providers.Expirer).Retire(cctx, byProv[p]); err != nil {
			warn(fmt.Sprintf("watch: could not revoke the old leases; they expire by themselves: %v", err))
		}
		cancel()
	}
}
