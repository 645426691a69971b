package providers

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// FetchFunc reads one source (a Ref without its key) and returns its whole value and the version
// the store resolved.
type FetchFunc func(ctx context.Context, src Ref) (value []byte, version string, err error)

// FetchEach implements Provider.Fetch for stores that are read one source at a time: it reads each
// distinct source once, at most limit at a time (limit < 1 means 8), applies each ref's #key with
// SelectKey, and returns the results in order with one *RefError per failed ref. Once ctx is done
// no further source is read: the refs not yet read fail with an error wrapping ErrUnavailable and
// ctx.Err().
//
// Providers with their own key semantics (dotenv's #VAR) pass a select function; nil means
// SelectKey.
func FetchEach(ctx context.Context, refs []Ref, limit int, fetch FetchFunc, selectKey func([]byte, string) ([]byte, error)) ([]Secret, error) {
	if limit < 1 {
		limit = 8
	}
	if selectKey == nil {
		selectKey = SelectKey
	}
	type result struct {
		value   []byte
		version string
		err     error
	}
	// Distinct sources, in first-seen order. Results go into their own slice so that no map is
	// read while the fetching goroutines write.
	index := make(map[Ref]int)
	var srcs []Ref
	for _, r := range refs {
		if _, ok := index[r.Source()]; !ok {
			index[r.Source()] = len(srcs)
			srcs = append(srcs, r.Source())
		}
	}
	results := make([]result, len(srcs))
	var (
		wg  sync.WaitGroup
		sem = make(chan struct{}, limit)
	)
	for i, src := range srcs {
		if ctx.Err() != nil {
			// Never start a read once the context is done (a select between a free slot and
			// ctx.Done() would pick at random).
			results[i] = result{err: unavailable(ctx)}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				results[i] = result{err: unavailable(ctx)}
				return
			}
			if ctx.Err() != nil {
				results[i] = result{err: unavailable(ctx)}
				return
			}
			v, ver, err := fetch(ctx, src)
			results[i] = result{value: v, version: ver, err: err}
		}()
	}
	wg.Wait()

	out := make([]Secret, len(refs))
	var errs []error
	for i, r := range refs {
		res := results[index[r.Source()]]
		if res.err != nil {
			errs = append(errs, &RefError{Ref: r, Err: res.err})
			continue
		}
		value := res.value
		if r.Key != "" {
			var err error
			if value, err = selectKey(value, r.Key); err != nil {
				errs = append(errs, &RefError{Ref: r, Err: err})
				continue
			}
		}
		out[i] = NewSecret(value, res.version)
	}
	return out, errors.Join(errs...)
}

// unavailable is the error for a source not read because ctx is done: it wraps both ErrUnavailable
// and the context's error, on one line.
func unavailable(ctx context.Context) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
}

// FetchValid is FetchEach for providers that check each reference first: a ref that validate
// rejects gets its own *RefError and is not fetched; the others are fetched as by FetchEach.
// The results are in the order of refs.
func FetchValid(ctx context.Context, refs []Ref, validate func(Ref) error, limit int, fetch FetchFunc, selectKey func([]byte, string) ([]byte, error)) ([]Secret, error) {
	out := make([]Secret, len(refs))
	var (
		valid []Ref
		where []int
		errs  []error
	)
	for i, ref := range refs {
		if err := validate(ref); err != nil {
			errs = append(errs, &RefError{Ref: ref, Err: err})
			continue
		}
		valid = append(valid, ref)
		where = append(where, i)
	}
	secrets, err := FetchEach(ctx, valid, limit, fetch, selectKey)
	for j, s := range secrets {
		out[where[j]] = s
	}
	return out, errors.Join(append(errs, err)...)
}
