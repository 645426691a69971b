// Package actiontest tests the repository's integration files that are not Go: the GitHub
// Action (action.yml and its install script, .github/action/install.sh, run locally against a
// fake release directory) and the pre-commit hooks (.pre-commit-hooks.yaml). It has no code of
// its own.
package actiontest
