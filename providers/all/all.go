// Package all is the explicit list of secretrun's built-in providers. Building the registry here,
// rather than through init() side effects, keeps what a binary can talk to visible in one place.
//
// Each line of the list ties a reference scheme to its provider's constructor and, for a store
// with settings, to the `providers:` section it reads; the settings type, its checks and its
// documentation live in the store's own package. Schema gives package config those sections,
// so a typo in any of them is reported with the rest of the file's problems.
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

// stores is the one list of built-in stores. Relative paths in dotenv:// and file://
// references are resolved from baseDir (the config file's directory); env:// reads variables
// through lookup (os.LookupEnv in production).
func stores(baseDir string, lookup func(string) (string, bool)) []store {
	return []store{
		configured("vault", vault.Entry),
		configured("aws", awssm.Entry),
		configured("aws", ssm.Entry),
		configured("gcp", gcpsm.Entry),
		configured("azure", azkv.Entry),
		local(providers.Entry{
			Scheme:  dotenv.Scheme,
			Summary: "a variable of a dotenv file: dotenv://PATH#NAME",
			Open:    func() (providers.Provider, error) { return dotenv.New(baseDir), nil },
		}),
		local(providers.Entry{
			Scheme:  file.Scheme,
			Summary: "a file's content, or #key of its JSON/YAML: file://PATH[#key]",
			Open:    func() (providers.Provider, error) { return file.New(baseDir), nil },
		}),
		local(sops.Entry(baseDir)),
		local(providers.Entry{
			Scheme:  env.Scheme,
			Summary: "a variable of secretrun's own environment: env://NAME[#key]",
			Open:    func() (providers.Provider, error) { return env.New(lookup), nil },
		}),
	}
}

// Registry returns the registry of every built-in provider for cfg, each given its section of
// cfg's `providers:`. Relative paths in dotenv:// and file:// references are resolved from
// baseDir (the config file's directory); env:// reads variables through lookup (os.LookupEnv in
// production).
func Registry(cfg *config.Config, baseDir string, lookup func(string) (string, bool)) *providers.Registry {
	list := stores(baseDir, lookup)
	entries := make([]providers.Entry, 0, len(list))
	for _, s := range list {
		entries = append(entries, s.entry(cfg.Providers.Section(s.section)))
	}
	return providers.NewRegistry(entries...)
}

// Schema returns the `providers:` sections the built-in stores read, each checked by decoding
// it into its store's settings type, and their schemes (what allow_sources may name): parse
// configuration files with Schema().Load.
func Schema() config.Schema {
	return schemaOf(stores("", nil))
}
