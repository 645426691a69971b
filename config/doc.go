// Package config owns secretrun's configuration file: the typed schema, finding the file
// (Find), reading and validating it (Load, Parse), resolving a profile's `extends` chain
// ((*Config).Profile) and the inherit/deny matching the environment builder uses
// (Inherit.Allows, MatchAny, PristineKeep).
//
// Validation is strict: unknown fields are errors, every problem of a file is reported at once,
// and each is an *Error naming the file, the line and the field. The names of environment
// variables keep their case.
//
// The `providers:` section is decoded generically: each store's part is a Section that the
// store's own package decodes into its settings type, and a Schema (providers/all builds the
// built-in stores' one) lets Parse check them all with the rest of the file.
//
// References are kept as strings here; package providers parses them. This package must not
// import viper, cobra or providers (package validate, standard library only, supplies the type
// of `validate:` rules), and it does no network I/O: it reads one file, and looks
// for files in Find.
//
// The user-facing description of the format is docs/config.md.
package config
