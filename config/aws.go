package config

// AWS is the `providers.aws` section: connection settings for AWS Secrets Manager (awssm://).
// Credentials never go here. Empty fields fall back to the AWS SDK's default chain: the
// environment (AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID, ...), the shared config and
// credentials files, SSO, web identity, and the ECS/EKS and EC2 metadata services.
type AWS struct {
	// Region is the default region for references that name neither ?region= nor an ARN.
	// Empty: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.
	Region string `yaml:"region"`
	// Profile selects a profile of the shared config files (~/.aws/config, ~/.aws/credentials).
	// Empty: AWS_PROFILE, then "default".
	Profile string `yaml:"profile"`
	// RoleARN, when set, is assumed with sts:AssumeRole using the credentials the chain found;
	// every read then uses the role's temporary credentials.
	RoleARN string `yaml:"role_arn"`
	// ExternalID is passed to sts:AssumeRole when the role's trust policy requires one.
	// It needs RoleARN.
	ExternalID string `yaml:"external_id"`
	// RoleSessionName names the assumed-role session in CloudTrail. Empty: "secretrun-<time>".
	// It needs RoleARN.
	RoleSessionName string `yaml:"role_session_name"`
	// AllowHTTP permits a plain http:// Secrets Manager or STS endpoint (AWS_ENDPOINT_URL,
	// endpoint_url in a profile) that is not on a loopback address. Off by default: such an
	// endpoint is refused before any request is sent.
	AllowHTTP bool `yaml:"allow_http"`
	// Agent, when set, is the address of an AWS Secrets Manager Agent (the local caching
	// service, e.g. http://localhost:2773). Secrets are then read through it with its SSRF token
	// (AWS_TOKEN, AWS_SESSION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN; file:// allowed), and
	// secretrun itself needs no AWS credentials, region or SDK configuration.
	Agent string `yaml:"agent"`
}
