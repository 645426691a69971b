package awsconf

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go"

	"github.com/secretrun/secretrun/providers"
)

// CredentialVars are the environment variables holding AWS credential material that the SDK
// reads. A provider that used them lists them in its registry entry, and they are removed from
// the child. Pointers to credentials (AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN,
// AWS_CONTAINER_CREDENTIALS_*_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) stay: removing them
// would protect nothing, since the child can read the same files and endpoints, and would break
// AWS programs run as children.
var CredentialVars = []string{
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_ACCESS_KEY",                    // legacy spelling the SDK still reads
	"AWS_SECRET_KEY",                    // legacy spelling the SDK still reads
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", // bearer token for the container credentials endpoint
}

// ChainHint lists, in the SDK's order, every place the default chain looks for credentials.
const ChainHint = "secretrun uses the AWS SDK's default credential chain: the environment (AWS_ACCESS_KEY_ID and " +
	"AWS_SECRET_ACCESS_KEY), a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), the shared files " +
	"~/.aws/credentials and ~/.aws/config (AWS_PROFILE or providers.aws.profile: static keys, SSO, credential_process, " +
	"role_arn), the ECS/EKS container endpoint (AWS_CONTAINER_CREDENTIALS_*), then the EC2 instance metadata service"

// CredentialSource describes, for hints, where cfg's chain gets credentials from. It names
// sources and variables, never values.
func CredentialSource(cfg aws.Config, s Settings) string {
	var parts []string
	if cs, ok := cfg.Credentials.(aws.CredentialProviderSource); ok {
		seen := map[string]bool{}
		for _, src := range cs.ProviderSources() {
			d := DescribeSource(src, s.Profile)
			if src == aws.CredentialSourceSTSAssumeRole && s.RoleARN != "" {
				d = fmt.Sprintf("role %s assumed with sts:AssumeRole (providers.aws.role_arn)", s.RoleARN)
			}
			if d != "" && !seen[d] {
				seen[d] = true
				parts = append(parts, d)
			}
		}
	}
	if len(parts) == 0 {
		return "the AWS SDK's default credential chain"
	}
	return strings.Join(parts, ", then ")
}

// DescribeSource names one credential source of the chain; profile is the configured profile
// ("" for the default or AWS_PROFILE).
func DescribeSource(src aws.CredentialSource, profile string) string {
	prof := "the default profile (or AWS_PROFILE)"
	if profile != "" {
		prof = fmt.Sprintf("profile %q", profile)
	}
	switch src {
	case aws.CredentialSourceCode:
		return "credentials set in code"
	case aws.CredentialSourceEnvVars:
		return "credentials from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)"
	case aws.CredentialSourceEnvVarsSTSWebIDToken:
		return "a web identity token from the environment (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)"
	case aws.CredentialSourceSTSAssumeRole:
		return "an assumed role (sts:AssumeRole)"
	case aws.CredentialSourceSTSAssumeRoleWebID:
		return "an assumed role with web identity (sts:AssumeRoleWithWebIdentity)"
	case aws.CredentialSourceProfile:
		return "static credentials of " + prof + " in the shared files (~/.aws/credentials, ~/.aws/config)"
	case aws.CredentialSourceProfileSourceProfile:
		return "the source_profile of " + prof
	case aws.CredentialSourceProfileNamedProvider:
		return "the credential_source of " + prof
	case aws.CredentialSourceProfileSTSWebIDToken:
		return "the web_identity_token_file of " + prof
	case aws.CredentialSourceProfileSSO, aws.CredentialSourceSSO, aws.CredentialSourceProfileSSOLegacy, aws.CredentialSourceSSOLegacy:
		return "the IAM Identity Center (SSO) session of " + prof + " (run `aws sso login` if it expired)"
	case aws.CredentialSourceProfileProcess, aws.CredentialSourceProcess:
		return "the credential_process of " + prof
	case aws.CredentialSourceHTTP:
		return "the container credentials endpoint (ECS task role or EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_*)"
	case aws.CredentialSourceIMDS:
		return "the EC2 instance metadata service (instance profile role)"
	case aws.CredentialSourceProfileLogin, aws.CredentialSourceLogin:
		return "the `aws login` session of " + prof
	}
	return ""
}

