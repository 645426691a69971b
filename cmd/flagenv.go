package cmd

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envPrefix starts the name of every variable that sets a flag.
const envPrefix = "SECRETRUN_"

// flagEnvName returns the variable that sets a flag: SECRETRUN_ and the flag's name upper-cased,
// with - as _ (--no-mask: SECRETRUN_NO_MASK).
func flagEnvName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// noFlagEnv are the flags without a variable: help and version ask for output rather than set
// anything, and config.Find reads $SECRETRUN_CONFIG itself so that its errors can name it.
// --fake only from the command line: a SECRETRUN_FAKE left in a production environment must not
// replace every real secret with a fake one.
var noFlagEnv = map[string]bool{"help": true, "version": true, "config": true, "fake": true}

// mutexAnnotation is the annotation cobra's MarkFlagsMutuallyExclusive puts on each flag of a
// group: one space-separated group per value.
const mutexAnnotation = "cobra_annotation_mutually_exclusive"

// applyFlagEnv binds every flag of the command about to run to its SECRETRUN_* variable through
// viper and, for each flag the command line did not set, applies the variable's value as if it
// had been given as the flag. The precedence is therefore: command line, then environment, then
// the configuration file for the settings it has (default_profile, grace), then the flag's default.
//
// A list flag (--env-file) takes a list separated like PATH (':'; ';' on Windows). An empty
// variable counts as unset. A command-line flag also wins over the variable of a flag it excludes
// (--no-pty over SECRETRUN_PTY). A value the flag rejects is a usage error naming the variable.
func (a *app) applyFlagEnv(c *cobra.Command) error {
	flags := c.Flags()
	onCommandLine := map[string]bool{}
	flags.Visit(func(f *pflag.Flag) { onCommandLine[f.Name] = true })

	var errs []error
	var fromEnv []string // names of the flags set from their variable
	flags.VisitAll(func(f *pflag.Flag) {
		if noFlagEnv[f.Name] {
			return
		}
		key, name := f.Name, flagEnvName(f.Name)
		_ = a.v.BindPFlag(key, f)
		_ = a.v.BindEnv(key, name)
		if onCommandLine[key] || !a.v.IsSet(key) || excludedBy(f, onCommandLine) {
			return
		}
		value := a.v.GetString(key)
		if err := setFromEnv(f, value); err != nil {
			errs = append(errs, usageErrorf("%s=%s: %s", name, value, err))
			return
		}
		fromEnv = append(fromEnv, key)
	})
	for _, key := range fromEnv {
		for _, other := range excluding(flags.Lookup(key)) {
			if other > key && slices.Contains(fromEnv, other) {
				errs = append(errs, usageErrorf("%s and %s are both set; they exclude each other", flagEnvName(key), flagEnvName(other)))
			}
		}
	}
	for _, key := range fromEnv {
		a.ui().Tracef("--%s from %s", key, flagEnvName(key))
	}
	return errors.Join(errs...)
}

// setFromEnv gives f a variable's value.
func setFromEnv(f *pflag.Flag, value string) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		var items []string
		for _, item := range filepath.SplitList(value) {
			if item != "" {
				items = append(items, item)
			}
		}
		if err := sv.Replace(items); err != nil {
			return err
		}
	} else if err := f.Value.Set(value); err != nil {
		switch f.Value.Type() {
		case "bool":
			return errors.New("not a boolean: want true or false (or 1 or 0)")
		case "duration":
			return errors.New("not a duration such as 30s, 1m30s or 2h")
		}
		return err
	}
	f.Changed = true
	return nil
}

// excluding returns the flags that exclude f (MarkFlagsMutuallyExclusive).
func excluding(f *pflag.Flag) []string {
	var out []string
	for _, group := range f.Annotations[mutexAnnotation] {
		for _, name := range strings.Fields(group) {
			if name != f.Name && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// excludedBy reports whether a flag that excludes f was given on the command line.
func excludedBy(f *pflag.Flag, onCommandLine map[string]bool) bool {
	for _, name := range excluding(f) {
		if onCommandLine[name] {
			return true
		}
	}
	return false
}
