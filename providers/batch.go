package providers

import (
	"context"
	"errors"
	"sort"
	"sync"
)

// FetchFunc reads one source (a Ref without its key) and returns its whole value and the version
// the store resolved.
type FetchFunc func(ctx context.Context, src Ref) (value []byte, version string, err error)

// FetchEach implements Provider.Fetch for stores that are read one source at a time: it reads each
// distinct source once, at most limit at a time (limit < 1 means 8), applies each ref's #key with
// SelectKey, and returns the results in order with one *RefError per failed ref.
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
	sources := make(map[Ref]*result)
	for _, r := range refs {
		sources[r.Source()] = nil
	}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, limit)
	)
	for src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				mu.Lock()
				sources[src] = &result{err: errors.Join(ErrUnavailable, ctx.Err())}
				mu.Unlock()
				return
			}
			v, ver, err := fetch(ctx, src)
			mu.Lock()
			sources[src] = &result{value: v, version: ver, err: err}
			mu.Unlock()
		}()
	}
	wg.Wait()

	out := make([]Secret, len(refs))
	var errs []error
	for i, r := range refs {
		res := sources[r.Source()]
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

func sortStrings(s []string) { sort.Strings(s) }
