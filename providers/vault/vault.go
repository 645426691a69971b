// Package vault is secretrun's HashiCorp Vault provider (vault://MOUNT/PATH[?version=N][#key]).
//
// It reads KV v1 and v2 secrets (the version of each mount is detected once per run) and any other
// readable path, such as dynamic database credentials, whose leases it renews while the child runs
// (Keep) and revokes when the child exits (Close), together with the token it created by logging
// in. It logs in once per run (and again before the token it created reaches its max TTL) and
// reads each distinct path once. For watching, it reports KV v2 versions without reading values
// (Versions), and when a dynamic secret stops working for good (Expiry), and revokes the leases
// of replaced credentials (Retire).
//
// The Vault SDK (github.com/hashicorp/vault/api) is imported here and nowhere else in secretrun.
// This package must not import cmd/, inject/ or another provider.
package vault

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/netaddr"
)

// Scheme is the reference scheme this provider serves.
const Scheme = "vault"

// DefaultMaxParallel is the default number of reads in flight at once. Vault serves many small
// reads concurrently and each costs one round trip, so a high bound keeps a run that needs 100
// secrets at two round trips of latency (mount detection, then one wave of reads) instead of one
// round trip per secret.
const DefaultMaxParallel = 128

// Option changes how a Provider is built; for tests and embedders.
type Option func(*options)

type options struct {
	getenv      func(string) string
	homeDir     func() (string, error)
	maxParallel int
	attempts    int
	now         func() time.Time
}

// WithGetenv replaces os.Getenv for reading VAULT_* variables and jwt_env.
func WithGetenv(getenv func(string) string) Option {
	return func(o *options) { o.getenv = getenv }
}

// WithHomeDir replaces os.UserHomeDir for finding ~/.vault-token.
func WithHomeDir(home func() (string, error)) Option {
	return func(o *options) { o.homeDir = home }
}

// WithMaxParallel sets the number of reads in flight at once (overrides max_parallel).
func WithMaxParallel(n int) Option {
	return func(o *options) { o.maxParallel = n }
}

// WithAttempts sets how many times a request that failed with a retryable error (connection
// error, 5xx, 429) is tried in all, within the caller's deadline. Default 3.
func WithAttempts(n int) Option {
	return func(o *options) { o.attempts = n }
}

// Provider reads secrets from Vault. It implements providers.Provider, providers.Validator,
// providers.Keeper, providers.Closer, providers.Versioner and providers.Expirer. It is safe for
// concurrent use.
type Provider struct {
	cfg    Settings
	opts   options
	client *api.Client
	addr   string
	revoke bool

	authMu   sync.Mutex
	authDone bool
	authErr  error
	auth     authState

	mounts mountCache

	mu     sync.Mutex
	leases []*lease
	// leaseAdded wakes a running Keep when Fetch obtained a lease (capacity 1: one pending
	// wake-up covers any number of leases, Keep scans them all).
	leaseAdded chan struct{}
	// tokenEnds holds, per login (authState.gen), when that token stops working for good, once
	// known: the leases obtained with it end with it.
	tokenEnds map[int]time.Time
	// oldTokens are the earlier login tokens of this run, replaced by logging in again before
	// their max TTL; Close revokes those that have not expired.
	oldTokens []oldToken
	// unversioned holds the paths whose version cannot be read from metadata (metadata read
	// denied, or a mount of unknown kind read as is): Versions answers "" for them at no cost.
	unversioned map[string]bool
	closed      bool
	report      func(providers.LeaseEvent) // ReportLeases; nil reports nothing
	trace       func(string)               // ReportTraces; nil traces nothing
}

var (
	_ providers.Provider  = (*Provider)(nil)
	_ providers.Validator = (*Provider)(nil)
	_ providers.Keeper    = (*Provider)(nil)
	_ providers.Closer    = (*Provider)(nil)
	_ providers.Versioner = (*Provider)(nil)
	_ providers.Expirer   = (*Provider)(nil)
)

