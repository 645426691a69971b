//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package cmd

import "os"

// isRaw reports whether f is a terminal in raw mode; never on systems without termios.
func isRaw(*os.File) bool { return false }
