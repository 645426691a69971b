// Package awssm is the AWS Secrets Manager provider: references of the form
//
//	awssm://NAME-or-ARN[?version_stage=STAGE|?version_id=ID][&region=REGION][#key]
//
// It owns everything that talks to Secrets Manager and STS and is the only package that imports
// the AWS SDK. Reads are batched with BatchGetSecretValue (up to 20 secrets a call, calls run
// concurrently with a bound), with single GetSecretValue calls for versioned references and as a
// fallback where BatchGetSecretValue is denied or unsupported. The SDK configuration and the
// credential chain are loaded on the first Fetch, never in New.
//
// It must not import cobra, viper, or another provider package.
package awssm

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

// Scheme is the reference scheme this provider serves.
const Scheme = "awssm"

// Reference options.
const (
	optVersionStage = "version_stage"
	optVersionID    = "version_id"
	optRegion       = "region"
)

// maxBatch is the most secret ids BatchGetSecretValue accepts in one call.
const maxBatch = 20

// Option changes how a Provider works. The defaults suit production; tests and benchmarks use
// options to tighten bounds.
type Option func(*options)

// options are the settings shared with ssm:// (awsconf.DefaultOptions).
type options = awsconf.Options

// WithConcurrency bounds the number of Secrets Manager calls in flight at once (default 8).
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

// Provider reads secrets from AWS Secrets Manager. It implements providers.Provider and
// providers.Validator. It is safe for concurrent use.
type Provider struct {
	cfg  awsconf.Settings
	opts options

	initOnce sync.Once
	awsCfg   aws.Config
	initErr  error

	clients awsconf.Clients[*secretsmanager.Client]

	// batchOff is set once BatchGetSecretValue was denied or is not supported by the endpoint;
	// from then on every read is a GetSecretValue.
	batchOff atomic.Bool
}

var (
	_ providers.Provider  = (*Provider)(nil)
	_ providers.Validator = (*Provider)(nil)
)

var (
	regionRE    = lazyRegexp(`^[a-z]{2,4}(-[a-z0-9]+)+-[0-9]+$`)
	secretARNRE = lazyRegexp(`^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):([0-9]{12}):secret:(.+)$`)
	nameRE      = lazyRegexp(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
	versionRE   = lazyRegexp(`^[A-Za-z0-9_+=.@-]{1,64}$`)
	stageRE     = lazyRegexp(`^[A-Za-z0-9_+=.@-]{1,256}$`)
)

// New returns a provider configured by cfg. It checks cfg but makes no network call and does not
// load the SDK configuration: that happens on the first Fetch.
func New(cfg awsconf.Settings, opts ...Option) (*Provider, error) {
	o := awsconf.DefaultOptions()
	for _, fn := range opts {
		fn(&o)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("awssm: providers.aws: %w", err)
	}
	return &Provider{cfg: cfg, opts: o}, nil
}

// Entry returns the registry entry of the AWS Secrets Manager provider configured by cfg.
//
// Its Credentials are the variables that hold AWS credential material (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, their legacy spellings AWS_ACCESS_KEY and
// AWS_SECRET_KEY, AWS_CONTAINER_AUTHORIZATION_TOKEN, and AWS_TOKEN when reading through the
// Secrets Manager Agent): when an awssm reference was resolved
// they are removed from the child's environment. Pointers such as AWS_PROFILE or
// AWS_WEB_IDENTITY_TOKEN_FILE are kept (see docs/providers/awssm.md). A child that needs the keys
// can map them back explicitly, e.g. `AWS_ACCESS_KEY_ID: env://AWS_ACCESS_KEY_ID`.
func Entry(cfg awsconf.Settings) providers.Entry {
	return providers.Entry{
		Scheme:      Scheme,
		Remote:      true,
		Summary:     "AWS Secrets Manager: awssm://NAME-or-ARN[?version_stage=S|version_id=V][&region=R][#key]",
		Credentials: credentialVarsFor(cfg),
		Open: func() (providers.Provider, error) {
			p, err := New(cfg)
			if err != nil {
				return nil, err // not a nil *Provider in a non-nil interface: Registry.Opened would list it
			}
			return p, nil
		},
	}
}

func credentialVarsFor(cfg awsconf.Settings) []string {
	vars := append([]string(nil), awsconf.CredentialVars...)
	if cfg.Agent != "" {
		vars = append(vars, "AWS_TOKEN") // the agent's SSRF token
	}
	return vars
}

// Validate checks a reference's path and options without I/O. Errors wrap
// providers.ErrInvalidRef.
func (p *Provider) Validate(ref providers.Ref) error {
	_, err := parseRef(ref)
	return err
}

// target is what one source (a Ref without its key) asks Secrets Manager for.
type target struct {
	id      string // name or ARN, as written
	stage   string
	version string
	region  string // from ?region= or the ARN; "" means the configured default
}

func (t target) batchable() bool { return t.stage == "" && t.version == "" }

func parseRef(ref providers.Ref) (target, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("awssm: %w: %s", providers.ErrInvalidRef, fmt.Sprintf(format, args...))
	}
	if ref.Scheme != Scheme {
		return target{}, invalid("scheme %q is not %s", ref.Scheme, Scheme)
	}
	t := target{id: ref.Path}
	opts, err := url.ParseQuery(ref.Query)
	if err != nil {
		return target{}, invalid("bad options")
	}
	var unknown []string
	for k, vs := range opts {
		if len(vs) != 1 {
			return target{}, invalid("option %q given %d times", k, len(vs))
		}
		switch k {
		case optVersionStage:
			t.stage = vs[0]
		case optVersionID:
			t.version = vs[0]
		case optRegion:
			t.region = vs[0]
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return target{}, invalid("unknown option %s (known: version_stage, version_id, region)", strings.Join(unknown, ", "))
	}
	if t.stage != "" && t.version != "" {
		return target{}, invalid("use version_stage or version_id, not both")
	}
	if opts.Has(optVersionStage) && !stageRE().MatchString(t.stage) {
		return target{}, invalid("version_stage %q is not a staging label", t.stage)
	}
	if opts.Has(optVersionID) && !versionRE().MatchString(t.version) {
		return target{}, invalid("version_id %q is not a version id", t.version)
	}
	if opts.Has(optRegion) && !regionRE().MatchString(t.region) {
		return target{}, invalid("region %q is not an AWS region name (like eu-west-1)", t.region)
	}
	if strings.HasPrefix(t.id, "arn:") {
		m := secretARNRE().FindStringSubmatch(t.id)
		if m == nil {
			return target{}, invalid("%q is not a Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)", t.id)
		}
		if t.region != "" && t.region != m[2] {
			return target{}, invalid("region=%s contradicts the ARN's region %s", t.region, m[2])
		}
		t.region = m[2]
		if !nameRE().MatchString(m[4]) {
			return target{}, invalid("the ARN's secret name %q has characters a secret name cannot have", m[4])
		}
		return t, nil
	}
	if !nameRE().MatchString(t.id) {
		return target{}, invalid("%q is not a secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -) or ARN", t.id)
	}
	return t, nil
}
