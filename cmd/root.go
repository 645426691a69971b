package cmd

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/secretrun/secretrun/inject"
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
	allowEmpty bool
	color      colorMode
	confirm    string // --confirm: the protected profile's name (protected.go)
	fake       bool   // --fake: fake values, nothing fetched (fake.go)

	watch watchFlags // --watch, --watch-interval, --on-change (watchflags.go)
}

// app holds what one invocation shares between its commands.
type app struct {
	deps  Deps
	v     *viper.Viper
	opts  globalOptions
	voice *ui
	// privacy undoes, for the child, what made secretrun's own process private.
	privacy *inject.Privacy
}

// ui returns the message printer, configured from the parsed flags.
func (a *app) ui() *ui {
	if a.voice == nil {
		s := a.deps.Streams
		a.voice = newUI(s.Err, a.opts.color.enabled(s.ErrTTY, a.deps.getenv("NO_COLOR")), a.opts.verbose)
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

func newRootCommand(deps Deps) (*cobra.Command, *app) {
	a := &app{deps: deps, v: viper.New(), opts: globalOptions{color: "auto"}}
	root := &cobra.Command{
		Use:   "secretrun [flags] -- COMMAND [ARGS...]",
		Short: "Run a command with secrets in its environment, masked in its output",
		Long:  rootLongFor(deps.Schema.Schemes),
		Example: `  secretrun -- python app.py
  secretrun -p prod -- ./migrate.sh --dry-run
  secretrun check -p prod
  kubectl logs deploy/api | secretrun redact -p prod`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       currentBuild().String(),
		// Every flag of every command gets its SECRETRUN_* variable here. Cobra runs only the
		// nearest PersistentPreRunE, so no subcommand defines its own (TestOnlyRootHasPreRun).
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			if strings.HasPrefix(c.Name(), cobra.ShellCompRequestCmd) {
				return nil // completion requests: their flags are not parsed
			}
			return a.applyFlagEnv(c)
		},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true}, // newCompletionCommand
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				if c.ArgsLenAtDash() < 0 && c.Flags().NFlag() == 0 {
					return c.Help() // a bare `secretrun`
				}
				return usageErrorf("no command to run: secretrun [flags] -- COMMAND [ARGS...]")
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
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErrorf("%v", err) })

	f := root.PersistentFlags()
	f.StringVarP(&a.opts.profile, "profile", "p", "", "profile to use (default: the config's default_profile)")
	f.StringVarP(&a.opts.configPath, "config", "c", "", "config file (default: discovered; env SECRETRUN_CONFIG)")
	f.StringArrayVar(&a.opts.envFiles, "env-file", nil, "dotenv file of literals; an unquoted reference to a remote store (secretrun providers) is fetched (repeatable)")
	f.BoolVar(&a.opts.pristine, "pristine", false, "inherit only PATH HOME USER LOGNAME SHELL TERM LANG LC_* TZ TMPDIR")
	f.BoolVar(&a.opts.noMask, "no-mask", false, "do not mask secrets in the command's output")
	f.BoolVar(&a.opts.pty, "pty", false, "always give the command a pseudo-terminal")
	f.BoolVar(&a.opts.noPTY, "no-pty", false, "never give the command a pseudo-terminal")
	f.Var(newPositiveDuration(&a.opts.timeout, 30*time.Second), "timeout", "deadline for fetching all secrets, above zero")
	f.Var(newPositiveDuration(&a.opts.grace, 0), "grace", "delay between the stop signal and SIGKILL, above zero (default: the profile's grace, else 10s)")
	f.BoolVar(&a.opts.sigGroup, "signal-group", false, "forward signals to the command's whole process group, not only to the command")
	f.BoolVarP(&a.opts.verbose, "verbose", "v", false, "print fetch timings and decisions on stderr (never values)")
	f.BoolVar(&a.opts.noClobber, "no-clobber", false, "keep an inherited variable when a secret has the same name")
	f.BoolVar(&a.opts.allowEmpty, "allow-empty", false, "run even with no config file and no references")
	f.String("secret-files-dir", "", "put as: file secrets in a private directory under `DIR`, even on a disk (default: memory only)")
	f.BoolVar(&a.opts.strict, "strict", false, "never release held output bytes on a timer (see docs/redaction.md)")
	f.StringVar(&a.opts.confirm, "confirm", "", "confirm the use of a protected profile by `NAME` without a prompt (CI, cron, containers)")
	f.String("audit-log", "", "append the audit trail (JSON Lines, docs/audit.md) to `FILE`, besides the config's audit: block")
	f.Var(&a.opts.color, "color", "colour secretrun's own messages: auto (on a terminal, unless NO_COLOR is set), always or never")
	addWatchFlags(a, f)
	root.MarkFlagsMutuallyExclusive("pty", "no-pty")

	// The other flags are bound when a command runs (applyFlagEnv); config here, since
	// config.Find reads $SECRETRUN_CONFIG itself, and profile for completion, which runs no hook.
	_ = a.v.BindPFlag("profile", f.Lookup("profile"))
	_ = a.v.BindPFlag("config", f.Lookup("config"))
	_ = a.v.BindEnv("profile", flagEnvName("profile"))
	_ = a.v.BindEnv("config", flagEnvName("config"))
	root.SetUsageTemplate(root.UsageTemplate() + envUsage)

	withFakeFlag(a, root)
	root.AddCommand(
		withFakeFlag(a, newRunCommand(a)),
		withFakeFlag(a, newCheckCommand(a)),
		newRedactCommand(a),
		newEnvCommand(a),
		newScanCommand(a),
		newExampleCommand(a),
		newDiffCommand(a),
		newProfilesCommand(a),
		newProvidersCommand(a),
		newVersionCommand(a),
		newCompletionCommand(a),
	)
	registerCompletions(root, a)
	return root, a
}

// envUsage ends every command's --help: how flags are set from the environment.
const envUsage = `
Every flag can also be set with a SECRETRUN_* environment variable named after it
(--no-mask: SECRETRUN_NO_MASK=true, --timeout: SECRETRUN_TIMEOUT=1m, --env-file: a list
separated by ':'); a flag on the command line wins. Colour: --color, NO_COLOR.
`

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
