package awssm

import (
	"context"
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
	"github.com/secretrun/secretrun/providers/internal/awsconf"
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
	if p.cfg.Agent != "" && len(refs) > 0 {
		return p.fetchAgent(ctx, refs)
	}
	return providers.FetchSources(refs, openSource, func(pending []*source) { p.fetchSources(ctx, pending) }, (*source).result)
}

// openSource starts the read of src (providers.FetchSources): it is pending unless src is not a
// valid reference.
func openSource(src providers.Ref) (*source, bool) {
	s := &source{ref: src}
	if s.t, s.err = parseRef(src); s.err != nil {
		s.done = true
		return s, false
	}
	return s, true
}

// result is what became of s (providers.FetchSources).
func (s *source) result() ([]byte, string, time.Time, error) {
	return s.value, s.version, s.created, s.err
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
	// One authentication per run: the credentials cache is shared by every client and call.
	// Retrieving here first gives a clear error (and its source) before any secret is read.
	credSrc, err := awsconf.Ready(ctx, Scheme, p.cfg, cfg)
	if err != nil {
		fail(err)
		return
	}

	r := &run{Calls: providers.NewCalls(ctx, p.opts.Concurrency), p: p, ctx: ctx, cfg: cfg, credSrc: credSrc}
	batches := make(map[string][]*source) // by region
	for _, s := range pending {
		if s.done {
			continue
		}
		if s.t.batchable() {
			batches[s.t.region] = append(batches[s.t.region], s)
		} else {
			r.Go(func() { r.single(s) })
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
			r.Go(func() { r.batch(region, chunk, byID) })
		}
	}
	r.Wait()
}

// run is one Fetch's set of concurrent calls.
type run struct {
	*providers.Calls
	p       *Provider
	ctx     context.Context
	cfg     aws.Config
	credSrc string
	mu      sync.Mutex
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
	ctx, log := awsconf.WithAttemptLog(r.ctx)
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
				r.Go(func() { r.single(s) })
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
		ctx, log := awsconf.WithAttemptLog(r.ctx)
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
