package ssm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

// load reads the SDK configuration once (awsconf.Load).
func (p *Provider) load(ctx context.Context) (aws.Config, error) {
	p.initOnce.Do(func() { p.awsCfg, p.initErr = awsconf.Load(ctx, Scheme, p.cfg, p.opts.Retry) })
	return p.awsCfg, p.initErr
}

// client returns the Parameter Store client for region, sharing the configuration and thus the
// credentials cache: one authentication per run, whatever the number of regions.
func (p *Provider) client(cfg aws.Config, region string) *ssm.Client {
	return p.clients.Get(region, func() *ssm.Client {
		return ssm.NewFromConfig(cfg, func(o *ssm.Options) {
			o.Region = region
			o.HTTPClient = awsconf.Guard(o.HTTPClient, p.cfg.AllowHTTP)
			o.APIOptions = append(o.APIOptions, awsconf.AddAttemptLog)
		})
	})
}
