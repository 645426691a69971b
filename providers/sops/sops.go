// Package sops reads secrets from files encrypted with sops (github.com/getsops/sops):
// sops://PATH#KEY is the value KEY selects in the decrypted file at PATH, and sops://PATH the
// whole decrypted file. YAML, JSON, dotenv, INI and binary files are decrypted in memory (no
// plaintext ever touches the disk) and checked against their MAC.
//
// The data key is opened with the keys sops users already have: age identities from
// SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and sops' default key file; PGP through gpg; AWS KMS, GCP
// KMS, Azure Key Vault and Vault transit through sops' own master key packages and each cloud's
// default credential chain. The rest of sops' file format (the metadata, Shamir key groups, the
// AES-256-GCM values and the MAC) is read by this package itself, because sops' root package
// imports its audit package, whose init would run at every secretrun start (see
// docs/providers/sops.md); differential tests check it against sops' own code.
//
// A relative PATH is resolved against the base directory given to [New]: the directory of the
// configuration file that named it. The package must not import cobra, viper or another
// provider.
package sops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/getsops/sops/v3/logging"

	"github.com/secretrun/secretrun/providers"
)

// Scheme is the reference scheme this package serves.
const Scheme = "sops"

// MaxSize is the largest file the provider reads (16 MiB), as for file://.
const MaxSize = 16 << 20

// ErrTampered is wrapped (with providers.ErrDenied) when a file fails sops' integrity check: a
// value or the MAC does not decrypt, or the MAC does not match the values.
var ErrTampered = errors.New("integrity check failed")

// credentialVars are the variables removed from the child's environment when sops:// was used.
// SOPS_AGE_KEY holds a private key; SOPS_AGE_KEY_FILE only points to one and is kept, like the
// file pointers of the other providers, so that a child that runs sops itself still can.
var credentialVars = []string{envAgeKey}

// Entry returns the registry entry of the sops provider. Relative paths are resolved against
// baseDir (the configuration file's directory).
func Entry(baseDir string) providers.Entry {
	return providers.Entry{
		Scheme:      Scheme,
		Summary:     "a value of a sops-encrypted YAML/JSON/dotenv/INI file: sops://PATH[#key]",
		Credentials: append([]string(nil), credentialVars...),
		Open:        func() (providers.Provider, error) { return New(baseDir), nil },
	}
}

