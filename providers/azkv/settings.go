package azkv

// Settings is the `providers.azure` section of the configuration file: connection settings for
// Azure Key Vault (`azkv://`). providers/all decodes the section strictly
// (config.Section.Decode) and passes it to Entry; the user's description is
// docs/providers/azkv.md, "Configuration".
//
// Credentials never go here: the client uses azidentity's DefaultAzureCredential (environment
// variables AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET or a certificate, workload
// identity, managed identity — AZURE_CLIENT_ID selects a user-assigned one — then the Azure CLI).
type Settings struct {
	// Vault is the default Key Vault, used by references that name only a secret
	// (azkv://SECRET; a version needs the vault spelled out: azkv://VAULT/SECRET/VERSION).
	// A vault name ("acme-kv", reached at https://acme-kv.<dns suffix>) or a full host name
	// ("acme-kv.vault.azure.net").
	Vault string `yaml:"vault"`

	// Cloud selects the Azure cloud: "public" (the default), "china" or "usgov". It sets the
	// Key Vault DNS suffix (vault.azure.net, vault.azure.cn, vault.usgovcloudapi.net) and the
	// Microsoft Entra authority the credentials sign in to.
	Cloud string `yaml:"cloud"`

	// DNSSuffix overrides the Key Vault DNS suffix of Cloud, for other sovereign or private
	// clouds (for example "vault.azurestack.example"). Vault names become
	// https://NAME.<dns_suffix>, and full host names in references must end in it (or in a
	// suffix of a known cloud).
	DNSSuffix string `yaml:"dns_suffix"`

	// TenantID is the Microsoft Entra tenant the Azure CLI and workload identity credentials
	// sign in to, when it is not the CLI's default. Key Vault's own authentication challenge
	// names the vault's tenant, which is normally all that is needed.
	TenantID string `yaml:"tenant_id"`
}
