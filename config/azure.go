package config

// Azure is the `providers.azure` section.
type Azure struct {
	// Vault is the default Key Vault name.
	Vault string `yaml:"vault"`
}
