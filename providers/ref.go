package providers

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
)

// Ref is a parsed reference of the form scheme://path[?options][#key].
//
// A Ref is comparable, so it can be used as a map key to deduplicate fetches; it never carries
// credentials, and its String form is safe to log. ParseRef checks the grammar only: each provider
// validates the syntax of its own paths and options.
type Ref struct {
	// Scheme selects the provider, e.g. "vault" or "dotenv". Always lower case.
	Scheme string
	// Path is everything between "://" and the first "?" or "#", taken literally.
	Path string
	// Query is the options in canonical form (sorted keys, encoded as by url.Values.Encode),
	// or "" when there are none.
	Query string
	// Key selects part of the value: a top-level field name, or a JSON Pointer when it starts
	// with "/". Empty means the whole value.
	Key string
}

// ParseRef parses s as a reference. It does no I/O. Its errors match ErrInvalidRef (errors.Is).
//
// The error never quotes s (only, for an upper-case scheme, the scheme): a value put where a
// reference belongs may be a secret, and one with a scheme of its own
// ("postgres://user:password@host/db") passes the scheme check. Callers name the reference.
func ParseRef(s string) (Ref, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Ref{}, &syntaxError{"not a reference: want scheme://path[?options][#key]"}
	}
	if !validScheme(scheme) {
		if lower := strings.ToLower(scheme); validScheme(lower) {
			return Ref{}, &syntaxError{fmt.Sprintf("reference scheme %q must be lower case (%s://...)", scheme, lower)}
		}
		return Ref{}, &syntaxError{"not a reference: the scheme before :// must be lower-case letters, digits, '+', '-' or '.'"}
	}
	if strings.ContainsFunc(rest, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return Ref{}, &syntaxError{"reference contains a control character (a newline or tab?)"}
	}
	var r Ref
	r.Scheme = scheme
	rest, key, hasKey := strings.Cut(rest, "#")
	if hasKey && key == "" {
		return Ref{}, &syntaxError{"reference has an empty key after '#'"}
	}
	r.Key = key
	rest, query, hasQuery := strings.Cut(rest, "?")
	r.Path = rest
	if r.Path == "" {
		return Ref{}, &syntaxError{fmt.Sprintf("reference has an empty path after %s://", scheme)}
	}
	if hasQuery {
		values, err := url.ParseQuery(query)
		if err != nil {
			return Ref{}, &syntaxError{fmt.Sprintf("reference has bad options: %v", err)}
		}
		r.Query = values.Encode()
	}
	return r, nil
}

// syntaxError is a grammar error from ParseRef. It matches ErrInvalidRef without repeating its
// text, so callers can wrap it as they like.
type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return e.msg }

// Is reports whether target is ErrInvalidRef.
func (e *syntaxError) Is(target error) bool { return target == ErrInvalidRef }

// IsRef reports whether s looks like a reference (scheme://...) with a scheme in schemes.
// It is used to decide whether an inherited variable's value should be resolved.
func IsRef(s string, schemes ...string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	for _, want := range schemes {
		if scheme == want {
			return true
		}
	}
	return false
}

func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Options returns the parsed query options.
func (r Ref) Options() url.Values {
	v, _ := url.ParseQuery(r.Query) // Query is canonical: ParseRef already validated it
	return v
}

// Option returns the value of one query option, or "" when it is absent.
func (r Ref) Option(name string) string { return r.Options().Get(name) }

// Source returns r without its key: the unit a provider reads once, however many keys are taken
// from it.
func (r Ref) Source() Ref {
	r.Key = ""
	return r
}

// String returns the reference in canonical form. It contains no secret material.
func (r Ref) String() string {
	var b strings.Builder
	b.WriteString(r.Scheme)
	b.WriteString("://")
	b.WriteString(r.Path)
	if r.Query != "" {
		b.WriteByte('?')
		b.WriteString(r.Query)
	}
	if r.Key != "" {
		b.WriteByte('#')
		b.WriteString(r.Key)
	}
	return b.String()
}

// Userinfo returns the part of r's path that sits where a URL keeps user information: the text
// before the last '@' of the path's first segment ("u:pw" in vault://u:pw@host/secret/x), or ""
// false when that segment has no '@'. A reference never holds credentials, but they may be
// pasted there: displays hide this part (see inject.DisplayRef).
func (r Ref) Userinfo() (string, bool) {
	first, _, _ := strings.Cut(r.Path, "/")
	if i := strings.LastIndexByte(first, '@'); i >= 0 {
		return first[:i], true
	}
	return "", false
}

// LocalPath resolves the path of a local reference (dotenv://, file://): an absolute path as is,
// a relative one against baseDir (the configuration file's directory; "" means the working
// directory).
func LocalPath(baseDir, path string) string {
	if filepath.IsAbs(path) || baseDir == "" {
		return filepath.Clean(path)
	}
	return filepath.Join(baseDir, path)
}

// LocalFileError maps an error opening or reading the file of a local reference to ErrNotFound
// (with a hint naming baseDir when path is relative), ErrDenied or ErrUnavailable. path is the
// reference's path as written; the text names the file as LocalPath resolves it, never content.
func LocalFileError(err error, baseDir, path string) error {
	full := LocalPath(baseDir, path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e := fmt.Errorf("%w: no file %s", ErrNotFound, full)
		if !filepath.IsAbs(path) && baseDir != "" {
			return WithHint(e, "a relative path is resolved against the directory of the config file (%s)", baseDir)
		}
		return e
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: cannot read %s: permission denied", ErrDenied, full)
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%w: cannot read %s: %v", ErrUnavailable, full, err)
	}
}
