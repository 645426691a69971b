package config

import (
	"time"

	"github.com/secretrun/secretrun/validate"
)

// Version is the only configuration format version this build understands. A file without a
// `version:` key is read as version 1.
const Version = 1

// Defaults for settings the file leaves out.
const (
	// DefaultMinLength is the default `redact.min_length`: shorter secret values are not masked.
	DefaultMinLength = 8
	// MinMinLength is the hard floor for `redact.min_length`.
	MinMinLength = 4
	// DefaultToken is the default `redact.token` that replaces each masked region.
	DefaultToken = "***"
	// DefaultGrace is the delay between the stop signal and SIGKILL when a profile sets no `grace`.
	DefaultGrace = 10 * time.Second
)

// Encodings that `redact.encodings` may turn on (the opt-in encoded forms of each secret).
const (
	EncodingHex    = "hex"
	EncodingBase32 = "base32"
	EncodingUTF16  = "utf16"
)

// KnownEncodings lists the values accepted in `redact.encodings`.
var KnownEncodings = []string{EncodingHex, EncodingBase32, EncodingUTF16}

// AsFile is the SecretSpec.As value that delivers a secret as the path of a private file instead
// of as the variable's value.
const AsFile = "file"

// PristineKeep is the keep-list of inherited variables under `--pristine` and `inherit: none`.
// Entries are path.Match patterns.
var PristineKeep = []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "LC_*", "TZ", "TMPDIR"}

// Config is a parsed, validated configuration file.
type Config struct {
	// Version is the format version; always Version after a successful Parse.
	Version int
	// DefaultProfile is the profile used when none is named (`default_profile`).
	DefaultProfile string
	// Providers holds each store's section of `providers:` as written, for the store's own
	// package to decode into its settings type (see Section and Schema).
	Providers Providers
	// Redact holds the masking settings (`redact`), with defaults filled in.
	Redact Redact
	// Audit says where the audit trail goes (`audit`, docs/audit.md); the zero value: nowhere.
	Audit Audit
	// Profiles maps each profile name to its profile as written, before `extends` is applied.
	// Use (*Config).Profile to get a resolved profile.
	Profiles map[string]*Profile
	// Path is the file the configuration came from (the name given to Parse or Load).
	Path string
	// CIMasks is `ci_masks`: whether secret values are registered with the CI system's own log
	// masking (GitHub ::add-mask::, Azure task.setsecret, Buildkite redactor). nil means not set
	// (the default is true); a profile's own `ci_masks` wins. See CIMasksFor.
	CIMasks *bool
}

// CIMasksFor reports whether secret values are registered with the CI system for profile p:
// p's `ci_masks` when it sets one, else the top-level `ci_masks`, else true. Both may be nil.
func (c *Config) CIMasksFor(p *Profile) bool {
	switch {
	case p != nil && p.CIMasks != nil:
		return *p.CIMasks
	case c != nil && c.CIMasks != nil:
		return *c.CIMasks
	}
	return true
}

// Redact is the `redact` section: how the child's output is masked. See REDACTION.md.
type Redact struct {
	// MinLength is the shortest value that is masked (`min_length`, default 8, at least 4).
	MinLength int
	// Token replaces each masked region (`token`, default "***").
	Token string
	// NameTokens replaces each masked region by the variable's name in brackets, such as
	// "[DATABASE_URL]", instead of Token (`name_tokens`).
	NameTokens bool
	// Strict turns off the idle release of held bytes (`strict`).
	Strict bool
	// Encodings turns on the opt-in encoded forms: EncodingHex, EncodingBase32, EncodingUTF16
	// (`encodings`), without duplicates, in file order.
	Encodings []string
}

