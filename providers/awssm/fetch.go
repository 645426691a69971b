package awssm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretrun/secretrun/providers"
)

// source is one distinct read: a Ref without its key, and what became of it.
type source struct {
	ref providers.Ref
	t   target

	done    bool
	value   []byte
	version string
	created time.Time // the version's CreatedDate; zero when unknown (the agent path)
	err     error
}

// Fetch resolves refs: one read per distinct source (a ref without its #key), batched with
// BatchGetSecretValue where the ref names no version, calls run concurrently with a bound. It
// returns one Secret per ref, in order, and an errors.Join of one *providers.RefError per failed
// ref. Every call is bounded by ctx, SDK retries included.
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	out := make([]providers.Secret, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	if p.cfg.Agent != "" {
		return p.fetchAgent(ctx, refs)
	}
	sources := make(map[providers.Ref]*source)
	var pending []*source
	for _, r := range refs {
		src := r.Source()
		if _, ok := sources[src]; ok {
			continue
		}
		s := &source{ref: src}
		sources[src] = s
		if s.t, s.err = parseRef(src); s.err != nil {
			s.done = true
			continue
		}
		pending = append(pending, s)
	}
	if len(pending) > 0 {
		p.fetchSources(ctx, pending)
	}

	var errs []error
	for i, r := range refs {
		s := sources[r.Source()]
		if s.err != nil {
			errs = append(errs, &providers.RefError{Ref: r, Err: s.err})
			continue
		}
		value := s.value
		if r.Key != "" {
			var err error
			if value, err = providers.SelectKey(value, r.Key); err != nil {
				errs = append(errs, &providers.RefError{Ref: r, Err: err})
				continue
			}
		}
		out[i] = providers.NewSecret(value, s.version)
		out[i].Created = s.created
	}
	return out, errors.Join(errs...)
}

func (p *Provider) fetchSources(ctx context.Context, pending []*source) {
	fail := func(err error) {
		for _, s := range pending {
			if !s.done {
				s.err, s.done = err, true
			}
		}
	}
	cfg, err := p.load(ctx)
	if err != nil {
		fail(err)
		return
	}
	for _, s := range pending {
		if s.t.region == "" {
			s.t.region = cfg.Region
		}
		if s.t.region == "" {
			s.err, s.done = providers.WithHint(
				fmt.Errorf("awssm: secret %q: %w: no AWS region", s.t.id, providers.ErrInvalidRef),
				"set providers.aws.region, AWS_REGION, a region in the AWS profile, or add ?region= to the reference (an ARN carries its own)"), true
		}
	}
	if !slices.ContainsFunc(pending, func(s *source) bool { return !s.done }) {
		return
	}
	if cfg.Credentials == nil {
		fail(providers.WithHint(fmt.Errorf("awssm: no AWS credentials: %w", providers.ErrDenied), "%s", chainHint))
		return
	}
	// One authentication per run: the credentials cache is shared by every client and call.
	// Retrieving here first gives a clear error (and its source) before any secret is read.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		fail(p.credentialError(ctx, cfg, err))
		return
	}
	credSrc := p.credentialSource(cfg)

	r := &run{p: p, ctx: ctx, cfg: cfg, credSrc: credSrc, sem: make(chan struct{}, p.opts.concurrency)}
	batches := make(map[string][]*source) // by region
	for _, s := range pending {
		if s.done {
			continue
		}
		if s.t.batchable() {
			batches[s.t.region] = append(batches[s.t.region], s)
		} else {
			r.spawn(func() { r.single(s) })
		}
	}
	regions := make([]string, 0, len(batches))
	for region := range batches {
		regions = append(regions, region)
	}
	sort.Strings(regions)
	for _, region := range regions {
		group := batches[region]
		// Several sources can name the same secret id (e.g. an ARN with and without ?region=).
		byID := make(map[string][]*source)
		var ids []string
		for _, s := range group {
			if _, ok := byID[s.t.id]; !ok {
				ids = append(ids, s.t.id)
			}
			byID[s.t.id] = append(byID[s.t.id], s)
		}
		sort.Strings(ids)
		for start := 0; start < len(ids); start += maxBatch {
			chunk := ids[start:min(start+maxBatch, len(ids))]
			r.spawn(func() { r.batch(region, chunk, byID) })
		}
	}
	r.wg.Wait()
}

// run is one Fetch's set of concurrent calls.
type run struct {
	p       *Provider
	ctx     context.Context
	cfg     aws.Config
	credSrc string
	sem     chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
}

// spawn runs fn in a goroutine once a slot is free (or at once when ctx is done, so that the call
// fails fast with the context's error). fn may spawn more work.
func (r *run) spawn(fn func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case r.sem <- struct{}{}:
			defer func() { <-r.sem }()
		case <-r.ctx.Done():
		}
		fn()
	}()
}

