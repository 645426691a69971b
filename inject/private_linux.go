//go:build linux

package inject

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// MakePrivate closes secretrun's own process to other processes of its user, the child first:
// it holds the secrets in memory and the credentials it authenticated with in its initial
// environment, which a same-user child could otherwise read back from /proc/PID/environ and
// /proc/PID/mem. As ssh-agent and gpg-agent do, it makes the process non-dumpable
// (PR_SET_DUMPABLE 0: /proc/PID/* then belongs to root, and ptrace and those reads are refused
// to anyone without CAP_SYS_PTRACE) and sets its core-file size limit to 0 (the kernel writes no
// core for a non-dumpable process either).
//
// Both end at the child's exec: the kernel makes the child dumpable again, and Privacy.Release
// gives it back the core limit secretrun was started with.
func MakePrivate() (*Privacy, error) {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("making secretrun's process private (PR_SET_DUMPABLE): %w", err)
	}
	var orig unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &orig); err != nil {
		return nil, fmt.Errorf("reading the core-file size limit: %w", err)
	}
	p := &Privacy{}
	if orig.Cur != 0 {
		if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: orig.Max}); err != nil {
			return nil, fmt.Errorf("turning core dumps off: %w", err)
		}
		p.release = func(pid int) error {
			return unix.Prlimit(pid, unix.RLIMIT_CORE, &orig, nil)
		}
	}
	return p, nil
}

// Dumpable reports whether secretrun's process is dumpable (for -v traces and tests).
func Dumpable() bool {
	v, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	return err != nil || v != 0
}
