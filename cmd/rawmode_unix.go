//go:build linux || darwin || freebsd || netbsd || openbsd

package cmd

import (
	"os"

	"golang.org/x/sys/unix"
)

// isRaw reports whether f is a terminal with output processing off (raw mode), where "\n" does
// not return the cursor to the start of the line.
func isRaw(f *os.File) bool {
	t, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	return err == nil && t.Oflag&unix.OPOST == 0
}