func (r *run) set(s *source, value []byte, version string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.value, s.version, s.err, s.done = value, version, err, true
}

// setOK records a source read, with its version's creation time (nil: unknown).
func (r *run) setOK(s *source, value []byte, version string, created *time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.value, s.version, s.created, s.err, s.done = value, version, aws.ToTime(created), nil, true
}

// single reads one source with GetSecretValue.
func (r *run) single(s *source) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.t.id)}
	if s.t.version != "" {
		in.VersionId = aws.String(s.t.version)
	}
	if s.t.stage != "" {
		in.VersionStage = aws.String(s.t.stage)
	}
	ctx, log := withAttemptLog(r.ctx)
	o, err := r.p.client(r.cfg, s.t.region).GetSecretValue(ctx, in)
	if err != nil {
		r.set(s, nil, "", r.p.callError(r.ctx, log, "GetSecretValue", s.t, r.credSrc, err))
		return
	}
	r.setOK(s, secretBytes(o.SecretString, o.SecretBinary), versionOf(o.VersionId), o.CreatedDate)
}

// batch reads up to maxBatch secret ids of one region with BatchGetSecretValue. Ids the answer
// does not account for, and every id when the call is denied or unsupported, are read with
// GetSecretValue instead.
func (r *run) batch(region string, ids []string, byID map[string][]*source) {
	fallback := func(ids []string) {
		for _, id := range ids {
			for _, s := range byID[id] {
				r.spawn(func() { r.single(s) })
			}
		}
	}
	if r.p.batchOff.Load() {
		fallback(ids)
		return
	}
	client := r.p.client(r.cfg, region)
	in := &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids}
	var (
		values  []types.SecretValueEntry
		apiErrs []types.APIErrorType
	)
	for page := 0; ; page++ {
		ctx, log := withAttemptLog(r.ctx)
		o, err := client.BatchGetSecretValue(ctx, in)
		if err != nil {
			if batchUnsupported(err) {
				r.p.batchOff.Store(true)
				fallback(ids)
				return
			}
			for _, id := range ids {
				for _, s := range byID[id] {
					r.set(s, nil, "", r.p.callError(r.ctx, log, "BatchGetSecretValue", s.t, r.credSrc, err))
				}
			}
			return
		}
		values = append(values, o.SecretValues...)
		apiErrs = append(apiErrs, o.Errors...)
		// With an id list the service answers in one page; follow a token anyway, boundedly.
		if o.NextToken == nil || *o.NextToken == "" || page >= len(ids) {
			break
		}
		in.NextToken = o.NextToken
	}

	byName := make(map[string]*types.SecretValueEntry, len(values))
	for i := range values {
		v := &values[i]
		if v.ARN != nil {
			byName[*v.ARN] = v
		}
		if v.Name != nil {
			byName[*v.Name] = v
		}
	}
	errByID := make(map[string]types.APIErrorType, len(apiErrs))
	for _, e := range apiErrs {
		if e.SecretId != nil {
			errByID[*e.SecretId] = e
		}
	}
	var unmatched []string
	for _, id := range ids {
		v := lookupEntry(byName, values, id)
		if v != nil {
			for _, s := range byID[id] {
				r.setOK(s, secretBytes(v.SecretString, v.SecretBinary), versionOf(v.VersionId), v.CreatedDate)
			}
			continue
		}
		if e, ok := errByID[id]; ok {
			for _, s := range byID[id] {
				r.set(s, nil, "", r.p.codeError("BatchGetSecretValue", s.t, r.credSrc, aws.ToString(e.ErrorCode), aws.ToString(e.Message), 0, 0))
			}
			continue
		}
		unmatched = append(unmatched, id)
	}
	fallback(unmatched)
}

// lookupEntry finds the answer for id: by name or full ARN, or by partial ARN (an ARN without
// the six-character suffix Secrets Manager appends).
func lookupEntry(byName map[string]*types.SecretValueEntry, values []types.SecretValueEntry, id string) *types.SecretValueEntry {
	if v, ok := byName[id]; ok {
		return v
	}
	if strings.HasPrefix(id, "arn:") {
		for i := range values {
			arn := aws.ToString(values[i].ARN)
			if strings.HasPrefix(arn, id+"-") && len(arn) == len(id)+7 {
				return &values[i]
			}
		}
	}
	return nil
}

func secretBytes(s *string, b []byte) []byte {
	if s != nil {
		return []byte(*s)
	}
	return b
}

// versionOf is what Secret.Version holds: the version id alone. Staging labels are left out on
// purpose: they move between versions without a value changing (a rotation relabels the old
// version AWSPREVIOUS, a user may add a label to the current one), and a watcher that compares
// versions must see a change exactly when the value it read is a different version.
func versionOf(id *string) string { return aws.ToString(id) }
