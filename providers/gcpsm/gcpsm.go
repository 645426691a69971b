package gcpsm

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"sync"
	"sync/atomic"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/secretrun/secretrun/providers"
)

// Scheme is the reference scheme this provider serves.
const Scheme = "gcpsm"

// MaxConcurrent is the most AccessSecretVersion calls one Fetch has in flight at once. They
// share one gRPC connection (HTTP/2 streams), so this bounds load on the store, not sockets.
const MaxConcurrent = 32

// Retries of UNAVAILABLE and RESOURCE_EXHAUSTED: at most maxAttempts calls per secret, with
// full-jitter exponential backoff starting at retryInitial, and never past the context's
// deadline. The SDK's own default (2 s initial backoff, unlimited attempts until a 60 s call
// timeout) is replaced because secretrun's --timeout is the only budget that counts.
//
// All retries of one Fetch also share a budget of one retry per distinct source plus
// retryBudgetExtra, so that an outage or an exhausted quota costs about two calls per secret,
// not maxAttempts.
const (
	maxAttempts      = 5
	retryInitial     = 250 * time.Millisecond
	retryMax         = 4 * time.Second
	retryBudgetExtra = 8
)

// Provider reads secrets from GCP Secret Manager. It is safe for concurrent use. Create it with
// [New]; it makes no network call and creates no client until the first Fetch.
type Provider struct {
	cfg        Settings
	clientOpts []option.ClientOption
	backoff    gax.Backoff
	attempts   int
	extra      int64 // retryBudgetExtra

	mu      sync.Mutex
	client  *secretmanager.Client
	project string // default project for gcpsm://SECRET refs, once resolved
	closed  bool
}

// Option configures a Provider.
type Option func(*Provider)

// WithClientOptions adds options for the Secret Manager client, after those secretrun derives
// from the configuration. When any are given, secretrun leaves authentication to them and does
// not look up a default project in Application Default Credentials. Tests use it to reach a server on 127.0.0.1 without credentials:
//
//	gcpsm.WithClientOptions(option.WithEndpoint(addr), option.WithoutAuthentication(),
//		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
func WithClientOptions(opts ...option.ClientOption) Option {
	return func(p *Provider) { p.clientOpts = append(p.clientOpts, opts...) }
}

var (
	_ providers.Provider  = (*Provider)(nil)
	_ providers.Validator = (*Provider)(nil)
	_ providers.Closer    = (*Provider)(nil)
)

// New checks cfg and returns a Provider. It does no I/O: the client is created, and
// credentials are found, on the first Fetch.
func New(cfg Settings, opts ...Option) (*Provider, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	p := &Provider{
		cfg:      cfg,
		backoff:  gax.Backoff{Initial: retryInitial, Max: retryMax, Multiplier: 2},
		attempts: maxAttempts,
		extra:    retryBudgetExtra,
	}
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// checkConfig validates the providers.gcp section (decoding the file's section does the same;
// New repeats it for settings built in code).
func checkConfig(cfg Settings) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("providers.gcp: %w", err)
	}
	return nil
}

// Entry describes the provider for the registry. Open calls [New] with cfg.
//
// Credentials is empty on purpose: GOOGLE_APPLICATION_CREDENTIALS holds a path, not a
// credential, and the child could find the gcloud ADC file or the metadata server anyway, so
// removing it would only break children that use Google Cloud themselves. A profile that wants
// it gone says deny: ["GOOGLE_APPLICATION_CREDENTIALS"].
func Entry(cfg Settings) providers.Entry {
	return providers.Entry{
		Scheme:  Scheme,
		Remote:  true,
		Summary: "GCP Secret Manager: gcpsm://projects/P/secrets/S[/versions/V] or gcpsm://S (Application Default Credentials)",
		Open: func() (providers.Provider, error) {
			p, err := New(cfg)
			if err != nil {
				return nil, err
			}
			return p, nil
		},
	}
}

// Validate checks a reference's path and options without I/O.
func (p *Provider) Validate(ref providers.Ref) error {
	_, err := parseName(ref)
	return err
}

