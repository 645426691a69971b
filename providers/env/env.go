// Package env reads secrets from secretrun's own environment: env://NAME is the value of variable
// NAME, and env://NAME#key a field of its JSON or YAML value. It is for CI systems that already
// inject secrets as variables and want them under another name, masked, or taken apart.
//
// The package uses the standard library and package providers only; it must not import cobra,
// viper or another provider. It never reads the process environment itself: [New] takes the
// lookup function, so tests are hermetic.
package env

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/secretrun/secretrun/providers"
)

// Scheme is the reference scheme this package serves.
const Scheme = "env"

// Provider reads variables through a lookup function. It is safe for concurrent use when the
// lookup function is.
type Provider struct {
	lookup func(string) (string, bool)
}

// New returns an env provider that reads variables with lookup (os.LookupEnv in secretrun; a map
// in tests). A nil lookup means os.LookupEnv.
func New(lookup func(string) (string, bool)) *Provider {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return &Provider{lookup: lookup}
}

// Validate checks a reference without I/O: NAME must be a variable name (no '=', '/', NUL or
// white space), and the only option is allow_empty=true|false.
func (p *Provider) Validate(ref providers.Ref) error {
	if ref.Scheme != Scheme {
		return fmt.Errorf("%w: scheme %q is not %s", providers.ErrInvalidRef, ref.Scheme, Scheme)
	}
	if ref.Path == "" || strings.ContainsAny(ref.Path, "=/\x00 \t\r\n") {
		return fmt.Errorf("%w: %q is not an environment variable name", providers.ErrInvalidRef, ref.Path)
	}
	for name, values := range ref.Options() {
		if name != "allow_empty" {
			return providers.WithHint(fmt.Errorf("%w: unknown option %q", providers.ErrInvalidRef, name),
				"env:// takes one option: ?allow_empty=true accepts a variable that is set but empty")
		}
		if len(values) != 1 {
			return fmt.Errorf("%w: option allow_empty given %d times", providers.ErrInvalidRef, len(values))
		}
		if _, err := strconv.ParseBool(values[0]); err != nil {
			return fmt.Errorf("%w: option allow_empty must be true or false", providers.ErrInvalidRef)
		}
	}
	return nil
}

func allowEmpty(ref providers.Ref) bool {
	b, _ := strconv.ParseBool(ref.Option("allow_empty"))
	return b
}

// Fetch returns the variables the refs name, in order, with one *providers.RefError per failure.
// A variable that is unset, or set but empty (unless ?allow_empty=true), wraps
// providers.ErrNotFound.
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	return providers.FetchValid(ctx, refs, p.Validate, 1, func(ctx context.Context, src providers.Ref) ([]byte, string, error) {
		v, ok := p.lookup(src.Path)
		if !ok {
			return nil, "", providers.WithHint(fmt.Errorf("%w: %s is not set", providers.ErrNotFound, src.Path),
				"env:// reads secretrun's own environment: export %s before running secretrun", src.Path)
		}
		if v == "" && !allowEmpty(src) {
			return nil, "", providers.WithHint(fmt.Errorf("%w: %s is set but empty", providers.ErrNotFound, src.Path),
				"CI systems give an empty value for a secret they withhold (e.g. in pull requests from forks); add ?allow_empty=true if empty is a valid value")
		}
		return []byte(v), "", nil
	}, nil)
}
