package inject

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// SecretFiles holds the secrets the child receives as file paths (`as: file`). They never touch
// a disk-backed filesystem unless the user chose a directory, and they never outlive secretrun:
//
//   - Memory files (Linux, the default): each secret is an anonymous memory file (memfd), sealed
//     read-only, that the child inherits as descriptor 3, 4, ...; the variable holds
//     /proc/self/fd/N, which the child (and any descendant that keeps the descriptor) can open.
//     It has no name in any directory, and the kernel frees it when its last holder exits, also
//     when secretrun is killed with SIGKILL.
//   - A private directory (mode 0700, files 0600) on a memory-backed filesystem (tmpfs or ramfs:
//     /dev/shm, then /run/user/UID), where memory files cannot be used. secretrun holds a lock on
//     it; each start removes the directories whose owner died without removing them.
//   - A private directory under a directory the user chose (FilesOptions.Dir), which may be on a
//     disk: the explicit opt-in.
//
// When none of these is possible NewSecretFiles fails: secretrun refuses rather than write a
// secret to a disk. Remove deletes everything; callers defer it.
type SecretFiles struct {
	mode  string     // "memory", "memory-backed directory" or "chosen directory"
	files []*os.File // memory mode: the memfds, in descriptor order (child fd 3+i)
	names []string   // memory mode: the variable of each memfd
	dir   string     // directory modes: the private directory
	lock  *os.File   // directory modes: the open directory, locked while secretrun lives
	// rewritable: memory files may be rewritten (FilesOptions.Rewritable); files then holds
	// secretrun's writable descriptors and childFiles the read-only ones the child inherits.
	rewritable bool
	childFiles []*os.File
	// diskReason is why a chosen directory may be on a disk (nil when it is memory-backed).
	diskReason error
}

// FilesOptions chooses where secret files live.
type FilesOptions struct {
	// Dir is a directory the user chose (--secret-files-dir): the files get real paths in a
	// private subdirectory of it, also when it is on a disk. "" means memory only.
	Dir string
	// Rewritable lets Rewrite change a file while the child runs (the `on_change: signal:NAME`
	// action). Memory files are then not sealed against writes; the child gets a read-only
	// descriptor of a file of mode 0400, so it still cannot change it. Directory files are
	// replaced by rename whether or not this is set.
	Rewritable bool

	// noMemfd and candidates replace the defaults in tests.
	noMemfd    bool
	candidates []string
}

// dirPrefix starts the name of every private directory, so that stale ones can be found.
const dirPrefix = "secretrun-files-"

// ErrNoMemory is wrapped by NewSecretFiles's error when no memory-backed place could hold the
// secret files.
var ErrNoMemory = errors.New("no memory-backed place for secret files")

// NewSecretFiles prepares a place for secret files: memory files where possible, else a private
// directory on a memory-backed filesystem, or one under opts.Dir when the user chose it. Its
// error, when nothing memory-backed is usable, says why for each place tried and names the
// opt-in.
func NewSecretFiles(opts FilesOptions) (*SecretFiles, error) {
	if opts.Dir != "" {
		// absolute, so that the path still works after the child changes directory
		abs, err := filepath.Abs(opts.Dir)
		if err != nil {
			return nil, fmt.Errorf("--secret-files-dir %s: %w", opts.Dir, err)
		}
		f, err := newDirFiles(abs, false)
		if err != nil {
			return nil, fmt.Errorf("--secret-files-dir %s: %w", opts.Dir, err)
		}
		f.mode = "chosen directory"
		f.diskReason = memoryBacked(opts.Dir)
		return f, nil
	}
	var reasons []string
	if !opts.noMemfd {
		err := memfdUsable()
		if err == nil {
			return &SecretFiles{mode: "memory", rewritable: opts.Rewritable}, nil
		}
		reasons = append(reasons, "memory files: "+err.Error())
	}
	candidates := opts.candidates
	if candidates == nil {
		candidates = []string{"/dev/shm", "/run/user/" + strconv.Itoa(os.Getuid())}
	}
	for _, c := range candidates {
		f, err := newDirFiles(c, true)
		if err == nil {
			f.mode = "memory-backed directory"
			return f, nil
		}
		reasons = append(reasons, c+": "+err.Error())
	}
	return nil, &noMemoryError{reasons: reasons}
}

// noMemoryError explains why no memory-backed place was usable, and the opt-in.
type noMemoryError struct{ reasons []string }

// optIn is what a user who accepts a disk-backed directory can do.
const optIn = "secretrun never writes a secret to a disk; to accept a directory that may be on one, pass --secret-files-dir DIR (or set SECRETRUN_SECRET_FILES_DIR)"

