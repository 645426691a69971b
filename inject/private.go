package inject

// Privacy is what MakePrivate changed in secretrun's process that a child must not inherit.
type Privacy struct {
	release func(pid int) error
}

// Release gives the started child pid the core-file size limit secretrun was started with, so
// that a program run under secretrun dumps core exactly as it would without it. It is safe on a
// nil *Privacy. (A child that crashes in the microseconds between its exec and Release writes no
// core.)
func (p *Privacy) Release(pid int) error {
	if p == nil || p.release == nil {
		return nil
	}
	return p.release(pid)
}
