package config

// Providers holds the connection settings of the remote providers (the `providers:` section).
// Credentials never go here: each SDK finds them through its own chain (environment, files,
// metadata services). Each provider's settings type lives in its own file.
type Providers struct {
	Vault Vault `yaml:"vault"`
	AWS   AWS   `yaml:"aws"`
	GCP   GCP   `yaml:"gcp"`
	Azure Azure `yaml:"azure"`
}
