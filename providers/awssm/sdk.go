package awssm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

// load reads the SDK configuration once: the shared config files, the environment and the
// credential chain (constructed, not yet called). It makes no network call.
func (p *Provider) load(ctx context.Context) (aws.Config, error) {
	p.initOnce.Do(func() {
		opts := p.opts
		lo := []func(*awsconfig.LoadOptions) error{
			// The SDK must not write to secretrun's stderr; failures come back as errors.
			awsconfig.WithLogger(logging.Nop{}),
			awsconfig.WithRetryer(func() aws.Retryer {
				return retry.NewStandard(func(so *retry.StandardOptions) {
					so.MaxAttempts = opts.maxAttempts
					so.MaxBackoff = opts.maxBackoff
				})
			}),
		}
		if p.cfg.Region != "" {
			lo = append(lo, awsconfig.WithRegion(p.cfg.Region))
		}
		if p.cfg.Profile != "" {
			lo = append(lo, awsconfig.WithSharedConfigProfile(p.cfg.Profile))
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, lo...)
		if err != nil {
			// The SDK's text names files and profiles, never credential values.
			p.initErr = providers.WithHint(fmt.Errorf("awssm: cannot load the AWS configuration: %w: %v", providers.ErrDenied, err),
				"check AWS_PROFILE / providers.aws.profile and the files named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/config, ~/.aws/credentials)")
			return
		}
		if p.cfg.RoleARN != "" {
			stsCfg := cfg.Copy()
			if stsCfg.Region == "" {
				stsCfg.Region = "us-east-1" // STS is global; a regional endpoint is only an optimisation
			}
			stsClient := sts.NewFromConfig(stsCfg, func(o *sts.Options) {
				o.HTTPClient = &guardedClient{inner: o.HTTPClient, allowHTTP: p.cfg.AllowHTTP}
			})
			sessionName := p.cfg.RoleSessionName
			if sessionName == "" {
				sessionName = fmt.Sprintf("secretrun-%d", time.Now().Unix())
			}
			var baseSources []aws.CredentialSource
			if s, ok := cfg.Credentials.(aws.CredentialProviderSource); ok {
				baseSources = s.ProviderSources()
			}
			cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, p.cfg.RoleARN, func(o *stscreds.AssumeRoleOptions) {
				o.RoleSessionName = sessionName
				o.CredentialSources = baseSources
				if p.cfg.ExternalID != "" {
					o.ExternalID = aws.String(p.cfg.ExternalID)
				}
			}))
		}
		p.awsCfg = cfg
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
		o.HTTPClient = &guardedClient{inner: o.HTTPClient, allowHTTP: p.cfg.AllowHTTP}
		o.APIOptions = append(o.APIOptions, addAttemptLog)
	})
	p.clients[region] = c
	return c
}

// guardedClient refuses plain-http endpoints that are not on loopback unless allowHTTP is set, so
// that signed requests and secret values never cross a network in clear text by accident.
type guardedClient struct {
	inner interface {
		Do(*http.Request) (*http.Response, error)
	}
	allowHTTP bool
}

func (g *guardedClient) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.allowHTTP && !config.IsLoopbackHost(req.URL.Hostname()) {
		return nil, &insecureEndpointError{host: req.URL.Host}
	}
	resp, err := g.inner.Do(req)
	if err == nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) &&
		!strings.Contains(resp.Header.Get("Content-Type"), "json") {
		normalizeAuthError(resp)
	}
	return resp, err
}

// xmlErrorCodeRE finds the code of an XML error document (<Code>InvalidClientTokenId</Code>).
var xmlErrorCodeRE = lazyRegexp(`<Code>([A-Za-z0-9.]{1,64})</Code>`)

// normalizeAuthError rewrites a 401/403 answer that is not JSON (an XML error document from an
// emulator or an authenticating proxy, an HTML page from a firewall) into the JSON error shape of
// the Secrets Manager protocol, so that it is classified by its error code like any other:
// the SDK cannot decode it otherwise. Only refusals are rewritten; they carry no secret values.
func normalizeAuthError(resp *http.Response) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	_ = resp.Body.Close()
	code := fmt.Sprintf("HTTP%d", resp.StatusCode)
	if m := xmlErrorCodeRE().FindSubmatch(body); m != nil {
		code = string(m[1])
	}
	msg := fmt.Sprintf("HTTP %d answer that is not a Secrets Manager JSON error", resp.StatusCode)
	doc, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	resp.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp.Header.Set("X-Amzn-ErrorType", code)
	resp.Header.Del("Content-Length")
	resp.ContentLength = int64(len(doc))
	resp.Body = io.NopCloser(bytes.NewReader(doc))
}

// insecureEndpointError is returned for a refused plain-http endpoint. It is not retryable.
type insecureEndpointError struct{ host string }

func (e *insecureEndpointError) Error() string {
	return fmt.Sprintf("refusing plain http to %s (not a loopback address)", e.host)
}

// RetryableError tells the SDK's retryer not to retry.
func (e *insecureEndpointError) RetryableError() bool { return false }

// credentialSource describes, for hints, where the configured chain gets credentials from. It
// names sources and variables, never values.
func (p *Provider) credentialSource(cfg aws.Config) string {
	var parts []string
	if s, ok := cfg.Credentials.(aws.CredentialProviderSource); ok {
		seen := map[string]bool{}
		for _, src := range s.ProviderSources() {
			d := describeSource(src, p.cfg.Profile)
			if src == aws.CredentialSourceSTSAssumeRole && p.cfg.RoleARN != "" {
				d = fmt.Sprintf("role %s assumed with sts:AssumeRole (providers.aws.role_arn)", p.cfg.RoleARN)
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

func describeSource(src aws.CredentialSource, profile string) string {
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

// chainHint lists, in the SDK's order, every place the default chain looks for credentials.
const chainHint = "secretrun uses the AWS SDK's default credential chain: the environment (AWS_ACCESS_KEY_ID and " +
	"AWS_SECRET_ACCESS_KEY), a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), the shared files " +
	"~/.aws/credentials and ~/.aws/config (AWS_PROFILE or providers.aws.profile: static keys, SSO, credential_process, " +
	"role_arn), the ECS/EKS container endpoint (AWS_CONTAINER_CREDENTIALS_*), then the EC2 instance metadata service"