// Entry returns the registry entry for the Vault provider built from cfg. Open builds the
// provider without any network call; the first Fetch logs in.
func Entry(cfg Settings) providers.Entry {
	creds := []string{"VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID"}
	if cfg.Auth.JWTEnv != "" {
		creds = append(creds, cfg.Auth.JWTEnv)
	}
	return providers.Entry{
		Scheme:      Scheme,
		Remote:      true,
		Summary:     "HashiCorp Vault: KV v1/v2 and dynamic secrets with leases (vault://MOUNT/PATH[?version=N][#key])",
		Credentials: creds,
		Open: func() (providers.Provider, error) {
			p, err := New(cfg)
			if err != nil {
				return nil, err
			}
			return p, nil
		},
	}
}

// New builds a Vault provider from cfg, falling back to the VAULT_* environment for empty fields.
// It makes no network call. It refuses a plain http:// address that is not loopback unless
// cfg.AllowHTTP is set.
func New(cfg Settings, opts ...Option) (*Provider, error) {
	o := options{getenv: os.Getenv, homeDir: os.UserHomeDir, attempts: 3, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxParallel < 1 {
		o.maxParallel = cfg.MaxParallel
	}
	if o.maxParallel < 1 {
		o.maxParallel = DefaultMaxParallel
	}
	if o.attempts < 1 {
		o.attempts = 1
	}
	switch cfg.Auth.Method {
	case "", "token", "approle", "kubernetes", "jwt", "none":
	default:
		return nil, providers.WithHint(fmt.Errorf("vault: unknown auth method %q", cfg.Auth.Method),
			"providers.vault.auth.method is one of token, approle, kubernetes, jwt, none")
	}

	conf := api.DefaultConfig()
	if conf.Error != nil {
		return nil, fmt.Errorf("vault: reading VAULT_* settings: %w", conf.Error)
	}
	addr := cmp.Or(cfg.Address, o.getenv("VAULT_ADDR"), api.DefaultAddress)
	conf.Address = addr
	if agent := o.getenv("VAULT_AGENT_ADDR"); agent != "" && cfg.Address == "" {
		conf.AgentAddress = agent
		addr = agent
	} else {
		conf.AgentAddress = ""
	}
	if err := checkAddress(addr, cfg.AllowHTTP); err != nil {
		return nil, err
	}
	// secretrun retries itself, within the caller's deadline; the SDK must not retry behind our
	// back or its waits (1-1.5 s each) would outlive --timeout. The deadline comes from ctx (the
	// SDK's 60 s client timeout, or VAULT_CLIENT_TIMEOUT, stays as a backstop for callers without one).
	conf.MaxRetries = 0
	if t, ok := conf.HttpClient.Transport.(*http.Transport); ok {
		t.MaxIdleConnsPerHost = o.maxParallel
		t.MaxIdleConns = 2 * o.maxParallel
	}
	tlsConf := &api.TLSConfig{
		CACert:   cmp.Or(cfg.CACert, o.getenv("VAULT_CACERT")),
		CAPath:   cmp.Or(cfg.CAPath, o.getenv("VAULT_CAPATH")),
		Insecure: cfg.TLSSkipVerify,
	}
	if !tlsConf.Insecure {
		if v := o.getenv("VAULT_SKIP_VERIFY"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("vault: VAULT_SKIP_VERIFY=%q is not a boolean", v)
			}
			tlsConf.Insecure = b
		}
	}
	if tlsConf.CACert != "" || tlsConf.CAPath != "" || tlsConf.Insecure {
		if err := conf.ConfigureTLS(tlsConf); err != nil {
			return nil, fmt.Errorf("vault: TLS settings: %w", err)
		}
	}
	client, err := api.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	client.ClearToken() // the SDK picks up VAULT_TOKEN by itself; auth decides
	client.ClearNamespace()
	if ns := cmp.Or(cfg.Namespace, o.getenv("VAULT_NAMESPACE")); ns != "" {
		client.SetNamespace(ns)
	}
	revoke := true
	if cfg.RevokeOnExit != nil {
		revoke = *cfg.RevokeOnExit
	}
	return &Provider{cfg: cfg, opts: o, client: client, addr: addr, revoke: revoke,
		leaseAdded: make(chan struct{}, 1)}, nil
}

