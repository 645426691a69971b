package awssm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

// Names this package's files use for what it shares with the other AWS provider (ssm://)
// through providers/internal/awsconf.
type attemptLog = awsconf.AttemptLog

var (
	withAttemptLog    = awsconf.WithAttemptLog
	describeTransport = awsconf.DescribeTransport
	withSuffix        = awsconf.WithSuffix
	credentialVars    = awsconf.CredentialVars
)

const chainHint = awsconf.ChainHint

// load reads the SDK configuration once (awsconf.Load): the shared config files, the
// environment and the credential chain (constructed, not yet called). It makes no network call.
func (p *Provider) load(ctx context.Context) (aws.Config, error) {
	p.initOnce.Do(func() {
		p.awsCfg, p.initErr = awsconf.Load(ctx, Scheme, p.cfg, awsconf.Retry{MaxAttempts: p.opts.maxAttempts, MaxBackoff: p.opts.maxBackoff})
	})
	return p.awsCfg, p.initErr
}

// client returns the Secrets Manager client for region, sharing the configuration and thus the
// credentials cache: one authentication per run, whatever the number of regions.
func (p *Provider) client(cfg aws.Config, region string) *secretsmanager.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[region]; ok {
		return c
	}
	c := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		o.Region = region
		o.HTTPClient = awsconf.Guard(o.HTTPClient, p.cfg.AllowHTTP)
		o.APIOptions = append(o.APIOptions, awsconf.AddAttemptLog)
	})
	p.clients[region] = c
	return c
}

// credentialSource describes, for hints, where the configured chain gets credentials from.
func (p *Provider) credentialSource(cfg aws.Config) string {
	return awsconf.CredentialSource(cfg, p.cfg)
}
