// Package file reads secrets from local files: file://PATH is the file's content (less one
// trailing newline), and file://PATH#key a field of its JSON or YAML content. It is meant for
// secrets that something else already wrote to disk: Docker and Kubernetes secrets
// (file:///run/secrets/db_password), CI credential files, mounted volumes.
//
// A relative PATH is resolved against the base directory given to [New]: the directory of the
// configuration file that named it. The package uses the standard library, package providers and
// providers/internal/fswatch (filesystem events, for Notify) only; it must not import cobra,
// viper or another provider.
package file

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/fswatch"
)

// Scheme is the reference scheme this package serves.
const Scheme = "file"

// MaxSize is the largest file the provider reads (16 MiB): a secret is small, and a huge file is
// a mistake.
const MaxSize = 16 << 20

// openFile opens a file for reading without blocking on a FIFO (which is then refused as not a
// regular file); tests replace it to count reads.
var openFile = func(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// Provider reads local files. It is safe for concurrent use.
type Provider struct {
	baseDir string
}

// New returns a file provider that resolves relative paths against baseDir (the directory of the
// configuration file; "" means the current directory).
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

// Validate checks a reference without I/O. The only option is trim=true|false.
func (p *Provider) Validate(ref providers.Ref) error {
	if ref.Scheme != Scheme {
		return fmt.Errorf("%w: scheme %q is not %s", providers.ErrInvalidRef, ref.Scheme, Scheme)
	}
	if ref.Path == "" {
		return fmt.Errorf("%w: empty path", providers.ErrInvalidRef)
	}
	for name, values := range ref.Options() {
		if name != "trim" {
			return providers.WithHint(fmt.Errorf("%w: unknown option %q", providers.ErrInvalidRef, name),
				"file:// takes one option: ?trim=false keeps a trailing newline")
		}
		if len(values) != 1 {
			return fmt.Errorf("%w: option trim given %d times", providers.ErrInvalidRef, len(values))
		}
		if _, err := strconv.ParseBool(values[0]); err != nil {
			return fmt.Errorf("%w: option trim must be true or false", providers.ErrInvalidRef)
		}
	}
	return nil
}

// trim reports whether ref asks for one trailing newline to be removed (the default).
func trim(ref providers.Ref) bool {
	v := ref.Option("trim")
	if v == "" {
		return true
	}
	b, _ := strconv.ParseBool(v)
	return b
}

// Fetch reads each distinct file of the batch once and returns the values the refs name, in
// order, with one *providers.RefError per failure. Each secret's Created is the file's
// modification time.
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	var created providers.CreatedTimes
	out, err := providers.FetchValid(ctx, refs, p.Validate, 4, func(ctx context.Context, src providers.Ref) ([]byte, string, error) {
		b, mtime, err := p.read(src)
		if err != nil {
			return nil, "", err
		}
		created.Set(src, mtime)
		if trim(src) {
			b = trimNewline(b)
		}
		return b, "", nil
	}, nil)
	return created.Stamp(refs, out), err
}

// trimNewline removes one trailing "\n" or "\r\n".
func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// read returns the file's contents and its modification time (from the opened file).
func (p *Provider) read(ref providers.Ref) ([]byte, time.Time, error) {
	path := p.Path(ref)
	f, err := openFile(path)
	if err != nil {
		return nil, time.Time{}, providers.LocalFileError(err, p.baseDir, ref.Path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, providers.LocalFileError(err, p.baseDir, ref.Path)
	}
	switch {
	case st.IsDir():
		return nil, time.Time{}, fmt.Errorf("%w: %s is a directory, not a file", providers.ErrInvalidRef, path)
	case !st.Mode().IsRegular():
		// A FIFO or device could block forever or never end.
		return nil, time.Time{}, fmt.Errorf("%w: %s is not a regular file", providers.ErrInvalidRef, path)
	case st.Size() > MaxSize:
		return nil, time.Time{}, fmt.Errorf("%w: %s is larger than %d MiB", providers.ErrInvalidRef, path, MaxSize>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, time.Time{}, providers.LocalFileError(err, p.baseDir, ref.Path)
	}
	if len(b) > MaxSize {
		return nil, time.Time{}, fmt.Errorf("%w: %s is larger than %d MiB", providers.ErrInvalidRef, path, MaxSize>>20)
	}
	return b, st.ModTime(), nil
}
