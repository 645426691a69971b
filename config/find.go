package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

var errNotDir error = syscall.ENOTDIR

// FileNames are the names looked for in the working directory and each of its parents, in
// order of preference within one directory.
var FileNames = []string{"secretrun.yaml", ".secretrun.yaml"}

// FindOptions holds everything Find looks at, so that it reads no process state itself.
type FindOptions struct {
	// Explicit is the --config flag's value ("" when not given).
	Explicit string
	// Env is $SECRETRUN_CONFIG ("" when unset or empty).
	Env string
	// Dir is the directory the search starts in, normally the working directory ("" skips the
	// directory walk). Relative Explicit and Env paths are taken relative to it.
	Dir string
	// XDGConfigHome is $XDG_CONFIG_HOME; "" or a relative path means $HOME/.config.
	XDGConfigHome string
	// Home is $HOME, used when XDGConfigHome is unset ("" skips the user-wide file).
	Home string
}

// Find returns the path of the configuration file to use, looking in this order: Explicit,
// Env, then "secretrun.yaml" and ".secretrun.yaml" in Dir and each parent directory up to the
// root, then $XDG_CONFIG_HOME/secretrun/config.yaml (default $HOME/.config). The first that
// exists wins. Explicit or Env naming a missing file (or a directory) is an *Error. Finding no
// file at all returns "", nil: running without a configuration file is allowed.
func Find(opts FindOptions) (string, error) {
	for _, src := range []struct{ path, what string }{
		{opts.Explicit, "--config"},
		{opts.Env, "SECRETRUN_CONFIG"},
	} {
		if src.path == "" {
			continue
		}
		path := src.path
		if !filepath.IsAbs(path) && opts.Dir != "" {
			path = filepath.Join(opts.Dir, path)
		}
		ok, err := isFile(path)
		if err != nil {
			return "", &Error{File: path, Msg: "configuration named by " + src.what + ": " + describeOSError(err)}
		}
		if !ok {
			return "", &Error{File: path, Msg: "configuration named by " + src.what + " does not exist"}
		}
		return path, nil
	}
	if opts.Dir != "" {
		dir, err := filepath.Abs(opts.Dir)
		if err != nil {
			return "", err
		}
		for {
			for _, name := range FileNames {
				path := filepath.Join(dir, name)
				ok, err := isFile(path)
				if err != nil {
					return "", &Error{File: path, Msg: describeOSError(err)}
				}
				if ok {
					return path, nil
				}
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if path := opts.userFile(); path != "" {
		ok, err := isFile(path)
		if err != nil {
			return "", &Error{File: path, Msg: describeOSError(err)}
		}
		if ok {
			return path, nil
		}
	}
	return "", nil
}

// Places lists, in search order, every place Find looks at when neither Explicit nor Env is
// set: "secretrun.yaml or .secretrun.yaml in DIR" for Dir and each of its parents, then the
// user-wide file. It does no I/O beyond making Dir absolute, so an error message can name every
// place searched.
func (o FindOptions) Places() []string {
	var out []string
	if o.Dir != "" {
		if dir, err := filepath.Abs(o.Dir); err == nil {
			for {
				out = append(out, FileNames[0]+" or "+FileNames[1]+" in "+dir)
				parent := filepath.Dir(dir)
				if parent == dir {
					break
				}
				dir = parent
			}
		}
	}
	if p := o.userFile(); p != "" {
		out = append(out, p)
	}
	return out
}

// userFile is $XDG_CONFIG_HOME/secretrun/config.yaml (default $HOME/.config), or "" when
// neither is known.
func (o FindOptions) userFile() string {
	base := o.XDGConfigHome
	if base == "" || !filepath.IsAbs(base) {
		base = ""
		if o.Home != "" {
			base = filepath.Join(o.Home, ".config")
		}
	}
	if base == "" {
		return ""
	}
	return filepath.Join(base, "secretrun", "config.yaml")
}

// isFile reports whether path exists. A directory in its place is an error; so is any error
// other than "does not exist" (such as permission denied), since guessing could pick the wrong
// file.
func isFile(path string) (bool, error) {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return false, errors.New("is a directory, not a file")
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, errNotDir):
		return false, nil
	}
	return false, err
}
