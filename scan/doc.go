// Package scan finds secret values in files, in a git index and in git history: where a
// profile's resolved secrets, in every form the redactor masks, were committed or written down.
// It reports the place (path, line, column, commit) and the variable's name, never the value,
// as text or SARIF 2.1.0 for code scanning.
//
// It uses the redact package's matchers (one per secret, so that each finding names its
// variable) and runs git for history and the index. It must not import cmd, config, inject or
// providers.
package scan
