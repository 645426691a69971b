package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
)

// mount is what secretrun knows about the mount a path lives in.
type mount struct {
	path string // with a trailing slash, e.g. "secret/"
	typ  string // "kv", "database", ... ("" when unknown)
	kv2  bool
	// probe: detection was refused or blocked (some setups deny sys/internal/ui/mounts, or a
	// proxy blocks it), so the mount and its KV version are unknown: readProbing finds out from
	// the reads themselves. path is then only the first segment.
	probe bool
	// refused is the detection's own error when Vault refused it (403): reported when no read
	// finds anything either, as before detection fell back to reads, since Vault answers 403 for
	// a mount that does not exist too.
	refused error
}

func (m mount) describe() string {
	switch {
	case m.probe:
		return "of unknown kind (mount detection was refused)"
	case m.kv2:
		return "KV v2"
	case m.typ == "kv" || m.typ == "generic":
		return "KV v1"
	case m.typ != "":
		return "a " + m.typ + " mount"
	default:
		return "not a KV v2 mount"
	}
}

// mountCache remembers the mounts detected in this run. Lookups for paths that share a first
// segment are serialised, so that 100 concurrent reads under secret/ cause one detection.
type mountCache struct {
	mu     sync.Mutex
	mounts []mount
	locks  map[string]*sync.Mutex
	// failed holds, per first path segment, a detection that failed because Vault could not be
	// reached, so that the other paths waiting for it fail at once instead of each trying again.
	// (A 403 is not shared: a policy may allow one path of a mount and deny another.)
	failed map[string]error
}

func (c *mountCache) find(path string) (mount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	best := -1
	for i, m := range c.mounts {
		if strings.HasPrefix(path+"/", m.path) && (best < 0 || len(m.path) > len(c.mounts[best].path)) {
			best = i
		}
	}
	if best < 0 {
		return mount{}, false
	}
	return c.mounts[best], true
}

func (c *mountCache) lockFor(first string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.locks == nil {
		c.locks = make(map[string]*sync.Mutex)
	}
	l := c.locks[first]
	if l == nil {
		l = new(sync.Mutex)
		c.locks[first] = l
	}
	return l
}

func (c *mountCache) add(m mount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mounts = append(c.mounts, m)
}

// mountOf returns the mount that path lives in, asking Vault (sys/internal/ui/mounts/PATH, which
// any token with a capability on the path may call) once per mount per run.
func (p *Provider) mountOf(ctx context.Context, path string) (mount, error) {
	if m, ok := p.mounts.find(path); ok {
		return m, nil
	}
	first, _, _ := strings.Cut(path, "/")
	l := p.mounts.lockFor(first)
	// Wait for the lock, but not past the deadline.
	locked := make(chan struct{})
	go func() { l.Lock(); close(locked) }()
	select {
	case <-locked:
	case <-ctx.Done():
		go func() { <-locked; l.Unlock() }()
		return mount{}, fmt.Errorf("%w: detecting the mount of %s: %v", providers.ErrUnavailable, path, ctx.Err())
	}
	defer l.Unlock()
	if m, ok := p.mounts.find(path); ok {
		return m, nil
	}
	p.mounts.mu.Lock()
	failed := p.mounts.failed[first]
	p.mounts.mu.Unlock()
	if failed != nil {
		return mount{}, failed
	}
	var m mount
	err := p.retry(ctx, func(ctx context.Context) error {
		s, err := p.client.Logical().ReadWithContext(ctx, "sys/internal/ui/mounts/"+path)
		if err != nil {
			return err
		}
		if s == nil || s.Data == nil {
			// A proxy that hides the endpoint, or a very old Vault without it.
			m = mount{path: first + "/", probe: true}
			return nil
		}
		mp, _ := s.Data["path"].(string)
		typ, _ := s.Data["type"].(string)
		if mp == "" || !strings.HasPrefix(path+"/", mp) {
			mp = first + "/"
		}
		m = mount{path: mp, typ: typ}
		if opts, ok := s.Data["options"].(map[string]any); ok && (typ == "kv" || typ == "generic") {
			if v, _ := opts["version"].(string); v == "2" {
				m.kv2 = true
			}
		}
		return nil
	})
	if err != nil {
		mapped := p.mapErr(err, "detect the mount of "+path)
		if blocked(mapped) {
			// Denied by a gateway, or answered 400/405 by a proxy in front of Vault (Vault
			// itself answers 403 for a mount that does not exist, or one the token may not
			// touch at all). The reads themselves tell the KV version (readProbing): a read the policy
			// allows never fails for want of detection. Not cached: the endpoint's answer
			// depends on the path.
			m := mount{path: first + "/", probe: true}
			if errors.Is(mapped, providers.ErrDenied) {
				// Vault answers 403 both for a mount that does not exist and for one the token
				// may not touch at all: say both.
				m.refused = providers.WithHint(errors.Unwrap(mapped),
					"there is no mount %q, or %s grants nothing under it (vault secrets list shows the mounts); reading %s as KV v2 (MOUNT/data/PATH) and as is found nothing either",
					first+"/", p.auth.describe(), path)
			}
			return m, nil
		}
		if errors.Is(mapped, providers.ErrUnavailable) {
			p.mounts.mu.Lock()
			if p.mounts.failed == nil {
				p.mounts.failed = make(map[string]error)
			}
			p.mounts.failed[first] = mapped
			p.mounts.mu.Unlock()
		}
		return mount{}, mapped
	}
	p.mounts.add(m)
	return m, nil
}

