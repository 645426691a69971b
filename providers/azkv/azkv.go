// Package azkv is secretrun's Azure Key Vault provider: references of the form
// azkv://VAULT/SECRET[/VERSION][#key] (or azkv://SECRET with the configured default vault).
//
// It owns the Azure SDK (azsecrets, azidentity, azcore): no other secretrun package imports it.
// Nothing touches the network until the first Fetch; credentials come from azidentity's
// DefaultAzureCredential, created on first use and shared by one client per vault.
//
// Errors never carry SDK error text that could echo a response body: they are composed here from
// the HTTP status, Key Vault's error codes and a classification of transport failures.
package azkv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/secretrun/secretrun/providers"
)

// Scheme is the reference scheme this provider serves.
const Scheme = "azkv"

// Concurrency is the most GetSecret requests one Fetch has in flight at once.
const Concurrency = 8

// Retry settings: a few quick retries of throttling (429), 408, 5xx and connection failures,
// always bounded by the caller's context (the SDK's retry policy stops as soon as it is done).
var retryOptions = policy.RetryOptions{
	MaxRetries:    3,
	RetryDelay:    250 * time.Millisecond,
	MaxRetryDelay: 4 * time.Second, // a longer Retry-After ends the retries at once
	TryTimeout:    15 * time.Second,
	ShouldRetry:   shouldRetry,
}

