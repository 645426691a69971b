// Package awsconf is what the AWS providers (awssm://, ssm://) share: loading the SDK
// configuration with the default credential chain, the profile, region and role_arn settings of
// `providers.aws`; the guard against plain-http endpoints; describing where credentials came from;
// and mapping failed calls to value-free errors with hints. It holds no service client: each
// provider builds its own from the aws.Config that Load returns.
package awsconf

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/secretrun/secretrun/providers"
)

// Retry is the SDK standard retryer's policy: at most MaxAttempts attempts per call with
// exponential backoff and full jitter capped at MaxBackoff.
type Retry struct {
	MaxAttempts int
	MaxBackoff  time.Duration
}

// Load reads the SDK configuration: the shared config files, the environment and the credential
// chain (constructed, not yet called), with s's region and profile, and s.RoleARN assumed over
// the chain's credentials when set. It makes no network call. scheme prefixes its errors.
func Load(ctx context.Context, scheme string, s Settings, r Retry) (aws.Config, error) {
	lo := []func(*awsconfig.LoadOptions) error{
		// The SDK must not write to secretrun's stderr; failures come back as errors.
		awsconfig.WithLogger(logging.Nop{}),
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = r.MaxAttempts
				so.MaxBackoff = r.MaxBackoff
			})
		}),
	}
	if s.Region != "" {
		lo = append(lo, awsconfig.WithRegion(s.Region))
	}
	if s.Profile != "" {
		lo = append(lo, awsconfig.WithSharedConfigProfile(s.Profile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		// The SDK's text names files and profiles, never credential values.
		return aws.Config{}, providers.WithHint(fmt.Errorf("%s: cannot load the AWS configuration: %w: %v", scheme, providers.ErrDenied, err),
			"check AWS_PROFILE / providers.aws.profile and the files named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/config, ~/.aws/credentials)")
	}
	if s.RoleARN != "" {
		stsCfg := cfg.Copy()
		if stsCfg.Region == "" {
			stsCfg.Region = "us-east-1" // STS is global; a regional endpoint is only an optimisation
		}
		stsClient := sts.NewFromConfig(stsCfg, func(o *sts.Options) {
			o.HTTPClient = Guard(o.HTTPClient, s.AllowHTTP)
		})
		sessionName := s.RoleSessionName
		if sessionName == "" {
			sessionName = fmt.Sprintf("secretrun-%d", time.Now().Unix())
		}
		var baseSources []aws.CredentialSource
		if cs, ok := cfg.Credentials.(aws.CredentialProviderSource); ok {
			baseSources = cs.ProviderSources()
		}
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, s.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = sessionName
			o.CredentialSources = baseSources
			if s.ExternalID != "" {
				o.ExternalID = aws.String(s.ExternalID)
			}
		}))
	}
	return cfg, nil
}

// Ready gets credentials from cfg's chain once, before any read, so that a missing or refused
// credential is one clear error (naming its source) rather than one per secret; the credentials
// cache then serves every client and call of the run. It returns the description of the source
// for later hints (CredentialSource).
func Ready(ctx context.Context, scheme string, s Settings, cfg aws.Config) (string, error) {
	if cfg.Credentials == nil {
		return "", providers.WithHint(fmt.Errorf("%s: no AWS credentials: %w", scheme, providers.ErrDenied), "%s", ChainHint)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return "", CredentialError(ctx, scheme, s, cfg, err)
	}
	return CredentialSource(cfg, s), nil
}