// Profile is a named set of variables and environment rules (`profiles.NAME`).
type Profile struct {
	// Name is the profile's name.
	Name string
	// Extends lists the profiles this one is built on (`extends`: a name or a list of names).
	Extends []string
	// Env holds the plain, non-secret variables (`env`), in file order. Values are literals.
	Env []EnvVar
	// Secrets holds the variables whose values are fetched (`secrets`), in file order.
	Secrets []SecretSpec
	// Inherit says which variables of secretrun's environment the child inherits (`inherit`).
	Inherit Inherit
	// Deny lists path.Match patterns of inherited variables to remove (`deny`).
	Deny []string
	// Clobber says whether a secret replaces an inherited variable of the same name (`clobber`);
	// nil means not set (the default is true).
	Clobber *bool
	// Grace is the delay between the stop signal and SIGKILL (`grace`); 0 means not set, and
	// DefaultGrace applies. See GraceOrDefault.
	Grace time.Duration
	// Files holds the whole-profile files (`files`), in file order.
	Files []FileSpec
	// CIMasks is the profile's `ci_masks`; nil means not set (see Config.CIMasksFor).
	CIMasks *bool
	// Protected marks a production profile (`protected: true`): it is never chosen implicitly
	// (default_profile, the only profile, extends from an unprotected profile) and its secrets
	// are fetched only once the user confirms its name. Not inherited through extends.
	Protected bool
	// AllowSources lists the reference schemes the profile's secrets may use (`allow_sources`),
	// such as [vault awssm]; nil means any. Comes from the last extends layer that sets it.
	AllowSources []string
	// Fallback is the profile's `fallback` (docs/fallback.md); nil means none. Comes from the
	// last extends layer that sets it.
	Fallback *Fallback
	// Watch is the profile's `watch` block (docs/watch.md); nil means none. Each of its fields
	// comes from the last extends layer that sets it; Watch.On says whether watching is on.
	Watch *Watch
	// Imports holds the profile's `import:` entries (whole-path imports), parents' first
	// (an entry importing the same `from` as a parent's replaces it).
	Imports []Import
	// Line is the line of the profile's name in the file (0 for a profile not from a file).
	Line int
}

// EnvVar is one entry of a profile's `env`.
type EnvVar struct {
	// Name is the variable's name, with its case as written.
	Name string
	// Value is the literal value, exactly as written in the file (`8080`, `true` and `0x10` stay
	// as written).
	Value string
	// Line is the entry's line in the file.
	Line int
}

// SecretSpec is one entry of a profile's `secrets`, written either as `NAME: ref` (short form)
// or as `NAME: {ref: ..., optional: ..., as: ..., mask: ..., validate: {...}, owner: ...,
// rotate_every: ...}` (long form).
type SecretSpec struct {
	// Name is the variable's name, with its case as written.
	Name string
	// Ref is the reference, such as "vault://secret/app#db"; not yet parsed.
	Ref string
	// Optional means a missing secret leaves the variable unset instead of failing the run.
	Optional bool
	// As is "" (the value goes in the variable), AsFile (the variable holds a file's path) or
	// AsNone (not in the environment; for whole-profile files). "env" in the file means "".
	As string
	// Mask is nil or true when the value is masked in output; false marks non-sensitive values.
	Mask *bool
	// Validate holds the rules of the `validate:` block, or nil when there is none (the value is
	// then only checked for placeholders). See docs/validation.md.
	Validate *validate.Rules
	// Owner is who rotates the secret (a team or an email), free text; "" when not set.
	Owner string
	// RotateEvery is the documented rotation policy: the current version should be younger;
	// zero when not set. `secretrun check` compares it with the version's age (docs/rotation.md).
	RotateEvery time.Duration
	// Line is the entry's line in the file.
	Line int
}

// Masked reports whether the secret's value is masked in the child's output.
func (s SecretSpec) Masked() bool { return s.Mask == nil || *s.Mask }

// InheritMode is the kind of an `inherit` setting.
type InheritMode int

// The `inherit` settings.
const (
	// InheritUnset means the profile does not say; it behaves as InheritAll.
	InheritUnset InheritMode = iota
	// InheritAll (`inherit: all`) inherits every variable (minus deny and secretrun's own).
	InheritAll
	// InheritNone (`inherit: none`) inherits only PristineKeep, like --pristine.
	InheritNone
	// InheritList (`inherit: [PATH, "LC_*"]`) inherits only the variables matching Patterns.
	InheritList
)

// Inherit is a profile's `inherit` setting.
type Inherit struct {
	// Mode is the kind of setting.
	Mode InheritMode
	// Patterns holds the names and path.Match patterns of an InheritList.
	Patterns []string
}

// IsSet reports whether the profile set `inherit` at all.
func (in Inherit) IsSet() bool { return in.Mode != InheritUnset }

// GraceOrDefault returns the profile's grace period, or DefaultGrace when it sets none.
func (p *Profile) GraceOrDefault() time.Duration {
	if p == nil || p.Grace <= 0 {
		return DefaultGrace
	}
	return p.Grace
}

// ClobberOrDefault returns the profile's clobber setting, or true when it sets none.
func (p *Profile) ClobberOrDefault() bool {
	if p == nil || p.Clobber == nil {
		return true
	}
	return *p.Clobber
}

// Default returns the configuration used when no file is found: version 1, no profiles, no
// provider settings, default redaction settings.
func Default() *Config {
	return &Config{
		Version:  Version,
		Redact:   Redact{MinLength: DefaultMinLength, Token: DefaultToken},
		Profiles: map[string]*Profile{},
	}
}
