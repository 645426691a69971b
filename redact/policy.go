package redact

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Secret is one value to mask. Name is the variable name; it is not secret
// and is used in Skipped reports and in name-bearing mask tokens.
type Secret struct {
	Name   string
	Value  string
	NoMask bool // "mask: false" in the profile: never masked, reported in Skipped
}

// Format prints s with its value replaced by DefaultToken, whatever the
// verb, so that a Secret logged by mistake does not reveal the value.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.masked()) }

// MarshalText returns what Format prints (encoding/xml, slog's text handler).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.masked()), nil }

// MarshalJSON encodes s with its value replaced by DefaultToken (encoding/json,
// slog's JSON handler).
func (s Secret) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name   string
		Value  string
		NoMask bool
	}{s.Name, DefaultToken, s.NoMask})
}

// masked is s as every printed or encoded form shows it.
func (s Secret) masked() string {
	return fmt.Sprintf("{Name:%s Value:%s NoMask:%t}", s.Name, DefaultToken, s.NoMask)
}

// Options configures needle derivation, the weak-value policy and the mask
// token. The zero value is the default configuration.
type Options struct {
	// MinLength is the minimum length in bytes of a value (after trimming
	// whitespace) and of every needle derived from it. 0 means
	// DefaultMinLength; values below HardMinLength are raised to it.
	MinLength int
	// Token replaces each masked region; "" means DefaultToken.
	Token string
	// NameTokens masks a region as "[NAME]" instead of Token. When a region
	// covers several occurrences, the name is that of the occurrence that
	// starts first in the region; among occurrences starting at the same
	// byte, the shortest one (the first one completed). A needle shared by
	// several secrets belongs to the first of them in the list given to
	// Compile.
	NameTokens bool
	// Hex, Base32 and UTF16 turn on the opt-in encodings: lower- and
	// upper-case hex, standard base32 (every alignment, no padding), and
	// UTF-16 LE and BE.
	Hex, Base32, UTF16 bool
}

// Defaults and limits of the weak-value policy.
const (
	DefaultMinLength = 8     // Options.MinLength when it is 0
	HardMinLength    = 4     // the lowest Options.MinLength honoured
	DefaultToken     = "***" // Options.Token when it is ""
	// EOFMaskLength is the shortest held tail that Close masks: at end of
	// stream a held tail this long or longer that is a prefix of a needle
	// is replaced by a token instead of being written out.
	EOFMaskLength = 8
)

// Skip reasons reported in Skipped.Reason.
const (
	ReasonNoMask  = "mask: false"
	ReasonEmpty   = "empty value"
	ReasonTrivial = "trivial value"
)

// Skipped names a value that will not be masked and why. It never carries
// the value itself.
type Skipped struct {
	Name   string
	Reason string // ReasonNoMask, ReasonEmpty, ReasonTrivial or "shorter than N bytes"
}

// trivialValues are never masked, even when long enough: masking them would
// wreck ordinary output and hide nothing. Compared case-insensitively after
// trimming whitespace.
var trivialValues = map[string]bool{
	"0": true, "1": true, "-1": true, "true": true, "false": true, "yes": true, "no": true,
	"y": true, "n": true, "on": true, "off": true, "null": true, "nil": true, "none": true,
	"undefined": true, "empty": true, "localhost": true, "127.0.0.1": true, "0.0.0.0": true,
	"::1": true, "enabled": true, "disabled": true, "enable": true, "disable": true,
	"default": true, "test": true, "testing": true, "example": true, "development": true,
	"production": true, "staging": true, "debug": true, "info": true, "warning": true,
	"error": true, "https://": true, "http://": true, "password": true, "secret": true,
	"changeme": true, "admin": true, "root": true, "user": true, "guest": true,
}

// minLength returns the effective minimum length of opt.
func (opt Options) minLength() int {
	switch {
	case opt.MinLength == 0:
		return DefaultMinLength
	case opt.MinLength < HardMinLength:
		return HardMinLength
	}
	return opt.MinLength
}

// token returns the effective mask token of opt.
func (opt Options) token() string {
	if opt.Token == "" {
		return DefaultToken
	}
	return opt.Token
}

// isTrivial reports whether v (already trimmed) is on the trivial list.
func isTrivial(v string) bool {
	return trivialValues[strings.ToLower(v)]
}

// classify applies the weak-value policy to s. It returns the trimmed value
// to mask and "", or "" and the reason it is skipped.
func classify(s Secret, minLen int) (value, reason string) {
	if s.NoMask {
		return "", ReasonNoMask
	}
	v := strings.TrimSpace(s.Value)
	if v == "" {
		return "", ReasonEmpty
	}
	if isTrivial(v) {
		return "", ReasonTrivial
	}
	if len(v) < minLen {
		return "", "shorter than " + strconv.Itoa(minLen) + " bytes"
	}
	return v, ""
}
