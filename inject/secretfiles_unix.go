//go:build unix

package inject

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockDir opens dir and takes an exclusive flock on it: waiting for it with wait, or failing
// at once when another process holds it. The lock lasts until the returned file is closed or
// its process dies, whatever the way (the descriptor is close-on-exec, so the child does not
// hold it).
func lockDir(dir string, wait bool) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, describeFSError(err)
	}
	how := unix.LOCK_EX
	if !wait {
		how |= unix.LOCK_NB
	}
	if err := unix.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock: %w", err)
	}
	return f, nil
}

// ownedByMe reports whether dir is a real directory (not a symbolic link) owned by this user.
func ownedByMe(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
