package providers

import (
	"fmt"
	"log/slog"
	"time"
)

// masked is what a Secret prints as, under every fmt verb, JSON, text and slog.
const masked = "***"

// Secret is a resolved value. It cannot be printed by accident: fmt, encoding/json,
// encoding (text) and log/slog all show "***". The one way to the value is [Secret.Reveal].
//
// The value may hold any bytes, including NUL bytes and invalid UTF-8: whether that is acceptable
// depends on where it goes (an environment variable cannot hold NUL; a file can).
type Secret struct {
	// value is behind a pointer so that a Secret held in an unexported struct field, which fmt
	// prints by reflection without calling Format, shows an address rather than the value.
	value *string
	// Version is the version the store resolved (e.g. a KV v2 version number, an AWS VersionId,
	// a GCP version name), or "" when the store has none. It is not secret.
	Version string
	// Created is when the store created the resolved version (Vault KV v2 created_time, AWS
	// CreatedDate, Azure attributes.created, a file's modification time), or the zero time when
	// the store keeps none or did not return it. It is not secret; `secretrun check` reports the
	// secret's age from it.
	Created time.Time
	// Leased marks a value that the store creates anew on each read and grants for a time (a
	// Vault dynamic secret with a lease): a watcher never polls it, since every read would
	// create another credential, and replaces it before it expires (Expirer).
	Leased bool
}

// NewSecret returns a Secret holding value, with the resolved version (may be "").
func NewSecret(value []byte, version string) Secret {
	v := string(value)
	return Secret{value: &v, Version: version}
}

// Reveal returns the secret value. Callers must never log, print or wrap it into an error.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// Len returns the length of the value in bytes.
func (s Secret) Len() int { return len(s.Reveal()) }

// String implements fmt.Stringer and always returns a mask.
func (s Secret) String() string { return masked }

// GoString implements fmt.GoStringer and always returns a mask.
func (s Secret) GoString() string { return masked }

// Format implements fmt.Formatter so that every verb, %x and %q included, prints a mask.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(masked)) }

// MarshalJSON implements json.Marshaler and always returns a mask.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + masked + `"`), nil }

// MarshalText implements encoding.TextMarshaler and always returns a mask.
func (s Secret) MarshalText() ([]byte, error) { return []byte(masked), nil }

// LogValue implements slog.LogValuer and always returns a mask.
func (s Secret) LogValue() slog.Value { return slog.StringValue(masked) }