// CredentialError maps a failure to get credentials from cfg's chain. scheme prefixes it.
func CredentialError(ctx context.Context, scheme string, s Settings, cfg aws.Config, err error) error {
	src := CredentialSource(cfg, s)
	if ctx.Err() != nil {
		return providers.WithHint(fmt.Errorf("%s: getting AWS credentials: %w: %s", scheme, providers.ErrUnavailable, DescribeTransport(ctx, err)),
			"secretrun was getting credentials from %s", src)
	}
	var ae smithy.APIError
	if s.RoleARN != "" && errors.As(err, &ae) {
		if unavailableCodes[ae.ErrorCode()] {
			return fmt.Errorf("%s: assuming role %s: %w: %s (%s)", scheme, s.RoleARN, providers.ErrUnavailable, Shorten(ae.ErrorMessage()), ae.ErrorCode())
		}
		return providers.WithHint(fmt.Errorf("%s: assuming role %s: %w: %s (%s)", scheme, s.RoleARN, providers.ErrDenied, Shorten(ae.ErrorMessage()), ae.ErrorCode()),
			"secretrun used %s; that identity needs sts:AssumeRole on %s, and the role's trust policy must allow it%s",
			src, s.RoleARN, map[bool]string{true: " with the configured external_id", false: ""}[s.ExternalID != ""])
	}
	var ie *InsecureEndpointError
	if errors.As(err, &ie) {
		return providers.WithHint(fmt.Errorf("%s: getting AWS credentials: %w: %s", scheme, providers.ErrDenied, ie.Error()),
			"use an https endpoint, or set providers.aws.allow_http: true if plain http is intended")
	}
	if IsTransport(err) {
		return providers.WithHint(fmt.Errorf("%s: getting AWS credentials: %w: %s", scheme, providers.ErrUnavailable, DescribeTransport(ctx, err)),
			"secretrun was getting credentials from %s", src)
	}
	if processOutputError(err) {
		return providers.WithHint(fmt.Errorf("%s: no usable AWS credentials from %s: %w: the credential_process printed output that is not valid credentials JSON (not shown: it may hold credentials)", scheme, src, providers.ErrDenied),
			"run the profile's credential_process by hand and check that it prints {\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...} with Expiration, if any, in RFC 3339")
	}
	// No usable credentials: the chain ended without finding any, or a source was misconfigured.
	// The SDK's message names files, profiles and sources, never credential values (except the
	// credential_process parse error above, which quotes the process's whole output).
	if src == DescribeSource(aws.CredentialSourceIMDS, "") {
		// Nothing configured anywhere: the chain fell through to the metadata service.
		return providers.WithHint(fmt.Errorf("%s: no AWS credentials found (the default chain ended at the EC2 instance metadata service): %w: %s", scheme, providers.ErrDenied, Shorten(err.Error())),
			"%s", ChainHint)
	}
	return providers.WithHint(fmt.Errorf("%s: no usable AWS credentials from %s: %w: %s", scheme, src, providers.ErrDenied, Shorten(err.Error())),
		"%s", ChainHint)
}

// processOutputError reports whether err is the credential_process provider failing to decode
// the process's output. The SDK's text for it quotes that output whole, access key and secret
// key included, so it must never be shown. The decoder's error can be of any type (a JSON syntax
// or type error, a time.ParseError, or a plain error from time.Time.UnmarshalJSON for an
// Expiration that is not a string), so it is recognised by elimination: the provider's other
// errors either wrap nothing (its fixed messages) or wrap the failure to run the process.
func processOutputError(err error) bool {
	var pe *processcreds.ProviderError
	if !errors.As(err, &pe) {
		return false
	}
	inner := errors.Unwrap(pe.Err)
	if inner == nil {
		return false
	}
	var (
		exitErr *exec.ExitError
		execErr *exec.Error
		pathErr *fs.PathError
	)
	ran := errors.As(inner, &exitErr) || errors.As(inner, &execErr) || errors.As(inner, &pathErr) ||
		errors.Is(inner, context.DeadlineExceeded) || errors.Is(inner, context.Canceled)
	return !ran
}
