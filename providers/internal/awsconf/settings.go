package awsconf

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/secretrun/secretrun/providers/internal/netaddr"
)

// Settings is the `providers.aws` section of the configuration file: connection settings for AWS
// Secrets Manager (awssm://) and SSM Parameter Store (ssm://), which share them: one account,
// region and role for both. providers/all decodes the section strictly (config.Section.Decode,
// which runs Validate) for each of the two stores; the user's description is
// docs/providers/awssm.md, "Configuration" (docs/providers/ssm.md points there).
// Credentials never go here. Empty fields fall back to the AWS SDK's default chain: the
// environment (AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID, ...), the shared config and
// credentials files, SSO, web identity, and the ECS/EKS and EC2 metadata services.
type Settings struct {
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
	// AllowHTTP permits a plain http:// Secrets Manager, Parameter Store or STS endpoint
	// (AWS_ENDPOINT_URL, endpoint_url in a profile) that is not on a loopback address. Off by
	// default: such an endpoint is refused before any request is sent.
	AllowHTTP bool `yaml:"allow_http"`
	// Agent, when set, is the address of an AWS Secrets Manager Agent (the local caching
	// service, e.g. http://localhost:2773). Secrets are then read through it with its SSRF token
	// (AWS_TOKEN, AWS_SESSION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN; file:// allowed), and
	// secretrun itself needs no AWS credentials, region or SDK configuration. It applies to
	// awssm:// only (the agent serves no parameters): ssm:// always reads through the SDK.
	Agent string `yaml:"agent"`
}

var (
	awsRegionRE  = lazyRegexp(`^[a-z]{2,4}(-[a-z0-9]+)+-[0-9]+$`)
	awsRoleARNRE = lazyRegexp(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`)
)

// Validate checks the section's fields without I/O: the region and role ARN are well formed,
// external_id and role_session_name come with role_arn, and agent is an http(s) address that
// is not combined with settings only the SDK path uses. All problems are reported together.
func (a *Settings) Validate() error {
	var problems []string
	if a.Region != "" && !awsRegionRE().MatchString(a.Region) {
		problems = append(problems, fmt.Sprintf("region: %q is not an AWS region name (like eu-west-1)", a.Region))
	}
	if a.RoleARN != "" && !awsRoleARNRE().MatchString(a.RoleARN) {
		problems = append(problems, fmt.Sprintf("role_arn: %q is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", a.RoleARN))
	}
	if a.RoleARN == "" && a.ExternalID != "" {
		problems = append(problems, "external_id needs role_arn")
	}
	if a.RoleARN == "" && a.RoleSessionName != "" {
		problems = append(problems, "role_session_name needs role_arn")
	}
	if a.Agent != "" {
		u, err := url.Parse(a.Agent)
		if shown, hidden := netaddr.Show(a.Agent); hidden {
			problems = append(problems, fmt.Sprintf("agent: %s holds user information, which is not shown; the agent authenticates with its SSRF token, never with credentials in its address", shown))
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("agent: %q is not an http(s)://HOST:PORT address (e.g. http://localhost:2773)", a.Agent))
		}
		if a.RoleARN != "" || a.Profile != "" {
			problems = append(problems, "agent reads with the agent's own credentials: drop role_arn and profile, or drop agent")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
