package config

// Vault is the `providers.vault` section. Empty fields fall back to the VAULT_* environment
// variables that the Vault CLI uses.
type Vault struct {
	Address   string    `yaml:"address"`
	Namespace string    `yaml:"namespace"`
	Auth      VaultAuth `yaml:"auth"`
}

// VaultAuth selects how secretrun logs in to Vault.
type VaultAuth struct {
	// Method is token (default), approle, kubernetes or jwt.
	Method string `yaml:"method"`
}
