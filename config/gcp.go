package config

// GCP is the `providers.gcp` section: connection settings for GCP Secret Manager (`gcpsm://`).
// Credentials never go here: the client uses Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS, the gcloud ADC file, or the metadata server).
type GCP struct {
	// Project is used for references that name a secret without projects/P/ (gcpsm://NAME).
	// When empty, the project comes from GOOGLE_CLOUD_PROJECT or the Application Default
	// Credentials (a service account key's project_id, or the metadata server).
	Project string `yaml:"project"`

	// Endpoint is the host:port of the Secret Manager gRPC API, for private endpoints
	// (Private Service Connect) and local emulators. Empty means the public endpoint
	// secretmanager.googleapis.com:443.
	Endpoint string `yaml:"endpoint"`

	// Plaintext talks to Endpoint without TLS and without credentials, as emulators expect.
	// It is refused unless Endpoint's host is a loopback address (127.0.0.0/8, ::1 or
	// localhost), or AllowRemotePlaintext is set too.
	Plaintext bool `yaml:"plaintext"`

	// AllowRemotePlaintext permits Plaintext to a host that is not loopback (for example an
	// emulator in a sibling container). Traffic, secret values included, is then readable on
	// the network.
	AllowRemotePlaintext bool `yaml:"allow_remote_plaintext"`
}
