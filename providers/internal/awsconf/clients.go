package awsconf

import "sync"

// Clients holds one SDK client per region, all made from one configuration and thus sharing its
// credentials cache: one authentication per run, whatever the number of regions. The zero value
// is ready to use; it is safe for concurrent use.
type Clients[C any] struct {
	mu sync.Mutex
	m  map[string]C
}

// Get returns the client for region, made by newClient the first time region is asked for.
func (c *Clients[C]) Get(region string, newClient func() C) C {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.m[region]; ok {
		return cl
	}
	if c.m == nil {
		c.m = make(map[string]C)
	}
	cl := newClient()
	c.m[region] = cl
	return cl
}
