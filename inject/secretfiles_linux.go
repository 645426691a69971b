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
	f, _, err := newMemfd("probe", "", false)
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
//
// With rewritable (FilesOptions.Rewritable), secretrun must be able to change it later
// (rewriteMemfd): it is sealed against new seals only, its mode is 0400, and forChild is a
// read-only descriptor of it for the child, which can then neither write through its
// descriptor nor reopen /proc/self/fd/N for writing.
func newMemfd(name, value string, rewritable bool) (file, forChild *os.File, err error) {
	fd, err := unix.MemfdCreate("secretrun:"+name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:secretrun:"+name)
	mode, seals := uint32(0o600), unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE
	if rewritable {
		mode, seals = 0o400, unix.F_SEAL_SEAL
	}
	if err := unix.Fchmod(fd, mode); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("fchmod: %w", err)
	}
	if _, err := f.WriteString(value); err != nil {
		f.Close()
		return nil, nil, err
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("sealing: %w", err)
	}
	if rewritable {
		ro, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(fd), os.O_RDONLY, 0)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("read-only descriptor: %w", describeFSError(err))
		}
		return f, ro, nil
	}
	return f, nil, nil
}

// rewriteMemfd replaces the content of a rewritable memory file in place: the new bytes over
// the old from offset 0, then the size cut to the new length.
func rewriteMemfd(f *os.File, value string) error {
	if _, err := f.WriteAt([]byte(value), 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(value)))
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

// hasRoom reports, as an error saying why not, whether dir's filesystem has no free block left.
// A filesystem that reports no size (ramfs, a tmpfs of unlimited size) has room as far as can
// be told, and so has one that cannot be asked: creating the directory then says.
func hasRoom(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Blocks == 0 {
		return nil
	}
	free := st.Bavail
	if os.Geteuid() == 0 {
		free = st.Bfree // root may use the blocks reserved for it
	}
	if free == 0 {
		return errors.New("full (no space left on the filesystem)")
	}
	return nil
}
