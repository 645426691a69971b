package gcpsm

import "sync/atomic"

// atomicMax tracks a counter and the largest value it reached.
type atomicMax struct{ v atomic.Int64 }

func (a *atomicMax) add(d int64) { a.v.Add(d) }
func (a *atomicMax) load() int64 { return a.v.Load() }
func (a *atomicMax) observe(x int64) {
	for {
		cur := a.v.Load()
		if x <= cur || a.v.CompareAndSwap(cur, x) {
			return
		}
	}
}
