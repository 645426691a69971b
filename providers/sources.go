package providers

import (
	"context"
	"errors"
	"sync"
	"time"
)

// FetchSources implements Provider.Fetch for stores that read many sources in one call (batched
// APIs such as BatchGetSecretValue and GetParameters): it opens each distinct source (a Ref
// without its #key) once, in first-seen order, hands every source that open says still needs
// reading to read in one slice, then applies each ref's #key with SelectKey and returns one
// Secret per ref, in order, with one *RefError per failed ref.
//
// open returns a source's state and whether it must be read (false: it failed already, such as
// an invalid reference); read settles every source it is given; result says what became of a
// source: its whole value, version and the version's creation time (zero when unknown), or an
// error. read is not called when no source needs reading.
func FetchSources[S any](refs []Ref, open func(src Ref) (S, bool), read func(pending []S),
	result func(S) (value []byte, version string, created time.Time, err error)) ([]Secret, error) {
	out := make([]Secret, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	sources := make(map[Ref]S)
	var pending []S
	for _, r := range refs {
		src := r.Source()
		if _, ok := sources[src]; ok {
			continue
		}
		s, needed := open(src)
		sources[src] = s
		if needed {
			pending = append(pending, s)
		}
	}
	if len(pending) > 0 {
		read(pending)
	}

	var errs []error
	for i, r := range refs {
		value, version, created, err := result(sources[r.Source()])
		if err != nil {
			errs = append(errs, &RefError{Ref: r, Err: err})
			continue
		}
		if r.Key != "" {
			if value, err = SelectKey(value, r.Key); err != nil {
				errs = append(errs, &RefError{Ref: r, Err: err})
				continue
			}
		}
		out[i] = NewSecret(value, version)
		out[i].Created = created
	}
	return out, errors.Join(errs...)
}

// Calls runs the calls of one Fetch concurrently, at most a fixed number at a time. A call may
// start more calls. Unlike FetchEach, a call whose turn comes after ctx is done still runs, at
// once: it is expected to fail fast with the context's error, so that each source gets the
// error of the call that would have read it.
type Calls struct {
	ctx context.Context
	sem chan struct{}
	wg  sync.WaitGroup
}

// NewCalls returns a Calls bounded to limit calls in flight (limit < 1 means 8), waiting for a
// slot only as long as ctx is not done.
func NewCalls(ctx context.Context, limit int) *Calls {
	if limit < 1 {
		limit = 8
	}
	return &Calls{ctx: ctx, sem: make(chan struct{}, limit)}
}

// Go runs fn in a goroutine once a slot is free, or at once when ctx is done.
func (c *Calls) Go(fn func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		select {
		case c.sem <- struct{}{}:
			defer func() { <-c.sem }()
		case <-c.ctx.Done():
		}
		fn()
	}()
}

// Wait waits for every call started with Go, including those started by other calls.
func (c *Calls) Wait() { c.wg.Wait() }
