// Package all is the explicit list of secretrun's built-in providers. Building the registry here,
// rather than through init() side effects, keeps what a binary can talk to visible in one place.
//
// Remote providers are opened lazily by the registry: a run whose references are all local never
// initialises a cloud SDK.
package all

import (
	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/awssm"
	"github.com/secretrun/secretrun/providers/azkv"
	"github.com/secretrun/secretrun/providers/dotenv"
	"github.com/secretrun/secretrun/providers/env"
	"github.com/secretrun/secretrun/providers/file"
	"github.com/secretrun/secretrun/providers/gcpsm"
	"github.com/secretrun/secretrun/providers/sops"
	"github.com/secretrun/secretrun/providers/ssm"
	"github.com/secretrun/secretrun/providers/vault"
)

// Registry returns the registry of every built-in provider for cfg. Relative paths in dotenv://
// and file:// references are resolved from baseDir (the config file's directory); env:// reads
// variables through lookup (os.LookupEnv in production).
func Registry(cfg *config.Config, baseDir string, lookup func(string) (string, bool)) *providers.Registry {
	return providers.NewRegistry(
		vault.Entry(cfg.Providers.Vault),
		awssm.Entry(cfg.Providers.AWS),
		ssm.Entry(cfg.Providers.AWS),
		gcpsm.Entry(cfg.Providers.GCP),
		azkv.Entry(cfg.Providers.Azure),
		sops.Entry(baseDir),
		providers.Entry{
			Scheme:  dotenv.Scheme,
			Summary: "a variable of a dotenv file: dotenv://PATH#NAME",
			Open:    func() (providers.Provider, error) { return dotenv.New(baseDir), nil },
		},
		providers.Entry{
			Scheme:  file.Scheme,
			Summary: "a file's content, or #key of its JSON/YAML: file://PATH[#key]",
			Open:    func() (providers.Provider, error) { return file.New(baseDir), nil },
		},
		providers.Entry{
			Scheme:  env.Scheme,
			Summary: "a variable of secretrun's own environment: env://NAME[#key]",
			Open:    func() (providers.Provider, error) { return env.New(lookup), nil },
		},
	)
}
