package providers

import (
	"sync"
	"time"
)

// CreatedTimes collects the creation time of each source that a FetchFunc read, for providers
// built on FetchEach or FetchValid, whose FetchFunc returns only a value and a version. The fetch
// function calls Set (safe from concurrent reads); Stamp then copies each time onto the
// secrets. The zero value is ready to use.
type CreatedTimes struct {
	mu sync.Mutex
	m  map[Ref]time.Time
}

// Set records when the version read from src was created. A zero t is ignored (unknown).
func (c *CreatedTimes) Set(src Ref, t time.Time) {
	if t.IsZero() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[Ref]time.Time)
	}
	c.m[src.Source()] = t
}

// Stamp sets Created on out[i] from the time recorded for refs[i]'s source, for every secret
// that was resolved (failed refs keep their zero Secret). out and refs are in the same order,
// as FetchEach returns them.
func (c *CreatedTimes) Stamp(refs []Ref, out []Secret) []Secret {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range out {
		if i < len(refs) && out[i].value != nil {
			out[i].Created = c.m[refs[i].Source()]
		}
	}
	return out
}
