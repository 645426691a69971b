// Package validate checks fetched secret values against the rules of a secret's `validate:`
// block (docs/validation.md): lengths, a pattern, a list of allowed values, a format (URL, DSN,
// JSON, base64, PEM keys and certificates...), TLS in connection strings, and the placeholder
// values (`changeme`, `<your-key-here>`) that must never reach a program.
//
// Its one promise is that no message it produces contains the value or any part of it: a
// Failure names the variable, the rule and what was expected, nothing else. The parsers of the
// standard library it relies on (net/url, encoding/json, encoding/base64, crypto/x509) quote
// their input in their errors, so their errors are never wrapped or shown: each is mapped to a
// fixed text of this package.
//
// The package uses the standard library only, and does no I/O: the caller reads the
// `.env.example` file and passes its values in (Checker.Examples).
package validate
