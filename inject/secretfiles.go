package inject

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// SecretFiles is a private directory holding secrets that the child receives as file paths
// (`as: file`). It lives on a memory-backed filesystem where one exists (/dev/shm on Linux), with
// mode 0700 for the directory and 0600 for each file. Remove deletes it; callers defer it so that
// it runs on every exit path secretrun survives.
type SecretFiles struct {
	dir string
}

// NewSecretFiles creates the private directory. base overrides the location (tests); "" picks a
// memory-backed filesystem (/dev/shm, then /run/user/UID; the first usable one wins), falling
// back to os.TempDir().
func NewSecretFiles(base string) (*SecretFiles, error) {
	candidates := []string{base}
	if base == "" {
		candidates = []string{"/dev/shm", "/run/user/" + strconv.Itoa(os.Getuid()), os.TempDir()}
	}
	var lastErr error
	for _, c := range candidates {
		dir, err := os.MkdirTemp(c, "secretrun-")
		if err != nil {
			lastErr = err
			continue
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			_ = os.RemoveAll(dir)
			lastErr = err
			continue
		}
		return &SecretFiles{dir: dir}, nil
	}
	return nil, fmt.Errorf("cannot create a private directory for secret files: %w", lastErr)
}

// Dir returns the directory's path.
func (f *SecretFiles) Dir() string { return f.dir }

// Write stores value in a new 0600 file named after the variable and returns its path.
func (f *SecretFiles) Write(name, value string) (string, error) {
	p := filepath.Join(f.dir, name)
	file, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("%s: cannot create its secret file: %w", name, err)
	}
	if _, err := file.WriteString(value); err != nil {
		file.Close()
		return "", fmt.Errorf("%s: cannot write its secret file: %w", name, err)
	}
	if err := file.Close(); err != nil {
		return "", fmt.Errorf("%s: cannot write its secret file: %w", name, err)
	}
	return p, nil
}

// Remove deletes the directory and every file in it. It is safe to call more than once and on a
// nil *SecretFiles.
func (f *SecretFiles) Remove() error {
	if f == nil || f.dir == "" {
		return nil
	}
	err := os.RemoveAll(f.dir)
	f.dir = ""
	return err
}
