package validate

import (
	"regexp"
	"time"
)

// The values of `format`.
const (
	FormatURL      = "url"
	FormatDSN      = "dsn"
	FormatJSON     = "json"
	FormatBase64   = "base64"
	FormatHex      = "hex"
	FormatUUID     = "uuid"
	FormatJWT      = "jwt"
	FormatInt      = "int"
	FormatPort     = "port"
	FormatEmail    = "email"
	FormatHostname = "hostname"
	FormatPEM      = "pem"
)

// Formats lists the values `format` accepts.
var Formats = []string{FormatURL, FormatDSN, FormatJSON, FormatBase64, FormatHex, FormatUUID, FormatJWT,
	FormatInt, FormatPort, FormatEmail, FormatHostname, FormatPEM}

// The values of `pem_type`.
const (
	PEMPrivateKey  = "private_key"
	PEMCertificate = "certificate"
	PEMPublicKey   = "public_key"
)

// PEMTypes lists the values `pem_type` accepts.
var PEMTypes = []string{PEMPrivateKey, PEMCertificate, PEMPublicKey}

// The values of `key_types`.
const (
	KeyRSA     = "rsa"
	KeyECDSA   = "ecdsa"
	KeyEd25519 = "ed25519"
)

// KeyTypes lists the values `key_types` accepts.
var KeyTypes = []string{KeyRSA, KeyECDSA, KeyEd25519}

// Curves lists the values `curves` accepts: the NIST curves crypto/ecdsa supports.
var Curves = []string{"P-256", "P-384", "P-521"}

// Defaults.
const (
	// DefaultMinRSABits is the smallest RSA key accepted when `pem_type` is private_key and
	// `min_rsa_bits` is not set.
	DefaultMinRSABits = 2048
	// DefaultExpiryWarning is how long before a certificate expires secretrun starts warning,
	// when `expiry_warning` is not set.
	DefaultExpiryWarning = 30 * 24 * time.Hour
)

// Rules is a secret's `validate:` block, decoded and checked by package config. The zero value
// (and a nil *Rules) checks only for placeholders. Rules are read-only once built: one value
// may be shared by profiles and goroutines.
type Rules struct {
	// MinLength and MaxLength bound the value's length in characters (Unicode code points;
	// bytes for a value that is not UTF-8); 0 means no bound.
	MinLength, MaxLength int
	// Pattern, when set, must match the value (`pattern`: RE2 syntax, anchored only as written).
	Pattern *regexp.Regexp
	// OneOf, when not empty, lists the only values allowed (`one_of`).
	OneOf []string
	// Format is one of Formats, or "" (`format`).
	Format string
	// PEMType is one of PEMTypes, or "" (`pem_type`; it implies Format pem).
	PEMType string
	// RequireTLS asks a URL or DSN to use TLS (`require_tls`; it implies Format dsn when Format
	// is not url).
	RequireTLS bool
	// MinRSABits is the smallest RSA key accepted, in a key or a certificate (`min_rsa_bits`);
	// 0 means DefaultMinRSABits for private keys and no minimum otherwise.
	MinRSABits int
	// KeyTypes, when not empty, lists the key types accepted (`key_types`: rsa, ecdsa, ed25519).
	KeyTypes []string
	// Curves, when not empty, lists the EC curves accepted (`curves`: P-256, P-384, P-521).
	Curves []string
	// ExpiryWarning is how long before a certificate's expiry a warning is printed
	// (`expiry_warning`); 0 means DefaultExpiryWarning, a negative value turns warnings off.
	ExpiryWarning time.Duration
	// RequiredKeys lists the fields a JSON object value must have (`required_keys`): a name for
	// a top-level field, or a JSON Pointer such as /db/password for a nested one.
	RequiredKeys []string
	// AllowPlaceholder turns off the placeholder check (`allow_placeholder`).
	AllowPlaceholder bool
}

// minRSABits is the effective RSA minimum.
func (r *Rules) minRSABits() int {
	if r.MinRSABits > 0 {
		return r.MinRSABits
	}
	if r.PEMType == PEMPrivateKey {
		return DefaultMinRSABits
	}
	return 0
}

// expiryWarning is the effective warning window (0 when off).
func (r *Rules) expiryWarning() time.Duration {
	switch {
	case r.ExpiryWarning < 0:
		return 0
	case r.ExpiryWarning == 0:
		return DefaultExpiryWarning
	}
	return r.ExpiryWarning
}

// format is the effective format: pem_type implies pem, require_tls implies dsn (which accepts
// URLs), required_keys implies json.
func (r *Rules) format() string {
	switch {
	case r.Format != "":
		return r.Format
	case r.PEMType != "":
		return FormatPEM
	case r.RequireTLS:
		return FormatDSN
	case len(r.RequiredKeys) > 0:
		return FormatJSON
	}
	return ""
}