// openFile opens a file for reading without blocking on a FIFO (which is then refused as not a
// regular file); tests replace it to count reads.
var openFile = func(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// quietOnce silences sops' loggers, which would otherwise write to secretrun's stderr.
var quietOnce sync.Once

// Option changes how New builds a Provider: hooks for tests and embedders.
type Option func(*Provider)

// WithLookup makes the provider read SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and the home directory
// through lookup instead of os.LookupEnv. Key services other than age read the process
// environment, as sops does.
func WithLookup(lookup func(string) (string, bool)) Option {
	return func(p *Provider) { p.lookup = lookup }
}

// Provider reads sops-encrypted files. It is safe for concurrent use.
type Provider struct {
	baseDir string
	lookup  func(string) (string, bool)

	idsOnce sync.Once
	ids     *identities
}

// New returns a sops provider that resolves relative paths against baseDir (the directory of
// the configuration file; "" means the current directory).
func New(baseDir string, opts ...Option) *Provider {
	quietOnce.Do(func() {
		for _, l := range logging.Loggers {
			l.SetOutput(io.Discard)
		}
	})
	p := &Provider{baseDir: baseDir, lookup: os.LookupEnv}
	for _, o := range opts {
		o(p)
	}
	return p
}

// identities returns the age identities, loaded on first use.
func (p *Provider) identities() *identities {
	p.idsOnce.Do(func() { p.ids = loadIdentities(p.lookup) })
	return p.ids
}

// Path returns the file a reference names: its path, joined to the base directory when relative.
func (p *Provider) Path(ref providers.Ref) string { return providers.LocalPath(p.baseDir, ref.Path) }

// Validate checks a reference without I/O: its one option is format=, the file's format must be
// known from it or from the file's extension, and the key must suit the format.
func (p *Provider) Validate(ref providers.Ref) error {
	if ref.Scheme != Scheme {
		return fmt.Errorf("%w: scheme %q is not %s", providers.ErrInvalidRef, ref.Scheme, Scheme)
	}
	if ref.Path == "" {
		return fmt.Errorf("%w: empty path", providers.ErrInvalidRef)
	}
	for name, values := range ref.Options() {
		if name != "format" {
			return providers.WithHint(fmt.Errorf("%w: unknown option %q", providers.ErrInvalidRef, name),
				"sops:// takes one option: ?format=yaml|json|dotenv|ini|binary, for a file whose name does not tell")
		}
		if len(values) != 1 {
			return fmt.Errorf("%w: option format given %d times", providers.ErrInvalidRef, len(values))
		}
	}
	f, err := formatOf(ref)
	if err != nil {
		return err
	}
	if ref.Key != "" {
		_, err := selector(f, ref.Key)
		return err
	}
	if f == Dotenv || f == INI {
		return providers.WithHint(fmt.Errorf("%w: a sops %s reference must name a value", providers.ErrInvalidRef, f),
			"add #NAME (dotenv) or #section/key (INI), e.g. sops://%s#%s", ref.Path, map[Format]string{Dotenv: "DATABASE_URL", INI: "database/password"}[f])
	}
	return nil
}

// Fetch reads and decrypts each distinct file of the batch once, at most 4 at a time, and
// returns the values the refs select, in order, with one *providers.RefError per failure. A
// secret's Version is a hash of the encrypted file and its Created is sops' lastmodified.
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	out := make([]providers.Secret, len(refs))
	var errs []error
	// Distinct files (a file and its format), in first-seen order.
	index := map[providers.Ref]int{}
	var srcs []providers.Ref
	valid := make([]bool, len(refs))
	for i, ref := range refs {
		if err := p.Validate(ref); err != nil {
			errs = append(errs, &providers.RefError{Ref: ref, Err: err})
			continue
		}
		valid[i] = true
		if _, ok := index[ref.Source()]; !ok {
			index[ref.Source()] = len(srcs)
			srcs = append(srcs, ref.Source())
		}
	}
	docs := make([]*document, len(srcs))
	derrs := make([]error, len(srcs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, src := range srcs {
		if ctx.Err() != nil {
			derrs[i] = unavailable(ctx)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				derrs[i] = unavailable(ctx)
				return
			}
			docs[i], derrs[i] = p.open(ctx, src)
		}()
	}
	wg.Wait()
	for i, ref := range refs {
		if !valid[i] {
			continue
		}
		j := index[ref.Source()]
		if derrs[j] != nil {
			errs = append(errs, &providers.RefError{Ref: ref, Err: derrs[j]})
			continue
		}
		v, err := docs[j].value(ref.Key)
		if err != nil {
			errs = append(errs, &providers.RefError{Ref: ref, Err: err})
			continue
		}
		out[i] = providers.NewSecret(v, docs[j].version)
		out[i].Created = docs[j].created
	}
	return out, errors.Join(errs...)
}

// Versions returns, for each ref, the hash of its encrypted file: what Fetch returns as the
// Version, read without any key.
func (p *Provider) Versions(ctx context.Context, refs []providers.Ref) ([]string, error) {
	out := make([]string, len(refs))
	var errs []error
	seen := map[string]string{}
	for i, ref := range refs {
		if err := p.Validate(ref); err != nil {
			errs = append(errs, &providers.RefError{Ref: ref, Err: err})
			continue
		}
		if ctx.Err() != nil {
			errs = append(errs, &providers.RefError{Ref: ref, Err: unavailable(ctx)})
			continue
		}
		path := p.Path(ref)
		v, ok := seen[path]
		if !ok {
			b, _, err := p.read(ref)
			if err != nil {
				errs = append(errs, &providers.RefError{Ref: ref, Err: err})
				continue
			}
			v = version(b)
			seen[path] = v
		}
		out[i] = v
	}
	return out, errors.Join(errs...)
}

// version is the Version of an encrypted file: a hash of its bytes, so that any change (a value,
// a key rotation, a re-encryption) gives a new version, and a file can be compared without a key.
func version(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

func unavailable(ctx context.Context) error {
	return fmt.Errorf("%w: %w", providers.ErrUnavailable, ctx.Err())
}

// open reads and decrypts one file, abandoning the wait (not the work) when ctx ends: sops'
// key services take no context of their own.
func (p *Provider) open(ctx context.Context, src providers.Ref) (*document, error) {
	b, path, err := p.read(src)
	if err != nil {
		return nil, err
	}
	f, _ := formatOf(src) // Validate passed
	type result struct {
		doc *document
		err error
	}
	done := make(chan result, 1)
	go func() {
		d, err := decrypt(ctx, b, f, path, p.identities, p.lookup)
		done <- result{d, err}
	}()
	select {
	case r := <-done:
		return r.doc, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: decrypting %s: %w", providers.ErrUnavailable, path, ctx.Err())
	}
}

// read returns the file's bytes and its resolved path.
func (p *Provider) read(ref providers.Ref) ([]byte, string, error) {
	path := p.Path(ref)
	f, err := openFile(path)
	if err != nil {
		return nil, path, providers.LocalFileError(err, p.baseDir, ref.Path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, path, providers.LocalFileError(err, p.baseDir, ref.Path)
	}
	switch {
	case st.IsDir():
		return nil, path, fmt.Errorf("%w: %s is a directory, not a sops file", providers.ErrInvalidRef, path)
	case !st.Mode().IsRegular():
		return nil, path, fmt.Errorf("%w: %s is not a regular file", providers.ErrInvalidRef, path)
	case st.Size() > MaxSize:
		return nil, path, fmt.Errorf("%w: %s is larger than %d MiB", providers.ErrInvalidRef, path, MaxSize>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, path, providers.LocalFileError(err, p.baseDir, ref.Path)
	}
	if len(b) > MaxSize {
		return nil, path, fmt.Errorf("%w: %s is larger than %d MiB", providers.ErrInvalidRef, path, MaxSize>>20)
	}
	return b, path, nil
}

// document is one decrypted file, held in memory only.
type document struct {
	format  Format
	path    string
	tree    treeBranches
	version string
	created time.Time
}

// value returns what key selects. Without a key: a binary file's content, or a YAML or JSON
// file's first document as compact JSON (Validate refuses dotenv and INI without a key).
func (d *document) value(key string) ([]byte, error) {
	if len(d.tree) == 0 {
		return nil, fmt.Errorf("%w: %q: %s holds no document", providers.ErrKeyNotFound, key, d.path)
	}
	if d.format == Binary {
		v, ok := field(d.tree[0], "data")
		s, isString := v.(string)
		if !ok || !isString {
			return nil, fmt.Errorf("%w: %s is not a sops binary file (no data)", providers.ErrKeyNotFound, d.path)
		}
		return []byte(s), nil
	}
	var path []string
	if key != "" {
		var err error
		if path, err = selector(d.format, key); err != nil {
			return nil, err
		}
	}
	return lookup(d.tree[0], key, path)
}
