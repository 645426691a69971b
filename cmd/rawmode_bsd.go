//go:build darwin || freebsd || netbsd || openbsd

package cmd

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TIOCGETA
