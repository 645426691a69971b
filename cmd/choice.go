package cmd

import (
	"fmt"
	"slices"
	"strings"
)

// choice is a string flag that accepts one of a fixed set of values. A wrong value is rejected
// while the flags are parsed, so the error names where it came from: the flag, or the SECRETRUN_*
// variable that set it (SECRETRUN_FORMAT=xml: want one of dotenv, json, shell).
type choice struct {
	value   *string
	allowed []string
}

// newChoice sets *p to def and returns the flag value that sets *p to one of allowed.
func newChoice(p *string, def string, allowed []string) *choice {
	*p = def
	return &choice{value: p, allowed: allowed}
}

func (c *choice) String() string { return *c.value }

// Set accepts one of the allowed values.
func (c *choice) Set(s string) error {
	if !slices.Contains(c.allowed, s) {
		return fmt.Errorf("want one of %s", strings.Join(c.allowed, ", "))
	}
	*c.value = s
	return nil
}

// Type is what --help shows after the flag's name.
func (c *choice) Type() string { return "string" }
