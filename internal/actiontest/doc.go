// Package actiontest tests the repository's GitHub Action (action.yml and its install script,
// .github/action/install.sh) by running the script locally against a fake release directory.
// It has no code of its own.
package actiontest
