package cmd

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/fatih/color"

	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
)

// ui is secretrun's one voice on stderr: "secretrun: error: ...", "secretrun: warning: ...",
// "secretrun: hint: ...", and -v traces. Every line passes through mask, which is the redactor once
// secrets are known, so that not even a provider's error text can print a value.
type ui struct {
	mu sync.Mutex
	w  io.Writer
	// raw reports whether the terminal stderr writes to is in raw mode (output processing off),
	// as it is while a child runs on a pseudo-terminal; lines then need "\r\n".
	raw     func() bool
	verbose bool
	mask    func(string) string

	errLabel, warnLabel, hintLabel, traceLabel *color.Color
}

// newUI returns a printer writing to w; colour turns on coloured labels (see colorMode).
func newUI(w io.Writer, colour, verbose bool) *ui {
	u := &ui{w: w, verbose: verbose, mask: func(s string) string { return s }, raw: func() bool { return false }}
	u.errLabel = color.New(color.FgRed, color.Bold)
	u.warnLabel = color.New(color.FgYellow, color.Bold)
	u.hintLabel = color.New(color.FgCyan)
	u.traceLabel = color.New(color.Faint)
	for _, c := range []*color.Color{u.errLabel, u.warnLabel, u.hintLabel, u.traceLabel} {
		if colour {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return u
}

// colorMode is --color (SECRETRUN_COLOR): when secretrun colours its own messages.
//
//	auto    on a terminal, unless NO_COLOR is set to a non-empty value (the default)
//	always  also into a pipe or file, and despite NO_COLOR (an explicit request wins over the
//	        environment, as no-color.org asks)
//	never   never
//
// The child's output is never coloured or uncoloured by secretrun: it passes as the child wrote it.
type colorMode string

// colorModes are the values --color accepts.
var colorModes = []string{"auto", "always", "never"}

func (m *colorMode) String() string { return string(*m) }

// Set accepts one of colorModes.
func (m *colorMode) Set(s string) error {
	if !slices.Contains(colorModes, s) {
		return fmt.Errorf("want %s", strings.Join(colorModes, ", "))
	}
	*m = colorMode(s)
	return nil
}

// Type names the values in --help.
func (m *colorMode) Type() string { return strings.Join(colorModes, "|") }

// enabled reports whether messages to stderr are coloured, given whether stderr is a terminal and
// NO_COLOR's value.
func (m colorMode) enabled(tty bool, noColor string) bool {
	switch m {
	case "always":
		return true
	case "never":
		return false
	}
	return tty && noColor == ""
}

// setMask makes every later message pass through mask.
func (u *ui) setMask(mask func(string) string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.mask = mask
}

func (u *ui) say(label *color.Color, kind, msg string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	eol := "\n"
	if u.raw() {
		eol = "\r\n"
	}
	for _, line := range strings.Split(strings.TrimRight(u.mask(msg), "\n"), "\n") {
		fmt.Fprintf(u.w, "secretrun: %s %s%s", label.Sprint(kind+":"), line, eol)
	}
}

// Errorf prints an error.
func (u *ui) Errorf(format string, args ...any) {
	u.say(u.errLabel, "error", fmt.Sprintf(format, args...))
}

// Warnf prints a warning.
func (u *ui) Warnf(format string, args ...any) {
	u.say(u.warnLabel, "warning", fmt.Sprintf(format, args...))
}

// Hintf prints advice on how to fix the last error.
func (u *ui) Hintf(format string, args ...any) {
	u.say(u.hintLabel, "hint", fmt.Sprintf(format, args...))
}

// Tracef prints a -v trace: decisions and timings, never values.
func (u *ui) Tracef(format string, args ...any) {
	if u.verbose {
		u.say(u.traceLabel, "trace", fmt.Sprintf(format, args...))
	}
}

// Error prints err: one line per joined error (every failed variable, every config problem),
// each followed by its hint, if any.
func (u *ui) Error(err error) {
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return
	}
	hints := map[string]bool{}
	for _, e := range leaves(err) {
		u.Errorf("%s", e.Error())
		if h := hintOf(e); h != "" && !hints[h] {
			hints[h] = true
			u.Hintf("%s", h)
		}
	}
}

// hintOf returns the advice attached to err: a provider's hint, or the runner's (e.g. why a
// command was not found).
func hintOf(err error) string {
	if h := providers.Hint(err); h != "" {
		return h
	}
	var re *inject.RunError
	if errors.As(err, &re) {
		return re.Hint
	}
	return ""
}

// leaves splits joined errors (every failed variable, every config problem) into their parts.
func leaves(err error) []error {
	var ee *exitError
	if errors.As(err, &ee) && ee.err != nil {
		err = ee.err
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
