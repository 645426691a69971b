package cmd

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

// globalOptions are the flags every command shares (CONTRACT.md §1).
type globalOptions struct {
	profile    string
	configPath string
	envFiles   []string
	pristine   bool
	noMask     bool
	pty        bool
	noPTY      bool
	timeout    time.Duration
	grace      time.Duration
	sigGroup   bool
	verbose    bool
	noClobber  bool
	strict     bool
}

// app holds what one invocation shares between its commands.
type app struct {
	deps  Deps
	v     *viper.Viper
	opts  globalOptions
	voice *ui
}

// ui returns the message printer, configured from the parsed flags.
func (a *app) ui() *ui {
	if a.voice == nil {
		s := a.deps.Streams
		a.voice = newUI(s.Err, s.ErrTTY, a.deps.getenv("NO_COLOR") != "", a.opts.verbose)
		if s.ErrTTY && s.ErrFile != nil {
			a.voice.raw = func() bool { return isRaw(s.ErrFile) }
		}
	}
	return a.voice
}

// profileName is -p, else $SECRETRUN_PROFILE (through viper), else "" (the default profile).
func (a *app) profileName() string { return a.v.GetString("profile") }

// configEnv is $SECRETRUN_CONFIG (through viper) when -c is not given; config.Find names the
// source it came from in its errors.
func (a *app) configEnv() string {
	if a.opts.configPath != "" {
		return ""
	}
	return a.v.GetString("config")
}

const rootLong = `secretrun runs a command with secrets in its environment and masks every secret
value in the command's output.

It resolves a profile's references (vault://, awssm://, gcpsm://, azkv://, dotenv://,
file://, env://), fetches the values, runs COMMAND with them in a scrubbed environment,
and passes its stdout and stderr through a redactor. If any required secret cannot be
fetched, COMMAND never starts.

` + exitHelp

func newRootCommand(deps Deps) (*cobra.Command, *app) {
	a := &app{deps: deps, v: viper.New()}
	root := &cobra.Command{
		Use:   "secretrun [flags] -- COMMAND [ARGS...]",
		Short: "Run a command with secrets in its environment, masked in its output",
		Long:  rootLong,
		Example: `  secretrun -- python app.py
  secretrun -p prod -- ./migrate.sh --dry-run
  secretrun check -p prod
  kubectl logs deploy/api | secretrun redact -p prod`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			if c.ArgsLenAtDash() != 0 {
				if sugg := c.SuggestionsFor(args[0]); len(sugg) > 0 {
					return usageErrorf("unknown command %q (did you mean %q?)", args[0], sugg[0])
				}
				return usageErrorf("put -- before the command to run: secretrun [flags] -- %s", strings.Join(args, " "))
			}
			return a.run(c.Context(), args)
		},
	}
	root.SetIn(deps.Streams.In)
	root.SetOut(deps.Streams.Out)
	root.SetErr(deps.Streams.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErrorf("%v", err) })

	f := root.PersistentFlags()
	f.StringVarP(&a.opts.profile, "profile", "p", "", "profile to use (default: the config's default_profile; env SECRETRUN_PROFILE)")
	f.StringVarP(&a.opts.configPath, "config", "c", "", "config file (default: discovered; env SECRETRUN_CONFIG)")
	f.StringArrayVar(&a.opts.envFiles, "env-file", nil, "dotenv file whose values are literals or references (repeatable)")
	f.BoolVar(&a.opts.pristine, "pristine", false, "inherit only PATH HOME USER LOGNAME SHELL TERM LANG LC_* TZ TMPDIR")
	f.BoolVar(&a.opts.noMask, "no-mask", false, "do not mask secrets in the command's output")
	f.BoolVar(&a.opts.pty, "pty", false, "always give the command a pseudo-terminal")
	f.BoolVar(&a.opts.noPTY, "no-pty", false, "never give the command a pseudo-terminal")
	f.DurationVar(&a.opts.timeout, "timeout", 30*time.Second, "deadline for fetching all secrets")
	f.DurationVar(&a.opts.grace, "grace", 0, "delay between the stop signal and SIGKILL (default: the profile's grace, else 10s)")
	f.BoolVar(&a.opts.sigGroup, "signal-group", false, "forward signals to the command's whole process group, not only to the command")
	f.BoolVarP(&a.opts.verbose, "verbose", "v", false, "print fetch timings and decisions on stderr (never values)")
	f.BoolVar(&a.opts.noClobber, "no-clobber", false, "keep an inherited variable when a secret has the same name")
	f.BoolVar(&a.opts.strict, "strict", false, "never release held output bytes on a timer (see docs/redaction.md)")
	root.MarkFlagsMutuallyExclusive("pty", "no-pty")

	_ = a.v.BindPFlag("profile", f.Lookup("profile"))
	_ = a.v.BindPFlag("config", f.Lookup("config"))
	_ = a.v.BindEnv("profile", "SECRETRUN_PROFILE")
	_ = a.v.BindEnv("config", "SECRETRUN_CONFIG")

	root.AddCommand(
		newRunCommand(a),
		newCheckCommand(a),
		newRedactCommand(a),
		newEnvCommand(a),
		newProfilesCommand(a),
		newProvidersCommand(a),
		newVersionCommand(a),
	)
	return root, a
}

// usageError is a mistake in how secretrun was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func isUsageError(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}