// checkAddress refuses plain http to anything but a loopback address unless allowed.
func checkAddress(addr string, allowHTTP bool) error {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme == "" {
		return providers.WithHint(fmt.Errorf("vault: address %s is not a URL", redactURL(addr)),
			"set VAULT_ADDR or providers.vault.address to e.g. https://vault.example.com:8200")
	}
	switch u.Scheme {
	case "https", "unix":
		return nil
	case "http":
		if allowHTTP || netaddr.IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return providers.WithHint(
			fmt.Errorf("vault: refusing plain http to %s: the token would cross the network unencrypted", u.Host),
			"use https, or set providers.vault.allow_http: true if the network is trusted")
	default:
		return fmt.Errorf("vault: address %s: scheme must be https, http (loopback) or unix", redactURL(addr))
	}
}

// Validate checks a reference's path and options without I/O.
func (p *Provider) Validate(ref providers.Ref) error {
	if ref.Scheme != Scheme {
		return fmt.Errorf("%w: scheme %q is not %s", providers.ErrInvalidRef, ref.Scheme, Scheme)
	}
	if _, ok := ref.Userinfo(); ok {
		// vault://TOKEN@host/... or vault://user:pw@host/...: never quoted, not even in part.
		return providers.WithHint(fmt.Errorf("%w: the mount holds '@' like a URL's user@host (not shown): a vault reference is MOUNT/PATH on the configured address", providers.ErrInvalidRef),
			"put the address in providers.vault.address or VAULT_ADDR and the token in VAULT_TOKEN (or configure providers.vault.auth)")
	}
	path := ref.Path
	if strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") {
		return providers.WithHint(fmt.Errorf("%w: path %q must not start or end with /", providers.ErrInvalidRef, path),
			"write vault://MOUNT/PATH, e.g. vault://secret/myapp/db")
	}
	segs := strings.Split(path, "/")
	if len(segs) < 2 {
		return providers.WithHint(fmt.Errorf("%w: path %q has no mount: want MOUNT/PATH", providers.ErrInvalidRef, path),
			"write vault://MOUNT/PATH, e.g. vault://secret/myapp/db")
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return fmt.Errorf("%w: path %q has an empty, . or .. segment", providers.ErrInvalidRef, path)
		}
	}
	for name, vals := range ref.Options() {
		switch name {
		case "version":
			if len(vals) != 1 {
				return fmt.Errorf("%w: version given %d times", providers.ErrInvalidRef, len(vals))
			}
			if n, err := strconv.Atoi(vals[0]); err != nil || n < 0 {
				return fmt.Errorf("%w: version %q is not a non-negative integer", providers.ErrInvalidRef, vals[0])
			}
		default:
			return providers.WithHint(fmt.Errorf("%w: unknown option %q", providers.ErrInvalidRef, name),
				"the only option is ?version=N (KV v2)")
		}
	}
	return nil
}

// Fetch resolves refs: it logs in once (if not done yet), detects each KV mount's version once,
// reads each distinct path once with at most MaxParallel reads in flight, and takes #keys from
// the secret's data. Leases of dynamic secrets are remembered for Keep and Close.
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	out := make([]providers.Secret, len(refs))
	idx, errs := p.begin(ctx, refs)
	if len(idx) == 0 {
		return out, errors.Join(errs...)
	}
	valid := make([]providers.Ref, len(idx))
	for j, i := range idx {
		valid[j] = refs[i]
	}
	results := p.readAll(ctx, valid)
	for j, r := range valid {
		res := results[r.Source()]
		if res.err != nil {
			errs = append(errs, &providers.RefError{Ref: r, Err: res.err})
			continue
		}
		v, err := selectValue(res.data, r.Key)
		if err != nil {
			errs = append(errs, &providers.RefError{Ref: r, Err: err})
			continue
		}
		out[idx[j]] = providers.NewSecret(v, res.version.id)
		out[idx[j]].Created = res.version.created
		out[idx[j]].Leased = res.version.leased
	}
	return out, errors.Join(errs...)
}

