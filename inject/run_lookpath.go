//go:build unix

package inject

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// childPATH returns the value of PATH in env and whether it is set (the last one wins, as in
// the C library's getenv on an environment built by appending).
func childPATH(env []string) (string, bool) {
	val, ok := "", false
	for _, kv := range env {
		if v, found := strings.CutPrefix(kv, "PATH="); found {
			val, ok = v, true
		}
	}
	return val, ok
}

// lookPathIn finds file the way execvpe does, but in the PATH of the child's environment:
// a name with a slash is used as is (relative to dir), otherwise each PATH entry is tried in
// order (an empty entry means the current directory) and the first regular executable file
// wins. A file that exists but is not executable makes the result 126 if nothing executable is
// found later.
func lookPathIn(file string, env []string, dir string) (string, *RunError) {
	abs := func(p string) string {
		if dir != "" && !filepath.IsAbs(p) {
			return filepath.Join(dir, p)
		}
		return p
	}
	if strings.Contains(file, "/") {
		switch err := checkExecutable(abs(file)); {
		case err == nil:
			return file, nil
		case errors.Is(err, fs.ErrNotExist):
			return "", &RunError{Command: file, Status: StatusNotFound,
				Err: fmt.Errorf("%w: no such file", ErrCommandNotFound)}
		default:
			return "", &RunError{Command: file, Status: StatusNotExecutable,
				Err: fmt.Errorf("%w: %v", ErrCommandNotExecutable, err)}
		}
	}
	pathVal, pathSet := childPATH(env)
	var denied error
	for _, d := range filepath.SplitList(pathVal) {
		if d == "" {
			d = "."
		}
		cand := filepath.Join(d, file)
		err := checkExecutable(abs(cand))
		if err == nil {
			if !strings.Contains(cand, "/") {
				cand = "./" + cand // never let os/exec search secretrun's own PATH
			}
			return cand, nil
		}
		if denied == nil && !errors.Is(err, fs.ErrNotExist) {
			denied = fmt.Errorf("%w: %s: %v", ErrCommandNotExecutable, cand, err)
		}
	}
	if denied != nil {
		return "", &RunError{Command: file, Status: StatusNotExecutable, Err: denied}
	}
	re := &RunError{Command: file, Status: StatusNotFound,
		Err: fmt.Errorf("%w in the child's PATH", ErrCommandNotFound)}
	switch own, ownErr := exec.LookPath(file); {
	case !pathSet:
		re.Hint = "the child's environment has no PATH; keep PATH in the profile's inherit list or give the full path of the command"
	case ownErr == nil && pathVal != os.Getenv("PATH"):
		re.Hint = fmt.Sprintf("%s is in secretrun's own PATH (%s) but the child's PATH differs; add its directory to the child's PATH or give the full path", file, own)
	}
	return "", re
}

// checkExecutable returns nil for a regular file the process may execute.
func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return errors.New("is a directory")
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return fs.ErrPermission
	}
	if err := syscall.Access(p, 1 /* X_OK */); err != nil {
		return fs.ErrPermission
	}
	return nil
}
