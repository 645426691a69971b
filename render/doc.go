// Package render writes a set of variables (names and values) in the formats secretrun prints
// and mounts: dotenv, shell, JSON, YAML, GitHub Actions' NAME<<DELIMITER file-command blocks,
// and Go text/template with a `secret "NAME"` function. `secretrun env` prints through it, and
// whole-profile files (`files:` in a profile) are rendered by it.
//
// It knows nothing of profiles, providers or the command line, and must not import cmd, config,
// inject or providers. Its errors name variables, never values.
package render
