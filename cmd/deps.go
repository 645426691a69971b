package cmd

import (
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/all"
)

// Deps are what the commands take from the outside world. Tests substitute them.
type Deps struct {
	// Streams are secretrun's stdin, stdout and stderr with their tty-ness.
	Streams inject.Streams
	// Environ is secretrun's own environment, as from os.Environ.
	Environ []string
	// Dir is the working directory, where config discovery starts.
	Dir string
	// Registry builds the provider registry for a configuration; baseDir is where relative file
	// paths in references are resolved from.
	Registry func(cfg *config.Config, baseDir string) *providers.Registry
	// Schema is the `providers:` sections the stores read, checked when the configuration is
	// loaded (all.Schema in production).
	Schema config.Schema
}

// SystemDeps returns the real process's dependencies.
func SystemDeps() Deps {
	dir, _ := os.Getwd()
	return Deps{
		Streams: inject.Streams{
			In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
			InFile: os.Stdin, OutFile: os.Stdout, ErrFile: os.Stderr,
			InTTY:  isTerminal(os.Stdin),
			OutTTY: isTerminal(os.Stdout),
			ErrTTY: isTerminal(os.Stderr),
		},
		Environ: os.Environ(),
		Dir:     dir,
		Registry: func(cfg *config.Config, baseDir string) *providers.Registry {
			return all.Registry(cfg, baseDir, os.LookupEnv)
		},
		Schema: all.Schema(),
	}
}

// isTerminal reports whether f is a terminal. Like the runner, it does not call f.Fd(), which
// would switch a pollable f to blocking mode for good.
func isTerminal(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	_ = rc.Control(func(fd uintptr) { tty = term.IsTerminal(int(fd)) })
	return tty
}

// getenv looks a variable up in Environ.
func (d Deps) getenv(name string) string {
	for _, kv := range d.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
