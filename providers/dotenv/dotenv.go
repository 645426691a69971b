// Package dotenv reads secrets from dotenv files: dotenv://PATH#NAME is the value of variable NAME
// in the file at PATH. It also exports the dotenv parser ([Parse]) that the CLI uses for
// --env-file.
//
// A relative PATH is resolved against the base directory given to [New]: the directory of the
// configuration file that named it. The package uses the standard library, package providers and
// providers/internal/fswatch (filesystem events, for Notify) only; it must not import cobra,
// viper or another provider.
package dotenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/fswatch"
)

// openFile opens a file for reading without blocking on a FIFO (which is then refused as not a
// regular file); tests replace it to count reads.
var openFile = func(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// Scheme is the reference scheme this package serves.
const Scheme = "dotenv"

// Provider reads dotenv files. It is safe for concurrent use.
type Provider struct {
	baseDir string
}

// New returns a dotenv provider that resolves relative paths against baseDir (the directory of
// the configuration file; "" means the current directory).
func New(baseDir string) *Provider { return &Provider{baseDir: baseDir} }

var _ providers.Notifier = (*Provider)(nil)

// Notify implements providers.Notifier: it watches the directories of the refs' files through
// filesystem events until ctx is done, and reports the refs whose file was written, replaced (by
// a rename, or by Kubernetes' ..data symlink swap), removed or renamed away. See package fswatch.
func (p *Provider) Notify(ctx context.Context, refs []providers.Ref, changed func([]providers.Ref)) error {
	return fswatch.Notify(ctx, refs, p.Path, changed)
}

// Path returns the file a reference names: its path, joined to the base directory when relative.
func (p *Provider) Path(ref providers.Ref) string { return providers.LocalPath(p.baseDir, ref.Path) }

// Validate checks a reference without I/O: it must name a variable (#NAME) and take no options.
func (p *Provider) Validate(ref providers.Ref) error {
	if ref.Scheme != Scheme {
		return fmt.Errorf("%w: scheme %q is not %s", providers.ErrInvalidRef, ref.Scheme, Scheme)
	}
	if ref.Path == "" {
		return fmt.Errorf("%w: empty path", providers.ErrInvalidRef)
	}
	if ref.Query != "" {
		return fmt.Errorf("%w: dotenv:// takes no options", providers.ErrInvalidRef)
	}
	if ref.Key == "" {
		return providers.WithHint(fmt.Errorf("%w: a dotenv reference must name a variable", providers.ErrInvalidRef),
			"add #NAME to pick one variable, e.g. dotenv://%s#DATABASE_URL", ref.Path)
	}
	if !ValidName(ref.Key) {
		return fmt.Errorf("%w: %q is not a variable name", providers.ErrInvalidRef, ref.Key)
	}
	return nil
}

// Fetch reads each distinct file of the batch once and returns the variables the refs name, in
// order, with one *providers.RefError per failure. Each secret's Created is the file's
// modification time.
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	out := make([]providers.Secret, len(refs))
	var errs []error
	type file struct {
		vars    map[string]string
		keys    []string
		created time.Time
		err     error
	}
	files := map[string]*file{}
	for i, ref := range refs {
		if err := p.Validate(ref); err != nil {
			errs = append(errs, &providers.RefError{Ref: ref, Err: err})
			continue
		}
		if err := ctx.Err(); err != nil {
			errs = append(errs, &providers.RefError{Ref: ref, Err: fmt.Errorf("%w: %w", providers.ErrUnavailable, err)})
			continue
		}
		path := p.Path(ref)
		f, ok := files[path]
		if !ok {
			f = &file{}
			var vars []Var
			vars, f.created, f.err = p.read(path, ref.Path)
			f.vars = make(map[string]string, len(vars))
			for _, v := range vars {
				f.vars[v.Name] = v.Value
				f.keys = append(f.keys, v.Name)
			}
			sort.Strings(f.keys)
			files[path] = f
		}
		if f.err != nil {
			errs = append(errs, &providers.RefError{Ref: ref, Err: f.err})
			continue
		}
		v, ok := f.vars[ref.Key]
		if !ok {
			errs = append(errs, &providers.RefError{Ref: ref, Err: fmt.Errorf("%w: no variable %q in %s (variables: %s)",
				providers.ErrKeyNotFound, ref.Key, path, names(f.keys))})
			continue
		}
		out[i] = providers.NewSecret([]byte(v), "")
		out[i].Created = f.created
	}
	return out, errors.Join(errs...)
}

func names(keys []string) string {
	if len(keys) == 0 {
		return "none"
	}
	if len(keys) > 10 {
		keys = append(keys[:10:10], "...")
	}
	return strings.Join(keys, ", ")
}

// read opens and parses one file, mapping failures to the provider sentinels, and returns its
// variables and its modification time.
func (p *Provider) read(path, asWritten string) ([]Var, time.Time, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, time.Time{}, providers.LocalFileError(err, p.baseDir, asWritten)
	}
	defer f.Close()
	var mtime time.Time
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, time.Time{}, fmt.Errorf("%w: %s is a directory, not a dotenv file", providers.ErrInvalidRef, path)
	} else if err == nil && !st.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("%w: %s is not a regular file", providers.ErrInvalidRef, path)
	} else if err == nil {
		mtime = st.ModTime()
	}
	vars, err := Parse(f, path)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			return nil, time.Time{}, err // names file and line, never a value
		}
		return nil, time.Time{}, providers.LocalFileError(err, p.baseDir, asWritten)
	}
	return vars, mtime, nil
}