// begin validates refs and logs in (once per run, or again when the token is about to
// expire). It returns the indexes of the refs left to serve, and one *RefError per ref that
// cannot be served: invalid, or any when the login failed (then no index is returned).
func (p *Provider) begin(ctx context.Context, refs []providers.Ref) ([]int, []error) {
	var errs []error
	idx := make([]int, 0, len(refs))
	for i, r := range refs {
		if err := p.Validate(r); err != nil {
			errs = append(errs, &providers.RefError{Ref: r, Err: err})
			continue
		}
		idx = append(idx, i)
	}
	if len(idx) == 0 {
		return nil, errs
	}
	if err := p.login(ctx); err != nil {
		for _, i := range idx {
			errs = append(errs, &providers.RefError{Ref: refs[i], Err: err})
		}
		return nil, errs
	}
	return idx, errs
}

type readResult struct {
	data    []byte // the secret's data as compact JSON
	version kvVersion
	err     error
}

// readAll reads each distinct source of refs once, at most maxParallel at a time.
func (p *Provider) readAll(ctx context.Context, refs []providers.Ref) map[providers.Ref]*readResult {
	results := make(map[providers.Ref]*readResult)
	var sources []providers.Ref
	for _, r := range refs {
		if _, seen := results[r.Source()]; !seen {
			results[r.Source()] = new(readResult)
			sources = append(sources, r.Source())
		}
	}
	p.each(ctx, len(sources), func(ctx context.Context, i int) {
		res := results[sources[i]] // each call writes only its own result
		if err := ctx.Err(); err != nil {
			res.err = fmt.Errorf("%w: vault: not read before the deadline: %v", providers.ErrUnavailable, err)
			return
		}
		res.data, res.version, res.err = p.read(ctx, sources[i])
	})
	return results
}

// each calls fn(ctx, i) for i in [0, n), at most maxParallel at a time, and returns when all
// calls have. A call whose turn comes after ctx is done still runs: fn must check ctx.Err()
// first (when a slot is free and ctx is done, select picks either at random, and a request
// must not start once ctx is done).
func (p *Provider) each(ctx context.Context, n int, fn func(ctx context.Context, i int)) {
	var (
		wg  sync.WaitGroup
		sem = make(chan struct{}, p.opts.maxParallel)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			fn(ctx, i)
		}()
	}
	wg.Wait()
}

// selectValue applies a ref's #key to a secret's data (compact JSON of a map).
//
// Without a key the value is the whole data as JSON, except for a secret whose only field is
// "value" (vault kv put secret/x value=...), whose value is that field. With a key, the key
// selects from the data (a field name or a JSON Pointer); for a single-"value" secret a key that
// is not "value" selects from the value itself when it is a JSON or YAML document.
func selectValue(data []byte, key string) ([]byte, error) {
	single, isSingle := singleValue(data)
	if key == "" {
		if isSingle {
			return []byte(single), nil
		}
		return data, nil
	}
	v, err := providers.SelectKey(data, key)
	if err != nil && isSingle && errors.Is(err, providers.ErrKeyNotFound) {
		return providers.SelectKey([]byte(single), key)
	}
	return v, err
}