// Fetch resolves refs: one AccessSecretVersion per distinct secret version, at most
// MaxConcurrent at a time, each bounded by ctx. See [providers.Provider].
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	// Retries share a budget per Fetch, one per distinct source plus p.extra: a blip is retried,
	// but an outage or an exhausted quota is not hammered with maxAttempts calls for every secret.
	budget := new(atomic.Int64)
	budget.Store(p.extra)
	// FetchValid validates every ref before the first read, so names is complete (and no
	// longer written) when fetch reads it.
	names := make(map[providers.Ref]name)
	validate := func(r providers.Ref) error {
		n, err := parseName(r)
		if err != nil {
			return err
		}
		if _, ok := names[r.Source()]; !ok {
			names[r.Source()] = n
			budget.Add(1)
		}
		return nil
	}
	// The first read creates the client, and the first read of a gcpsm://SECRET ref resolves the
	// default project: a batch of invalid refs needs neither.
	client := sync.OnceValues(func() (*secretmanager.Client, error) { return p.getClient(ctx) })
	project := sync.OnceValues(func() (string, error) { return p.defaultProject(ctx) })

	// Refs that differ in spelling but name the same version (gcpsm://S and
	// gcpsm://projects/P/secrets/S/versions/latest) share one read.
	var fmu sync.Mutex
	flights := make(map[string]*flight)
	fetch := func(ctx context.Context, src providers.Ref) ([]byte, string, error) {
		c, err := client()
		if err != nil {
			return nil, "", err
		}
		n, proj := names[src], ""
		if n.Project == "" {
			if proj, err = project(); err != nil {
				return nil, "", err
			}
		}
		res := n.resource(proj)
		fmu.Lock()
		f, ok := flights[res]
		if !ok {
			f = new(flight)
			flights[res] = f
		}
		fmu.Unlock()
		f.once.Do(func() { f.value, f.version, f.err = p.access(ctx, c, res, budget) })
		return f.value, f.version, f.err
	}
	return providers.FetchValid(ctx, refs, validate, MaxConcurrent, fetch, nil)
}

type flight struct {
	once    sync.Once
	value   []byte
	version string
	err     error
}

// access reads one version. Errors name the resource and wrap a providers sentinel.
func (p *Provider) access(ctx context.Context, client *secretmanager.Client, resource string, budget *atomic.Int64) ([]byte, string, error) {
	rt := &retryer{inner: gax.OnCodes(retryCodes, p.backoff), max: p.attempts, budget: budget}
	resp, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: resource},
		gax.WithRetry(func() gax.Retryer { return rt }))
	if err != nil {
		return nil, "", fmt.Errorf("access %s: %w", resource, p.classify(ctx, resource, err, rt))
	}
	payload := resp.GetPayload()
	data := payload.GetData()
	// Secret Manager stores a checksum for every version (it computes one when the writer sent
	// none), so a mismatch means corruption. Emulators are the exception: v1.7.1 returns 0 for a
	// version added without a checksum, so on a plaintext (emulator) endpoint 0 means "none".
	sum := payload.GetDataCrc32C()
	emulatorNone := p.cfg.Plaintext && sum == 0
	// MakeTable here, not in a package variable: it builds the table once, on the first read,
	// rather than at the start of every run.
	if payload.DataCrc32C != nil && !emulatorNone && int64(crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))) != sum {
		return nil, "", fmt.Errorf("access %s: %w: payload corrupted in transit (CRC32C mismatch)", resource, providers.ErrUnavailable)
	}
	return data, versionOf(resp.GetName()), nil
}

// getClient creates the client on first use. Creation finds Application Default Credentials
// (local files, or a probe of the metadata server), so it is bounded by ctx too.
func (p *Provider) getClient(ctx context.Context) (*secretmanager.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("%w: provider is closed", providers.ErrUnavailable)
	}
	if p.client != nil {
		return p.client, nil
	}
	opts := []option.ClientOption{option.WithTelemetryDisabled(), option.WithUserAgent("secretrun")}
	if p.cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(p.cfg.Endpoint))
	}
	if p.cfg.Plaintext {
		opts = append(opts, option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	}
	opts = append(opts, p.clientOpts...)

	type result struct {
		c   *secretmanager.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := secretmanager.NewClient(context.WithoutCancel(ctx), opts...)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, providers.WithHint(
				fmt.Errorf("%w: cannot create the Secret Manager client: %s", providers.ErrDenied, oneLine(r.err.Error())),
				"%s", noCredentialsHint())
		}
		p.client = r.c
		return r.c, nil
	case <-ctx.Done():
		go func() { // let a late client go
			if r := <-ch; r.c != nil {
				_ = r.c.Close()
			}
		}()
		return nil, fmt.Errorf("%w: finding credentials did not finish in time: %w", providers.ErrUnavailable, context.Cause(ctx))
	}
}

// Close releases the client's connection. It is safe to call more than once.
func (p *Provider) Close(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.client == nil {
		return nil
	}
	err := p.client.Close()
	p.client = nil
	return err
}

// defaultProject returns the project for gcpsm://SECRET refs: providers.gcp.project, else
// GOOGLE_CLOUD_PROJECT, else the project of the Application Default Credentials.
func (p *Provider) defaultProject(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.project != "" {
		return p.project, nil
	}
	project := p.cfg.Project
	if project == "" {
		project = os.Getenv("GOOGLE_CLOUD_PROJECT")
	}
	if project == "" && !p.cfg.Plaintext && len(p.clientOpts) == 0 {
		project = adcProject(ctx)
	}
	if project == "" {
		return "", providers.WithHint(
			fmt.Errorf("%w: no project for a reference without projects/P/", providers.ErrInvalidRef),
			"set providers.gcp.project in the config (or GOOGLE_CLOUD_PROJECT), or write the full name gcpsm://projects/PROJECT/secrets/SECRET")
	}
	if !projectRE().MatchString(project) {
		return "", fmt.Errorf("%w: default project %q is not a project ID or number", providers.ErrInvalidRef, project)
	}
	p.project = project
	return project, nil
}
