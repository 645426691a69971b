package awssm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

// load reads the SDK configuration once (awsconf.Load): the shared config files, the
// environment and the credential chain (constructed, not yet called). It makes no network call.
func (p *Provider) load(ctx context.Context) (aws.Config, error) {
	p.initOnce.Do(func() { p.awsCfg, p.initErr = awsconf.Load(ctx, Scheme, p.cfg, p.opts.Retry) })
	return p.awsCfg, p.initErr
}

// client returns the Secrets Manager client for region, sharing the configuration and thus the
// credentials cache: one authentication per run, whatever the number of regions.
func (p *Provider) client(cfg aws.Config, region string) *secretsmanager.Client {
	return p.clients.Get(region, func() *secretsmanager.Client {
		return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
			o.Region = region
			o.HTTPClient = awsconf.Guard(o.HTTPClient, p.cfg.AllowHTTP)
			o.APIOptions = append(o.APIOptions, awsconf.AddAttemptLog)
		})
	})
}

// credentialSource describes, for hints, where the configured chain gets credentials from.
func (p *Provider) credentialSource(cfg aws.Config) string {
	return awsconf.CredentialSource(cfg, p.cfg)
}
