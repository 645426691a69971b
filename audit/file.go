package audit

import (
	"fmt"
	"os"
	"syscall"
)

// fileSink appends records to a file. The file is opened for each record, written with one
// write(2) and closed: O_APPEND puts every record whole at the end of the file even when many
// runs append at once, and a file renamed by logrotate is never written again (the next record
// creates the new one). It is created 0600; an existing file that others may write to, or a
// symbolic link, is refused: anyone could forge or swap the trail.
type fileSink struct {
	path string
}

const fileFlags = os.O_WRONLY | os.O_APPEND | os.O_CREATE | syscall.O_CLOEXEC | noFollow

// check opens the file once, as write does, without writing.
func (f *fileSink) check() error {
	file, err := f.open()
	if err != nil {
		return err
	}
	return file.Close()
}

func (f *fileSink) open() (*os.File, error) {
	file, err := os.OpenFile(f.path, fileFlags, 0o600)
	if err != nil {
		if isSymlink(f.path) {
			return nil, fmt.Errorf("audit log %s: is a symbolic link (refused: point audit.file at the file itself)", f.path)
		}
		return nil, fmt.Errorf("audit log %s: %w", f.path, unwrapPath(err))
	}
	st, err := file.Stat()
	switch {
	case err != nil:
		err = fmt.Errorf("audit log %s: %w", f.path, err)
	case !st.Mode().IsRegular():
		err = fmt.Errorf("audit log %s: not a regular file", f.path)
	case st.Mode().Perm()&0o002 != 0:
		err = fmt.Errorf("audit log %s: writable by every user (mode %#o): refused, anyone could forge records (chmod o-w)", f.path, st.Mode().Perm())
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}

func (f *fileSink) write(line []byte) error {
	file, err := f.open()
	if err != nil {
		return err
	}
	_, werr := file.Write(line) // one write: the record is never split between runs
	cerr := file.Close()
	if werr != nil {
		return fmt.Errorf("audit log %s: %w", f.path, unwrapPath(werr))
	}
	if cerr != nil {
		return fmt.Errorf("audit log %s: %w", f.path, unwrapPath(cerr))
	}
	return nil
}

func (f *fileSink) close() error { return nil }

func isSymlink(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode()&os.ModeSymlink != 0
}

// unwrapPath drops the *PathError's own "open PATH:" prefix: messages name the path once.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