// shouldRetry is the SDK's default rule (retry connection failures and 408/429/500/502/503/504)
// minus failures a retry cannot fix: a host that does not exist and an untrusted certificate.
func shouldRetry(resp *http.Response, err error) bool {
	if err != nil {
		var dns *net.DNSError
		var certErr *tls.CertificateVerificationError
		var unk x509.UnknownAuthorityError
		var host x509.HostnameError
		return !(errors.As(err, &dns) && dns.IsNotFound) && !errors.As(err, &certErr) && !errors.As(err, &unk) && !errors.As(err, &host)
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// credentialVars are the environment variables holding credential material that
// DefaultAzureCredential's EnvironmentCredential signs in with. They are removed from the child's
// environment when azkv was used. Identifiers (AZURE_TENANT_ID, AZURE_CLIENT_ID) and file
// pointers (AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE) are kept: they are not
// secret, and the child may need them to authenticate as its own workload or managed identity.
var credentialVars = []string{"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_PASSWORD"}

// Entry returns the registry entry of the Azure Key Vault provider configured by cfg.
func Entry(cfg Settings) providers.Entry {
	return providers.Entry{
		Scheme:      Scheme,
		Remote:      true,
		Summary:     "Azure Key Vault secrets: azkv://VAULT/SECRET[/VERSION][#key]",
		Credentials: append([]string(nil), credentialVars...),
		Open: func() (providers.Provider, error) {
			p, err := New(cfg)
			if err != nil {
				return nil, err
			}
			return p, nil
		},
	}
}

// Option changes how New builds a Provider. Options are hooks for tests and embedders, not
// user-facing settings.
type Option func(*options)

type options struct {
	cred      azcore.TokenCredential
	transport policy.Transporter
}

// WithCredential makes the provider authenticate with cred instead of DefaultAzureCredential.
func WithCredential(cred azcore.TokenCredential) Option {
	return func(o *options) { o.cred = cred }
}

// WithTransport makes every HTTP request of the provider go through t: Key Vault's, and those of
// DefaultAzureCredential's sign-ins (the Azure CLI credential runs `az` and sends none).
func WithTransport(t policy.Transporter) Option {
	return func(o *options) { o.transport = t }
}

// WithHTTPClient is WithTransport(c).
func WithHTTPClient(c *http.Client) Option {
	return WithTransport(c)
}

// Provider reads secrets from Azure Key Vault. It implements providers.Provider and
// providers.Validator and is safe for concurrent use.
type Provider struct {
	cfg      Settings
	suffix   string // Key Vault DNS suffix for vault names, e.g. "vault.azure.net"
	cloud    cloud.Configuration
	defVault string // host of the default vault, or ""
	opts     options

	credOnce sync.Once
	cred     *tokenCache
	credErr  error

	mu     sync.Mutex
	vaults map[string]*vaultClient // by host
}

// vaultClient is the one azsecrets.Client of a vault for the life of the Provider.
type vaultClient struct {
	client  *azsecrets.Client
	started atomic.Bool
	warm    chan struct{} // closed when the first request (and its auth challenge) is done
}

var clouds = map[string]struct {
	cloud  cloud.Configuration
	suffix string
}{
	"public": {cloud.AzurePublic, "vault.azure.net"},
	"china":  {cloud.AzureChina, "vault.azure.cn"},
	"usgov":  {cloud.AzureGovernment, "vault.usgovcloudapi.net"},
}

// knownSuffixes are the Key Vault DNS suffixes a full host in a reference may end in, besides
// the configured one.
var knownSuffixes = []string{"vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net"}

// New returns a provider configured by cfg. It checks the configuration but makes no network
// call and creates no credential: that happens on the first Fetch.
func New(cfg Settings, opts ...Option) (*Provider, error) {
	p := &Provider{cfg: cfg, vaults: make(map[string]*vaultClient)}
	for _, o := range opts {
		o(&p.opts)
	}
	name := strings.ToLower(strings.TrimSpace(cfg.Cloud))
	switch name {
	case "", "azurepublic", "azurecloud":
		name = "public"
	case "azurechina", "azurechinacloud":
		name = "china"
	case "azuregovernment", "azureusgovernment", "usgovernment":
		name = "usgov"
	}
	c, ok := clouds[name]
	if !ok {
		return nil, fmt.Errorf("azkv: providers.azure.cloud %q: want public, china or usgov", cfg.Cloud)
	}
	p.cloud, p.suffix = c.cloud, c.suffix
	if s := strings.Trim(strings.ToLower(strings.TrimSpace(cfg.DNSSuffix)), "."); s != "" {
		if !validHost(s) || !strings.Contains(s, ".") {
			return nil, fmt.Errorf("azkv: providers.azure.dns_suffix %q is not a DNS suffix such as vault.azure.net", cfg.DNSSuffix)
		}
		p.suffix = s
	}
	if v := strings.TrimSpace(cfg.Vault); v != "" {
		host, err := p.vaultHost(v)
		if err != nil {
			return nil, fmt.Errorf("azkv: providers.azure.vault: %v", err)
		}
		p.defVault = host
	}
	return p, nil
}

// target is one secret version to read, in canonical form.
type target struct {
	host    string // e.g. "acme-kv.vault.azure.net"
	name    string // secret name, lower case (Key Vault names are case-insensitive)
	version string // "" for the current version
}

// Validate checks ref's path without I/O. Errors wrap providers.ErrInvalidRef.
func (p *Provider) Validate(ref providers.Ref) error {
	_, err := p.parse(ref)
	return err
}

func (p *Provider) parse(ref providers.Ref) (target, error) {
	if ref.Scheme != Scheme {
		return target{}, fmt.Errorf("%w: scheme %q is not %s", providers.ErrInvalidRef, ref.Scheme, Scheme)
	}
	if ref.Query != "" {
		return target{}, providers.WithHint(
			fmt.Errorf("%w: azkv references take no ?options", providers.ErrInvalidRef),
			"name a version as a path segment: azkv://VAULT/SECRET/VERSION")
	}
	segs := strings.Split(ref.Path, "/")
	var vault, name, version string
	switch len(segs) {
	case 1:
		if p.defVault == "" {
			return target{}, providers.WithHint(
				fmt.Errorf("%w: %q names no vault and providers.azure.vault is not set", providers.ErrInvalidRef, ref.Path),
				"write azkv://VAULT/SECRET, or set providers.azure.vault in the configuration")
		}
		name = segs[0]
	case 2:
		vault, name = segs[0], segs[1]
	case 3:
		vault, name, version = segs[0], segs[1], segs[2]
	default:
		return target{}, fmt.Errorf("%w: want azkv://VAULT/SECRET[/VERSION], got %d path segments", providers.ErrInvalidRef, len(segs))
	}
	t := target{host: p.defVault}
	if vault != "" {
		h, err := p.vaultHost(vault)
		if err != nil {
			return target{}, fmt.Errorf("%w: %v", providers.ErrInvalidRef, err)
		}
		t.host = h
	} else if len(segs) > 1 {
		return target{}, fmt.Errorf("%w: empty vault name", providers.ErrInvalidRef)
	}
	if !validSecretName(name) {
		return target{}, fmt.Errorf("%w: secret name %q: want 1-127 letters, digits and dashes", providers.ErrInvalidRef, name)
	}
	t.name = strings.ToLower(name)
	if len(segs) == 3 {
		if !validVersion(version) {
			return target{}, fmt.Errorf("%w: secret version %q: want the version id (32 hex digits)", providers.ErrInvalidRef, version)
		}
		t.version = strings.ToLower(version)
	}
	return t, nil
}

// vaultHost turns a vault name or a full host into the vault's host name.
func (p *Provider) vaultHost(v string) (string, error) {
	v = strings.ToLower(v)
	if !strings.Contains(v, ".") {
		if !validVaultName(v) {
			return "", fmt.Errorf("vault name %q: want 3-24 letters, digits and dashes, starting with a letter (or a full host such as NAME.%s)", v, p.suffix)
		}
		return v + "." + p.suffix, nil
	}
	if !validHost(v) {
		return "", fmt.Errorf("vault host %q is not a valid host name", v)
	}
	for _, s := range append([]string{p.suffix}, knownSuffixes...) {
		if strings.HasSuffix(v, "."+s) && validVaultName(strings.TrimSuffix(v, "."+s)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("vault host %q is not NAME.%s (set providers.azure.cloud or dns_suffix for other clouds)", v, p.suffix)
}

func validVaultName(s string) bool {
	if len(s) < 3 || len(s) > 24 || !isLetter(s[0]) || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

func validSecretName(s string) bool {
	if len(s) < 1 || len(s) > 127 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

func validVersion(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func validHost(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !isLetter(label[i]) && !isDigit(label[i]) && label[i] != '-' {
				return false
			}
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// Fetch reads refs: one GetSecret per distinct secret version (however many #keys and however
// the vault is spelled), at most Concurrency at a time, one client and one authentication
// challenge per vault.
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	var (
		mu      sync.Mutex
		calls   = make(map[target]*call)
		created providers.CreatedTimes
	)
	fetch := func(ctx context.Context, src providers.Ref) ([]byte, string, error) {
		t, err := p.parse(src)
		if err != nil {
			return nil, "", err
		}
		mu.Lock()
		c, ok := calls[t]
		if !ok {
			c = &call{}
			calls[t] = c
		}
		mu.Unlock()
		c.once.Do(func() { c.value, c.version, c.created, c.err = p.get(ctx, t) })
		created.Set(src, c.created)
		return c.value, c.version, c.err
	}
	out, err := providers.FetchEach(ctx, refs, Concurrency, fetch, nil)
	return created.Stamp(refs, out), err
}

type call struct {
	once    sync.Once
	value   []byte
	version string
	created time.Time // attributes.created; zero when absent
	err     error
}

// get reads one secret version, and returns its value, version id and creation time.
func (p *Provider) get(ctx context.Context, t target) ([]byte, string, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", time.Time{}, fmt.Errorf("%w: %s before the request was sent", providers.ErrUnavailable, ctxWord(err))
	}
	vc, err := p.client(t.host)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	// The first request to a vault goes alone: it elicits Key Vault's authentication challenge
	// and the token; the others then reuse both instead of each eliciting a challenge.
	if !vc.started.CompareAndSwap(false, true) {
		select {
		case <-vc.warm:
		case <-ctx.Done():
			return nil, "", time.Time{}, fmt.Errorf("%w: %s while waiting for the first request to %s", providers.ErrUnavailable, ctxWord(ctx.Err()), t.host)
		}
	} else {
		defer close(vc.warm)
	}
	rec := &recorder{signInFailures: p.cred.failures.Load(), ctx: ctx}
	start := time.Now()
	resp, err := vc.client.GetSecret(context.WithValue(ctx, recorderKey{}, rec), t.name, t.version, nil)
	if err != nil {
		return nil, "", time.Time{}, p.mapError(ctx, t, rec, time.Since(start), err)
	}
	if resp.Value == nil {
		return nil, "", time.Time{}, fmt.Errorf("%w: Key Vault returned no value for secret %q", providers.ErrUnavailable, t.name)
	}
	version := ""
	if resp.ID != nil {
		version = resp.ID.Version()
	}
	var created time.Time
	if resp.Attributes != nil && resp.Attributes.Created != nil {
		created = *resp.Attributes.Created
	}
	return []byte(*resp.Value), version, created, nil
}

// client returns the vault's client, creating the credential and the client on first use.
func (p *Provider) client(host string) (*vaultClient, error) {
	p.credOnce.Do(func() {
		base := p.opts.cred
		if base == nil {
			copts := azcore.ClientOptions{Cloud: p.cloud} // the credentials keep their own retry rules (IMDS needs them); ctx bounds them
			if p.opts.transport != nil {
				copts.Transport = p.opts.transport
			}
			dac, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
				ClientOptions: copts,
				TenantID:      p.cfg.TenantID,
			})
			if err != nil {
				p.credErr = providers.WithHint(
					fmt.Errorf("%w: cannot set up Azure credentials: %s", providers.ErrDenied, oneLine(err.Error(), 300)),
					"%s", credentialHint)
				return
			}
			base = dac
		}
		p.cred = &tokenCache{base: base, sem: make(chan struct{}, 1), tokens: map[string]azcore.AccessToken{}, failed: map[string]error{}}
	})
	if p.credErr != nil {
		return nil, p.credErr
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if vc, ok := p.vaults[host]; ok {
		return vc, nil
	}
	opts := &azsecrets.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud:            p.cloud,
		Retry:            retryOptions,
		PerRetryPolicies: []policy.Policy{recordPolicy{}},
		Telemetry:        policy.TelemetryOptions{ApplicationID: "secretrun"},
	}}
	if p.opts.transport != nil {
		opts.Transport = p.opts.transport
	}
	c, err := azsecrets.NewClient("https://"+host, p.cred, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot create a Key Vault client for %s: %s", providers.ErrUnavailable, host, oneLine(err.Error(), 200))
	}
	vc := &vaultClient{client: c, warm: make(chan struct{})}
	p.vaults[host] = vc
	return vc, nil
}

// tokenCache shares tokens between the vault clients of one run (each client's bearer policy
// caches only its own), so several vaults in one tenant cost one sign-in, and a failed sign-in is
// not repeated for every secret.
type tokenCache struct {
	base   azcore.TokenCredential
	sem    chan struct{}
	tokens map[string]azcore.AccessToken
	failed map[string]error // sign-ins that failed (not by the caller's deadline): not retried this run

	signingIn atomic.Bool  // a sign-in is in progress
	failures  atomic.Int64 // sign-ins that failed
	lastErr   atomic.Value // error: the last sign-in failure, for messages
}

func (c *tokenCache) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return azcore.AccessToken{}, &credError{err: ctx.Err()}
	}
	key := fmt.Sprintf("%s|%s|%t|%s", opts.TenantID, strings.Join(opts.Scopes, " "), opts.EnableCAE, opts.Claims)
	if tk, ok := c.tokens[key]; ok && opts.Claims == "" && time.Until(tk.ExpiresOn) > 2*time.Minute {
		return tk, nil
	}
	if err, ok := c.failed[key]; ok {
		return azcore.AccessToken{}, &credError{err: err}
	}
	c.signingIn.Store(true)
	tk, err := c.base.GetToken(ctx, opts)
	c.signingIn.Store(false)
	if err != nil {
		c.lastErr.Store(err)
		c.failures.Add(1)
		if ctx.Err() == nil {
			c.failed[key] = err
		}
		return azcore.AccessToken{}, &credError{err: err}
	}
	c.tokens[key] = tk
	return tk, nil
}

// credError marks a failure to get a token, so it can be told apart from Key Vault's answers.
type credError struct{ err error }

func (e *credError) Error() string { return "cannot get an Azure access token" }
func (e *credError) Unwrap() error { return e.err }

// recorder notes what each HTTP attempt of one GetSecret call got, for error messages.
type recorder struct {
	mu       sync.Mutex
	attempts int    // tries (requests that only elicited the auth challenge not counted)
	last     string // what the last try that ended before the deadline got
	// signInFailures is the credential's failure count when the call started.
	signInFailures int64
	ctx            context.Context // the caller's context (each try runs in a child of it)
}

type recorderKey struct{}

// recordPolicy runs once per HTTP attempt, after the authentication policy.
type recordPolicy struct{}

func (recordPolicy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	rec, _ := req.Raw().Context().Value(recorderKey{}).(*recorder)
	if rec == nil {
		return resp, err
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// A request without a token that gets Key Vault's 401 challenge is part of the same try
	// (the authentication policy sends it again with a token); every other request is a try.
	if req.Raw().Header.Get("Authorization") == "" && err == nil && resp.StatusCode == http.StatusUnauthorized {
		return resp, err
	}
	rec.attempts++
	if err != nil {
		// A try cut short by the caller's deadline says nothing new: keep the previous result.
		if rec.ctx == nil || rec.ctx.Err() == nil {
			rec.last = describeTransport(err)
		}
	} else {
		rec.last = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return resp, err
}

func ctxWord(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return "cancelled"
}
