package config

// AWS is the `providers.aws` section. Empty fields fall back to the SDK's default chain.
type AWS struct {
	Region string `yaml:"region"`
}
