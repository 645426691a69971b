//go:build linux

package inject

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// memfdUsable checks that a memory file can be created and reached by path through
// /proc/self/fd (which needs /proc to be mounted), as the child will.
func memfdUsable() error {
	f, err := newMemfd("probe", "")
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := os.Stat("/proc/self/fd/" + strconv.Itoa(int(f.Fd()))); err != nil {
		return fmt.Errorf("/proc/self/fd is not usable (is /proc mounted?): %w", describeFSError(err))
	}
	return nil
}

// newMemfd returns an anonymous memory file holding value, mode 0600 (ssh, libpq and others
// refuse a key file that others may read), sealed so that nobody can change it. It is
// close-on-exec: only exec.Cmd.ExtraFiles passes it on.
func newMemfd(name, value string) (*os.File, error) {
	fd, err := unix.MemfdCreate("secretrun:"+name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:secretrun:"+name)
	if err := unix.Fchmod(fd, 0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("fchmod: %w", err)
	}
	if _, err := f.WriteString(value); err != nil {
		f.Close()
		return nil, err
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("sealing: %w", err)
	}
	return f, nil
}

// memoryBacked reports, as an error saying why not, whether dir is on a memory-backed
// filesystem (tmpfs or ramfs).
func memoryBacked(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return errors.New("does not exist")
		}
		return err
	}
	switch uint32(st.Type) {
	case unix.TMPFS_MAGIC, unix.RAMFS_MAGIC:
		return nil
	}
	return fmt.Errorf("not a memory-backed filesystem (type 0x%x)", st.Type)
}
