package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/secretrun/secretrun/providers"
)

// mount is what secretrun knows about the mount a path lives in.
type mount struct {
	path string // with a trailing slash, e.g. "secret/"
	typ  string // "kv", "database", ... ("" when unknown)
	kv2  bool
}

func (m mount) describe() string {
	switch {
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
			// Very old Vault without the endpoint: treat the path as is (KV v1 style).
			m = mount{path: first + "/"}
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
		if errors.Is(mapped, providers.ErrDenied) && !strings.Contains(mapped.Error(), "invalid token") {
			// Vault answers 403 both for a mount that does not exist and for one the token
			// may not touch at all: say both.
			return mount{}, providers.WithHint(errors.Unwrap(mapped),
				"there is no mount %q, or %s grants nothing under it (vault secrets list shows the mounts)", first+"/", p.auth.describe())
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