func (e *noMemoryError) Error() string {
	return fmt.Sprintf("%s (%s): %s", ErrNoMemory, strings.Join(e.reasons, "; "), optIn)
}

func (e *noMemoryError) Unwrap() error { return ErrNoMemory }

// newDirFiles creates a locked private directory under parent, first removing the stale ones
// there. With memoryOnly, parent must be on a memory-backed filesystem.
func newDirFiles(parent string, memoryOnly bool) (*SecretFiles, error) {
	if memoryOnly {
		if err := memoryBacked(parent); err != nil {
			return nil, err
		}
	}
	sweepStale(parent)
	// A full tmpfs still lets a directory and an empty file be made, and fails the write:
	// refuse it here, so that the next memory-backed place is tried.
	if err := hasRoom(parent); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(parent, dirPrefix)
	if err != nil {
		return nil, describeFSError(err)
	}
	f := &SecretFiles{dir: dir}
	if err := os.Chmod(dir, 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return nil, describeFSError(err)
	}
	if f.lock, err = lockDir(dir, true); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return f, nil
}

// describeFSError turns an error creating the directory into a short reason.
func describeFSError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sweepStale removes the private directories under parent that belong to this user and whose
// owner is gone: nobody holds their lock. A crash or SIGKILL of secretrun in directory mode
// leaves its directory behind; the next start removes it. Errors are ignored: sweeping is
// best-effort, and a directory that cannot be locked is left alone.
func sweepStale(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), dirPrefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		if !ownedByMe(dir) {
			continue
		}
		l, err := lockDir(dir, false)
		if err != nil {
			continue // locked: its secretrun is running
		}
		_ = os.RemoveAll(dir)
		_ = l.Close()
	}
}

// Mode says where the files are, for -v traces: "memory", "memory-backed directory DIR" or
// "chosen directory DIR".
func (f *SecretFiles) Mode() string {
	if f.dir == "" {
		return f.mode
	}
	return f.mode + " " + f.dir
}

// MayBeOnDisk returns why the chosen directory may be on a disk, or nil when the files are in
// memory.
func (f *SecretFiles) MayBeOnDisk() error { return f.diskReason }

// Dir returns the private directory, or "" for memory files.
func (f *SecretFiles) Dir() string { return f.dir }

// ExtraFiles returns the memory files the child must inherit, in order, as exec.Cmd.ExtraFiles
// wants them (descriptor 3 first). It is nil in the directory modes, and safe on nil.
func (f *SecretFiles) ExtraFiles() []*os.File {
	if f == nil {
		return nil
	}
	if f.rewritable {
		return f.childFiles
	}
	return f.files
}

// Write stores value as the secret file of variable name and returns the path the child opens.
func (f *SecretFiles) Write(name, value string) (string, error) {
	if f.dir == "" {
		file, forChild, err := newMemfd(name, value, f.rewritable)
		if err != nil {
			return "", fmt.Errorf("%s: cannot create its memory file: %w", name, err)
		}
		f.files = append(f.files, file)
		f.names = append(f.names, name)
		if forChild != nil {
			f.childFiles = append(f.childFiles, forChild)
		}
		return "/proc/self/fd/" + strconv.Itoa(2+len(f.files)), nil
	}
	p := filepath.Join(f.dir, name)
	file, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", f.writeError(name, "create", err)
	}
	if _, err := file.WriteString(value); err != nil {
		file.Close()
		return "", f.writeError(name, "write", err)
	}
	if err := file.Close(); err != nil {
		return "", f.writeError(name, "write", err)
	}
	return p, nil
}

// writeError says why a secret file could not be created or written in the directory, and
// where. In a memory-backed directory that ran out of room it wraps ErrNoMemory and names the
// opt-in: the file is not written anywhere else.
func (f *SecretFiles) writeError(name, what string, err error) error {
	err = describeFSError(err)
	if f.mode == "memory-backed directory" && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) {
		return fmt.Errorf("%s: cannot %s its secret file in %s: %w (%w): %s", name, what, f.dir, ErrNoMemory, err, optIn)
	}
	return fmt.Errorf("%s: cannot %s its secret file in %s (%s): %w", name, what, f.dir, f.mode, err)
}

// Remove closes the memory files and deletes the directory and every file in it. It is safe to
// call more than once and on a nil *SecretFiles.
func (f *SecretFiles) Remove() error {
	if f == nil {
		return nil
	}
	for _, file := range append(f.files, f.childFiles...) {
		_ = file.Close()
	}
	f.files, f.childFiles, f.names = nil, nil, nil
	var err error
	if f.dir != "" {
		err = os.RemoveAll(f.dir)
		f.dir = ""
	}
	if f.lock != nil {
		_ = f.lock.Close()
		f.lock = nil
	}
	return err
}
