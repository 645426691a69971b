//go:build !linux

package inject

// MakePrivate does nothing outside Linux: other systems keep /proc/PID/environ and process
// memory from other users already, and have no per-process PR_SET_DUMPABLE. The core-file size
// limit is left alone, since the child would inherit it with no way to give it back.
func MakePrivate() (*Privacy, error) { return &Privacy{}, nil }

// Dumpable reports true: MakePrivate changes nothing here.
func Dumpable() bool { return true }
