package inject

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// ImportRequest asks for every secret under one reference: a profile's `import:` entry.
type ImportRequest struct {
	// Ref is the reference as written, e.g. "vault://secret/app/".
	Ref string
	// Recursive descends into sub-folders.
	Recursive bool
	// Optional imports that find nothing are left out instead of failing the run.
	Optional bool
	// Origin says where the entry is, for messages: "secretrun.yaml:14".
	Origin string
}

// ImportResult is the outcome of one ImportRequest.
type ImportResult struct {
	ImportRequest
	// Parsed is the parsed reference (zero when parsing failed).
	Parsed providers.Ref
	// Items are the secrets found, in the provider's order; nil when Err is set.
	Items []providers.Imported
	// Elapsed is how long the import took.
	Elapsed time.Duration
	// Err is the failure, an *ImportError; nil on success and when Skipped.
	Err error
	// Skipped reports an optional import that found nothing.
	Skipped bool
}

// ImportError is the failure of one import. Its text names the reference and where the entry
// is, never a value.
type ImportError struct {
	Ref    string // as DisplayRef shows it
	Origin string
	Err    error
}

func (e *ImportError) Error() string {
	s := "import " + e.Ref
	if e.Origin != "" {
		s += " (" + e.Origin + ")"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ImportError) Unwrap() error { return e.Err }

// errImportedNothing is the cause of a required import that found nothing.
var errImportedNothing = fmt.Errorf("%w: the import found nothing", providers.ErrNotFound)

// CheckImport parses req's reference and lets its provider check it, without I/O. The error is
// an *ImportError.
func (r *Resolver) CheckImport(req ImportRequest) (providers.Ref, error) {
	ref, err := r.parse(req.Ref)
	if err != nil {
		return providers.Ref{}, &ImportError{Ref: DisplayRef(req.Ref, r.Registry), Origin: req.Origin, Err: err}
	}
	imp, err := r.importer(ref.Scheme)
	if err == nil {
		err = imp.CheckImport(ref, providers.ImportOptions{Recursive: req.Recursive})
	}
	if err != nil {
		return providers.Ref{}, &ImportError{Ref: DisplayRef(req.Ref, r.Registry), Origin: req.Origin, Err: err}
	}
	return ref, nil
}

// Invalid reports whether Resolve would refuse reqs before fetching anything: a reference that is
// malformed, names an unknown scheme or fails its provider's check. Imports are not started
// then either, so that nothing is fetched.
func (r *Resolver) Invalid(reqs []Request) bool {
	for _, req := range reqs {
		if _, err := r.check(req.Ref); err != nil {
			return true
		}
	}
	return false
}

// importer returns the provider of scheme as a providers.Importer.
func (r *Resolver) importer(scheme string) (providers.Importer, error) {
	p, err := r.Registry.Provider(scheme)
	if err != nil {
		return nil, err
	}
	imp, ok := p.(providers.Importer)
	if !ok {
		var can []string
		for _, s := range r.Registry.Schemes() {
			if q, err := r.Registry.Provider(s); err == nil {
				if _, ok := q.(providers.Importer); ok {
					can = append(can, s)
				}
			}
		}
		return nil, fmt.Errorf("%w: the %s provider cannot import a whole path (importable: %s)", providers.ErrInvalidRef, scheme, strings.Join(can, ", "))
	}
	return imp, nil
}

// Import runs every import concurrently under one deadline (Timeout) and returns one result per
// request, in order, and an error joining the *ImportError of every failed required import. A
// required import that finds nothing fails (wrapping providers.ErrNotFound); an optional one that
// finds nothing, or whose reference does not exist, is Skipped.
func (r *Resolver) Import(ctx context.Context, reqs []ImportRequest) ([]ImportResult, error) {
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	results := make([]ImportResult, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		res := &results[i]
		res.ImportRequest = req
		wg.Go(func() {
			start := time.Now()
			items, err := r.importOne(ctx, res)
			res.Elapsed = time.Since(start)
			switch {
			case err == nil && len(items) == 0:
				err = providers.WithHint(errImportedNothing, "mark the import optional: true if it may be empty")
			case err == nil:
				res.Items = items
				return
			}
			if req.Optional && errors.Is(err, providers.ErrNotFound) {
				res.Skipped = true
				return
			}
			res.Err = &ImportError{Ref: DisplayRef(req.Ref, r.Registry), Origin: req.Origin, Err: err}
		})
	}
	wg.Wait()
	var errs []error
	for _, res := range results {
		if res.Err != nil {
			errs = append(errs, res.Err)
		}
	}
	return results, errors.Join(errs...)
}

// importOne checks and runs one import. A panic in the provider is an ErrUnavailable, its value
// never printed (it could hold secret material).
func (r *Resolver) importOne(ctx context.Context, res *ImportResult) (items []providers.Imported, err error) {
	defer func() {
		if recover() != nil {
			items, err = nil, fmt.Errorf("%w: the %s provider failed unexpectedly", providers.ErrUnavailable, res.Parsed.Scheme)
		}
	}()
	ref, cerr := r.CheckImport(res.ImportRequest)
	if cerr != nil {
		return nil, errors.Unwrap(cerr)
	}
	res.Parsed = ref
	imp, err := r.importer(ref.Scheme)
	if err != nil {
		return nil, err
	}
	return imp.Import(ctx, ref, providers.ImportOptions{Recursive: res.Recursive})
}