// blocked reports whether a mount-detection error means the endpoint was refused rather than
// the token or the server failing: a 403 that is not an invalid token, or a 400/405 (which
// mapErr reports as ErrInvalidRef) from a proxy that blocks sys/ paths. A 403 also answers a
// mount that does not exist; the reads then report that.
func blocked(err error) bool {
	return (errors.Is(err, providers.ErrDenied) && !strings.Contains(err.Error(), "invalid token")) ||
		errors.Is(err, providers.ErrInvalidRef)
}

// readProbing reads src when mount detection was refused: as KV v2 at each possible mount
// boundary (MOUNT/data/REST: secret/data/a/b, then secret/a/data/b), where an answer with KV v2's
// shape settles it and the mount is remembered for the rest of the run, then as is (KV v1 and
// every other engine; asIs is the mount detection returned). A 403 or 404 moves on to the next candidate; anything else (an invalid
// token, an unreachable server) ends the read. So a read the policy allows never fails: a policy
// that lets the token read secret/data/app makes the first candidate succeed, one that lets it
// read kv1/app makes the last one succeed. It costs up to one extra request per path segment, for
// paths that are not on a KV v2 mount found this way.
func (p *Provider) readProbing(ctx context.Context, src providers.Ref, asIs mount) ([]byte, kvVersion, error) {
	segs := strings.Split(src.Path, "/")
	for i := 1; i < len(segs); i++ {
		m := mount{path: strings.Join(segs[:i], "/") + "/", typ: "kv", kv2: true}
		secret, err := p.get(ctx, m, src)
		if err == nil && isKV2(secret) {
			p.mounts.add(m)
			return p.decode(m, src, secret)
		}
		if err != nil && !errors.Is(err, providers.ErrNotFound) && !blocked(err) {
			return nil, kvVersion{}, err
		}
	}
	if src.Option("version") != "" {
		return nil, kvVersion{}, providers.WithHint(fmt.Errorf("%w: ?version= needs a KV v2 mount, and no KV v2 read of %s succeeded", providers.ErrInvalidRef, src.Path),
			"mount detection (sys/internal/ui/mounts) was refused; check the path and the policy, or remove ?version=")
	}
	secret, err := p.get(ctx, asIs, src)
	if err == nil {
		p.setUnversioned(src.Path) // not KV v2: Versions answers "" without asking again
		return p.decode(asIs, src, secret)
	}
	if asIs.refused != nil && (errors.Is(err, providers.ErrNotFound) || blocked(err)) {
		return nil, kvVersion{}, asIs.refused
	}
	return nil, kvVersion{}, err
}

// isKV2 reports whether a read answered with KV v2's shape: data (null when deleted) and
// metadata with a version.
func isKV2(s *api.Secret) bool {
	if s == nil {
		return false
	}
	meta, ok := s.Data["metadata"].(map[string]any)
	_, hasData := s.Data["data"]
	return ok && hasData && meta["version"] != nil
}
