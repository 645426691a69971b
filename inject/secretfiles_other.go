//go:build !linux

package inject

import (
	"errors"
	"os"
)

var errNoMemfd = errors.New("not available on this system")

func memfdUsable() error { return errNoMemfd }

func newMemfd(string, string, bool) (file, forChild *os.File, err error) {
	return nil, nil, errNoMemfd
}

func rewriteMemfd(*os.File, string) error { return errNoMemfd }

// memoryBacked cannot tell a memory-backed filesystem outside Linux: the directory modes then
// need the user's explicit choice (--secret-files-dir).
func memoryBacked(string) error {
	return errors.New("cannot tell whether it is memory-backed on this system")
}

// hasRoom cannot tell outside Linux: writing the file then says.
func hasRoom(string) error { return nil }
