// Package cmd is secretrun's command line: the cobra commands, their flags, and viper for the
// SECRETRUN_* environment variables (every flag has one: flagenv.go). It is the only package of
// secretrun that imports cobra or viper; the release tool internal/gendocs uses cobra/doc on
// [DocTree] to write the man pages and completion scripts.
//
// Commands are built by constructors that take their dependencies ([Deps]: I/O streams with their
// tty-ness, the environment, the working directory, the provider registry), so tests run them
// in-process with fakes. Every message secretrun itself prints goes through one voice (ui.go),
// prefixed "secretrun:", masked by the redactor once secrets are known; exit statuses are decided
// in one place (exit.go).
package cmd
