package config

// GCP is the `providers.gcp` section.
type GCP struct {
	// Project is used for references that name a secret without projects/P/.
	Project string `yaml:"project"`
}
