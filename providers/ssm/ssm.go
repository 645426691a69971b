// Package ssm is the AWS Systems Manager Parameter Store provider: references of the form
//
//	ssm://NAME[?version=N|?label=LABEL][&region=REGION][#key]
//	ssm:///path/to/name[?...][#key]          (the hierarchical parameter /path/to/name)
//	ssm://arn:aws:ssm:REGION:ACCOUNT:parameter/path/to/name[?...][#key]
//
// The path after ssm:// is the parameter's name exactly as Parameter Store spells it, so a
// hierarchical name, which starts with '/', is written with three slashes. SecureString values
// are decrypted (WithDecryption); StringList values come as written (comma-separated). Reads are
// batched with GetParameters, up to 10 names a call (versions and labels included, as NAME:N and
// NAME:LABEL selectors), calls run concurrently with a bound.
//
// It shares the AWS credential chain, region, role_arn and endpoint settings (`providers.aws`)
// with awssm:// through providers/internal/awsconf. The SDK configuration and the credential
// chain are loaded on the first Fetch, never in New.
//
// It must not import cobra, viper, or another provider package.
package ssm

import (
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

// Scheme is the reference scheme this provider serves.
const Scheme = "ssm"

// maxBatch is the most names GetParameters accepts in one call.
const maxBatch = 10

// Option changes how a Provider works. The defaults suit production; tests use options to
// tighten bounds.
type Option func(*options)

// options are the settings shared with awssm:// (awsconf.DefaultOptions).
type options = awsconf.Options

// WithConcurrency bounds the number of Parameter Store calls in flight at once (default 8).
func WithConcurrency(n int) Option {
	return func(o *options) { o.SetConcurrency(n) }
}

// WithRetry sets the SDK's standard retryer: at most maxAttempts attempts per call (default 4;
// 1 disables retries) with exponential backoff and full jitter capped at maxBackoff (default
// 2s). Only retryable errors (throttling, 5xx, connection errors, timeouts) are retried, and never
// past the deadline of Fetch's context.
func WithRetry(maxAttempts int, maxBackoff time.Duration) Option {
	return func(o *options) { o.SetRetry(maxAttempts, maxBackoff) }
}

// Provider reads parameters from AWS SSM Parameter Store. It implements providers.Provider and
// providers.Validator. It is safe for concurrent use.
type Provider struct {
	cfg  awsconf.Settings
	opts options

	initOnce sync.Once
	awsCfg   aws.Config
	initErr  error

	clients awsconf.Clients[*ssm.Client]
}

var (
	_ providers.Provider  = (*Provider)(nil)
	_ providers.Validator = (*Provider)(nil)
)

// New returns a provider configured by cfg (the `providers.aws` section it shares with
// awssm://). It checks cfg but makes no network call and does not load the SDK configuration:
// that happens on the first Fetch.
func New(cfg awsconf.Settings, opts ...Option) (*Provider, error) {
	o := awsconf.DefaultOptions()
	for _, fn := range opts {
		fn(&o)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ssm: providers.aws: %w", err)
	}
	return &Provider{cfg: cfg, opts: o}, nil
}

// Entry returns the registry entry of the Parameter Store provider configured by cfg.
//
// Its Credentials are the variables that hold AWS credential material (awsconf.CredentialVars:
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, their legacy spellings and
// AWS_CONTAINER_AUTHORIZATION_TOKEN): when an ssm reference was resolved they are removed from
// the child's environment, as for awssm://.
func Entry(cfg awsconf.Settings) providers.Entry {
	return providers.Entry{
		Scheme:      Scheme,
		Remote:      true,
		Summary:     "AWS SSM Parameter Store: ssm://NAME or ssm:///path/to/name[?version=N|label=L][&region=R][#key]",
		Credentials: append([]string(nil), awsconf.CredentialVars...),
		Open: func() (providers.Provider, error) {
			p, err := New(cfg)
			if err != nil {
				return nil, err // not a nil *Provider in a non-nil interface: Registry.Opened would list it
			}
			return p, nil
		},
	}
}

// Validate checks a reference's path and options without I/O. Errors wrap
// providers.ErrInvalidRef.
func (p *Provider) Validate(ref providers.Ref) error {
	_, err := parseRef(ref)
	return err
}
