package vault

// Settings is the `providers.vault` section of the configuration file: how to reach HashiCorp
// Vault (or a Vault Agent/Proxy) and how to log in. Empty fields fall back to the environment
// variables the Vault CLI uses (VAULT_ADDR, VAULT_NAMESPACE, VAULT_CACERT, VAULT_CAPATH,
// VAULT_SKIP_VERIFY, VAULT_TOKEN, ~/.vault-token). providers/all decodes the section strictly
// (config.Section.Decode) and passes it to Entry; the user's description is
// docs/providers/vault.md, "Configuration".
type Settings struct {
	// Address is the Vault URL, e.g. https://vault.example.com:8200 (default $VAULT_ADDR, then
	// https://127.0.0.1:8200). unix:///path/agent.sock reaches a Vault Agent/Proxy socket.
	Address string `yaml:"address"`
	// Namespace is the Vault Enterprise namespace (default $VAULT_NAMESPACE).
	Namespace string `yaml:"namespace"`
	// CACert is a PEM file of CA certificates to trust (default $VAULT_CACERT).
	CACert string `yaml:"ca_cert"`
	// CAPath is a directory of PEM CA certificates to trust (default $VAULT_CAPATH).
	CAPath string `yaml:"ca_path"`
	// TLSSkipVerify disables TLS certificate verification (default $VAULT_SKIP_VERIFY). Testing only.
	TLSSkipVerify bool `yaml:"tls_skip_verify"`
	// AllowHTTP permits plain http:// to a non-loopback address. Off by default: a token sent
	// in clear text over a network is a leaked token.
	AllowHTTP bool `yaml:"allow_http"`
	// RevokeOnExit revokes every lease secretrun obtained and the token it created by logging
	// in, when the child exits. Default true; set false to leave them to expire on their own.
	RevokeOnExit *bool `yaml:"revoke_on_exit"`
	// MaxParallel bounds the number of reads in flight at once (default 128).
	MaxParallel int `yaml:"max_parallel"`
	// Auth selects how secretrun logs in.
	Auth AuthSettings `yaml:"auth"`
}

// AuthSettings (`providers.vault.auth`) selects how secretrun logs in to Vault. Secretrun logs in once per run and reuses the
// token for every read.
type AuthSettings struct {
	// Method is token (default), approle, kubernetes, jwt, or none (a Vault Agent/Proxy with
	// auto-auth adds the token itself).
	Method string `yaml:"method"`
	// Mount is the auth method's mount path (default: the method's name, e.g. approle).
	Mount string `yaml:"mount"`
	// Role is the role to log in as (kubernetes: required; jwt: default the mount's default_role).
	Role string `yaml:"role"`

	// TokenFile (method token) is a file holding the token; default $VAULT_TOKEN, then ~/.vault-token.
	TokenFile string `yaml:"token_file"`

	// RoleID (method approle) is the AppRole role id (not a secret by itself); default
	// role_id_file, then $VAULT_ROLE_ID.
	RoleID string `yaml:"role_id"`
	// RoleIDFile (method approle) is a file holding the role id.
	RoleIDFile string `yaml:"role_id_file"`
	// SecretIDFile (method approle) is a file holding the secret id; default $VAULT_SECRET_ID.
	SecretIDFile string `yaml:"secret_id_file"`

	// JWTFile (methods jwt and kubernetes) is a file holding the JWT. For kubernetes the default
	// is /var/run/secrets/kubernetes.io/serviceaccount/token.
	JWTFile string `yaml:"jwt_file"`
	// JWTEnv (method jwt) names an environment variable holding the JWT, e.g. a CI job's
	// OIDC identity token (GitLab: VAULT_ID_TOKEN). It is removed from the child's environment.
	JWTEnv string `yaml:"jwt_env"`
}