// singleValue reports whether data is {"value": STRING} and returns the string.
func singleValue(data []byte) (string, bool) {
	if !strings.HasPrefix(string(data), `{"value":"`) {
		return "", false
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || len(m) != 1 {
		return "", false
	}
	s, ok := m["value"].(string)
	return s, ok
}

// read reads one source and returns its data as compact JSON.
func (p *Provider) read(ctx context.Context, src providers.Ref) ([]byte, kvVersion, error) {
	m, err := p.mountOf(ctx, src.Path)
	if err != nil {
		return nil, kvVersion{}, err
	}
	if m.probe {
		return p.readProbing(ctx, src, m)
	}
	secret, err := p.get(ctx, m, src)
	if err != nil {
		return nil, kvVersion{}, err
	}
	return p.decode(m, src, secret)
}

// get reads src from Vault as it lives in mount m: MOUNT/data/PATH on KV v2 (with ?version=),
// the path as is otherwise. Nothing there is an ErrNotFound.
func (p *Provider) get(ctx context.Context, m mount, src providers.Ref) (*api.Secret, error) {
	version := src.Option("version")
	apiPath := src.Path
	var params url.Values
	if m.kv2 {
		rel := strings.TrimPrefix(src.Path, m.path)
		if rel == "" {
			return nil, fmt.Errorf("%w: %q is the KV mount itself; name a secret under it", providers.ErrInvalidRef, src.Path)
		}
		apiPath = m.path + "data/" + rel
		if version != "" {
			params = url.Values{"version": {version}}
		}
	} else if version != "" {
		return nil, providers.WithHint(fmt.Errorf("%w: ?version= needs a KV v2 mount, and %s is %s", providers.ErrInvalidRef, m.path, m.describe()),
			"remove ?version=")
	}
	var secret *api.Secret
	err := p.retry(ctx, func(ctx context.Context) error {
		var err error
		secret, err = p.client.Logical().ReadWithDataWithContext(ctx, apiPath, params)
		return err
	})
	if err != nil {
		return nil, p.mapErr(err, "read "+apiPath)
	}
	// A KV v2 mount read without data/ answers with a warning and no data: nothing there either.
	if secret == nil || secret.Data == nil {
		if m.kv2 && strings.HasPrefix(strings.TrimPrefix(src.Path, m.path), "data/") {
			return nil, providers.WithHint(fmt.Errorf("%w: nothing at %s", providers.ErrNotFound, apiPath),
				"write KV v2 paths without data/: vault://%s%s", m.path, strings.TrimPrefix(src.Path, m.path+"data/"))
		}
		return nil, providers.WithHint(fmt.Errorf("%w: nothing at %s", providers.ErrNotFound, apiPath),
			"check the path (mount %s is %s)", m.path, m.describe())
	}
	return secret, nil
}

// decode returns the data of a secret read from mount m as compact JSON, and its KV v2 version
// and that version's created_time (KV v1 and other engines have neither).
// Leases of dynamic secrets are remembered.
func (p *Provider) decode(m mount, src providers.Ref, secret *api.Secret) ([]byte, kvVersion, error) {
	data := secret.Data
	var ver string
	var created time.Time
	if m.kv2 {
		meta, _ := secret.Data["metadata"].(map[string]any)
		if meta != nil {
			ver = fmt.Sprint(meta["version"])
			if ct, _ := meta["created_time"].(string); ct != "" {
				created, _ = time.Parse(time.RFC3339Nano, ct) // unparsable: unknown
			}
		}
		inner, ok := secret.Data["data"].(map[string]any)
		if !ok || inner == nil {
			if meta != nil {
				if dt, _ := meta["deletion_time"].(string); dt != "" {
					return nil, kvVersion{}, providers.WithHint(fmt.Errorf("%w: version %s of %s was deleted at %s", providers.ErrNotFound, ver, src.Path, dt),
						"undelete it (vault kv undelete -versions=%s %s) or ask for another ?version=", ver, src.Path)
				}
				if d, _ := meta["destroyed"].(bool); d {
					return nil, kvVersion{}, fmt.Errorf("%w: version %s of %s was destroyed", providers.ErrNotFound, ver, src.Path)
				}
			}
			return nil, kvVersion{}, fmt.Errorf("%w: %s has no data", providers.ErrNotFound, src.Path)
		}
		data = inner
	}
	leased := secret.LeaseID != ""
	if leased {
		p.addLease(src, secret)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		return nil, kvVersion{}, fmt.Errorf("%w: %s: the secret's data cannot be encoded as JSON", providers.ErrUnavailable, src.Path)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), kvVersion{id: ver, created: created, leased: leased}, nil
}

// kvVersion is the version a read resolved: its KV v2 number and creation time, both empty when
// the engine keeps none, and whether the value came with a lease (a dynamic secret, created by
// this read).
type kvVersion struct {
	id      string
	created time.Time
	leased  bool
}
