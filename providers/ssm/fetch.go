package ssm

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

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
	created time.Time // LastModifiedDate of the version read
	err     error
}

// Fetch resolves refs: one read per distinct source (a ref without its #key), batched with
// GetParameters, up to 10 names a call, calls run concurrently with a bound. It returns one Secret
// per ref, in order, and an errors.Join of one *providers.RefError per failed ref. Every call is
// bounded by ctx, SDK retries included.
func (p *Provider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
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

// fetchSources reads the pending sources: it loads the SDK configuration, settles each
// source's region, gets credentials once, then runs the GetParameters calls of every region.
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
				fmt.Errorf("ssm: parameter %q: %w: no AWS region", s.t.name, providers.ErrInvalidRef),
				"set providers.aws.region, AWS_REGION, a region in the AWS profile, or add ?region= to the reference (an ARN carries its own)"), true
		}
	}
	if !slices.ContainsFunc(pending, func(s *source) bool { return !s.done }) {
		return
	}
	credSrc, err := awsconf.Ready(ctx, Scheme, p.cfg, cfg)
	if err != nil {
		fail(err)
		return
	}
	r := &run{Calls: providers.NewCalls(ctx, p.opts.Concurrency), p: p, ctx: ctx, cfg: cfg, credSrc: credSrc}
	byRegion := make(map[string][]*source)
	for _, s := range pending {
		if !s.done {
			byRegion[s.t.region] = append(byRegion[s.t.region], s)
		}
	}
	regions := make([]string, 0, len(byRegion))
	for region := range byRegion {
		regions = append(regions, region)
	}
	sort.Strings(regions)
	for _, region := range regions {
		for _, b := range batches(byRegion[region]) {
			r.Go(func() { r.batch(region, b) })
		}
	}
	r.Wait()
}

// request is one selector (NAME, NAME:N or NAME:LABEL) of a GetParameters call and the sources
// that asked for it (several refs can spell one selector: with and without ?region=, say).
type request struct {
	t       target
	sources []*source
}

// batches groups sources of one region into GetParameters calls of at most maxBatch selectors,
// no two of which name the same parameter: an answer entry names the parameter (and its
// version), not the selector asked for, so each entry must match one request. Most profiles
// read one selector per parameter, and then the calls are ceil(n/10).
func batches(group []*source) [][]*request {
	bySel := make(map[string]*request)
	var reqs []*request
	for _, s := range group {
		sel := s.t.selector()
		if rq, ok := bySel[sel]; ok {
			rq.sources = append(rq.sources, s)
			continue
		}
		rq := &request{t: s.t, sources: []*source{s}}
		bySel[sel] = rq
		reqs = append(reqs, rq)
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].t.selector() < reqs[j].t.selector() })
	var (
		out  [][]*request
		keys []map[string]bool // the parameters each batch of out already asks for
	)
	for _, rq := range reqs {
		placed := false
		for i := range out {
			if len(out[i]) < maxBatch && !keys[i][rq.t.key()] {
				out[i], keys[i][rq.t.key()], placed = append(out[i], rq), true, true
				break
			}
		}
		if !placed {
			out = append(out, []*request{rq})
			keys = append(keys, map[string]bool{rq.t.key(): true})
		}
	}
	return out
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

// settle records the outcome of one request for each of its sources.
func (r *run) settle(rq *request, param *types.Parameter, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range rq.sources {
		s.done, s.err = true, err
		if param != nil {
			s.value, s.version, s.created = fromParameter(param)
		}
	}
}

// fromParameter is what an answered parameter resolves to: its value (a SecureString's
// decrypted, a StringList's as written), its version number and its version's LastModifiedDate.
func fromParameter(p *types.Parameter) (value []byte, version string, created time.Time) {
	return []byte(aws.ToString(p.Value)), strconv.FormatInt(p.Version, 10), aws.ToTime(p.LastModifiedDate)
}

// batch reads the selectors of one region with one GetParameters call. Names the answer lists
// as invalid do not exist (or lack that version or label). When the call fails with an error
// that may concern one name only (a refusal, a name Parameter Store rejects, a KMS key it cannot
// use), each name is read on its own, so that the error lands on the parameter it is about.
// Names the answer does not account for are read on their own too.
func (r *run) batch(region string, reqs []*request) {
	names := make([]string, len(reqs))
	for i, rq := range reqs {
		names[i] = rq.t.selector()
	}
	ctx, log := awsconf.WithAttemptLog(r.ctx)
	o, err := r.p.client(r.cfg, region).GetParameters(ctx, &ssm.GetParametersInput{Names: names, WithDecryption: aws.Bool(true)})
	if err != nil {
		if len(reqs) > 1 && perName(err) {
			r.each(region, reqs)
			return
		}
		for _, rq := range reqs {
			r.settle(rq, nil, r.p.callError(r.ctx, log, opGetParameters, rq.t, r.credSrc, err))
		}
		return
	}
	invalid := make(map[string]bool, len(o.InvalidParameters))
	for _, n := range o.InvalidParameters {
		invalid[n] = true
	}
	var unmatched []*request
	for _, rq := range reqs {
		if invalid[rq.t.selector()] {
			r.settle(rq, nil, notFound(rq.t))
			continue
		}
		if param := match(o.Parameters, rq.t, len(reqs) == 1); param != nil {
			r.settle(rq, param, nil)
			continue
		}
		unmatched = append(unmatched, rq)
	}
	if len(reqs) > 1 {
		r.each(region, unmatched)
		return
	}
	for _, rq := range unmatched {
		r.settle(rq, nil, fmt.Errorf("ssm: %s of %s: %w: the answer neither holds it nor lists it as invalid", opGetParameters, rq.t.what(), providers.ErrUnavailable))
	}
}

// each reads every request with a GetParameters call of its own.
func (r *run) each(region string, reqs []*request) {
	for _, rq := range reqs {
		r.Go(func() { r.batch(region, []*request{rq}) })
	}
}

// match finds the answer entry for t: the entry naming t's parameter (by name or ARN, with or
// without the leading '/' of a top-level name) with the version asked for, if any. only says
// that t was the call's one name, whose one entry is its answer whatever its spelling.
func match(params []types.Parameter, t target, only bool) *types.Parameter {
	for i := range params {
		p := &params[i]
		if t.version != 0 && p.Version != t.version {
			continue
		}
		if sel := aws.ToString(p.Selector); sel != "" && t.name+sel != t.selector() {
			continue // AWS names the selector it answered (moto does not)
		}
		if only && len(params) == 1 {
			return p
		}
		for _, n := range []string{aws.ToString(p.Name), aws.ToString(p.ARN)} {
			if n != "" && (target{name: n}).key() == t.key() {
				return p
			}
		}
	}
	return nil
}
