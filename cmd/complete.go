package cmd

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/config"
)

// completionShells are the shells `secretrun completion` writes scripts for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

const completionLong = `Print a completion script for your shell. It completes commands, flags, profile
names (from the configuration secretrun would use: -c, $SECRETRUN_CONFIG or the one
discovered from the current directory), reference schemes (secretrun providers SCHEME)
and flag values (--color, --format, --timeout...).

  bash:        source <(secretrun completion bash)
               or save it as /usr/share/bash-completion/completions/secretrun
  zsh:         secretrun completion zsh > "${fpath[1]}/_secretrun"
  fish:        secretrun completion fish > ~/.config/fish/completions/secretrun.fish
  powershell:  secretrun completion powershell | Out-String | Invoke-Expression

The deb, rpm and apk packages and Homebrew install the scripts already.`

func newCompletionCommand(_ *app) *cobra.Command {
	var noDesc bool
	c := &cobra.Command{
		Use:       "completion bash|zsh|fish|powershell",
		Short:     "Print a shell completion script",
		Long:      completionLong,
		ValidArgs: completionShells,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("completion needs one shell: %s", strings.Join(completionShells, ", "))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			root, out := c.Root(), c.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(out)
				}
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, !noDesc)
			case "powershell":
				if noDesc {
					return root.GenPowerShellCompletion(out)
				}
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usageErrorf("completion %s: unsupported shell; secretrun has completion scripts for %s", args[0], strings.Join(completionShells, ", "))
		},
	}
	c.Flags().BoolVar(&noDesc, "no-descriptions", false, "complete without descriptions")
	return c
}

// registerCompletions attaches value completion to the flags of every command under root.
func registerCompletions(root *cobra.Command, a *app) {
	fixed := func(values ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	byName := map[string]cobra.CompletionFunc{
		"profile": a.completeProfiles,
		"confirm": a.completeProtected,
		"config": func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		"env-file": func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveDefault
		},
		"color":   fixed(colorModes...),
		"format":  fixed(envFormats...),
		"timeout": fixed("10s", "30s", "1m", "5m"),
		"grace":   fixed("1s", "10s", "30s", "1m"),
	}
	byName["on-change"] = fixed(onChangeCompletions...) // watchflags.go
	byName["watch-interval"] = fixed("1m", "5m", "15m", "1h")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, fn := range byName {
			if c.NonInheritedFlags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completeProfiles completes -p with the profiles of the configuration secretrun would load,
// the default one described as such. Any problem with the configuration completes nothing.
func (a *app) completeProfiles(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return a.profileCompletions(toComplete, false)
}

// completeProtected completes --confirm with the protected profiles.
func (a *app) completeProtected(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return a.profileCompletions(toComplete, true)
}

// profileCompletions lists the profiles whose names start with toComplete, only the protected
// ones with onlyProtected, each protected or default one described as such.
func (a *app) profileCompletions(toComplete string, onlyProtected bool) ([]cobra.Completion, cobra.ShellCompDirective) {
	path, err := config.Find(a.findOptions())
	if err != nil || path == "" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cfg, err := a.deps.Schema.Load(path, path)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, name := range cfg.ProfileNames() {
		protected := cfg.Profiles[name].Protected
		if !strings.HasPrefix(name, toComplete) || onlyProtected && !protected {
			continue
		}
		if protected {
			out = append(out, cobra.CompletionWithDesc(name, "protected"))
			continue
		}
		if name == cfg.DefaultProfile {
			out = append(out, cobra.CompletionWithDesc(name, "default profile"))
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}
