package awssm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

var _ providers.Importer = (*Provider)(nil)

// CheckImport implements providers.Importer: awssm://NAME imports every key of a JSON secret
// (one read); awssm://PREFIX/ (a trailing '/') imports every secret whose name starts with
// PREFIX/ (ListSecrets, then BatchGetSecretValue 20 at a time): the names one level below it,
// or every name below it with Recursive.
func (p *Provider) CheckImport(src providers.Ref, opts providers.ImportOptions) error {
	if src.Key != "" {
		return providers.WithHint(fmt.Errorf("awssm: %w: an import takes no #key", providers.ErrInvalidRef),
			"import awssm://%s to get every key of the secret as a variable", src.Path)
	}
	prefix, isPrefix := strings.CutSuffix(src.Path, "/")
	if !isPrefix {
		if opts.Recursive {
			return providers.WithHint(fmt.Errorf("awssm: %w: recursive applies to a name prefix, and %s names one secret", providers.ErrInvalidRef, src.Path),
				"end the name with / to import every secret under it: awssm://%s/", src.Path)
		}
		_, err := parseRef(src)
		return err
	}
	t, err := parseRef(providers.Ref{Scheme: src.Scheme, Path: prefix + "/x", Query: src.Query})
	if err != nil {
		return err
	}
	if t.stage != "" || t.version != "" || strings.HasPrefix(src.Path, "arn:") {
		return fmt.Errorf("awssm: %w: a name prefix import takes only ?region= (no version, no ARN)", providers.ErrInvalidRef)
	}
	if p.cfg.Agent != "" {
		return providers.WithHint(fmt.Errorf("awssm: %w: the Secrets Manager Agent cannot list secrets, so a name prefix cannot be imported through it", providers.ErrInvalidRef),
			"import the keys of one JSON secret (awssm://NAME), or read through the API (remove providers.aws.agent)")
	}
	return nil
}

// Import implements providers.Importer. The keys of a JSON secret are its top-level fields
// (their values as awssm://NAME#KEY gives them); under a prefix, the keys are the names after
// the prefix, each value as awssm://NAME alone gives it. A secret scheduled for deletion is not
// listed; one deleted between the list and the read is left out.
func (p *Provider) Import(ctx context.Context, src providers.Ref, opts providers.ImportOptions) ([]providers.Imported, error) {
	if err := p.CheckImport(src, opts); err != nil {
		return nil, err
	}
	if strings.HasSuffix(src.Path, "/") {
		return p.importPrefix(ctx, src, opts.Recursive)
	}
	got, err := p.Fetch(ctx, []providers.Ref{src})
	if err != nil {
		return nil, unwrapRef(err)
	}
	out, ok, err := providers.ImportFields(src, []byte(got[0].Reveal()), got[0])
	if !ok {
		return nil, providers.WithHint(fmt.Errorf("awssm: %w: secret %q is not a JSON object, so it has no keys to import", providers.ErrInvalidRef, src.Path),
			"use it as one secret (secrets: NAME: awssm://%s), or import a name prefix ending with /", src.Path)
	}
	return out, err
}

// importPrefix lists the secrets whose names start with src's path and reads them with Fetch
// (BatchGetSecretValue, 20 names a call).
func (p *Provider) importPrefix(ctx context.Context, src providers.Ref, recursive bool) ([]providers.Imported, error) {
	t, _ := parseRef(providers.Ref{Scheme: src.Scheme, Path: strings.TrimSuffix(src.Path, "/") + "/x", Query: src.Query})
	t.id = src.Path
	cfg, err := p.load(ctx)
	if err != nil {
		return nil, err
	}
	if t.region == "" {
		t.region = cfg.Region
	}
	if t.region == "" {
		return nil, providers.WithHint(fmt.Errorf("awssm: %w: no AWS region", providers.ErrInvalidRef),
			"set providers.aws.region, AWS_REGION, a region in the AWS profile, or add ?region= to the reference")
	}
	credSrc, err := awsconf.Ready(ctx, Scheme, p.cfg, cfg)
	if err != nil {
		return nil, err
	}
	client := p.client(cfg, t.region)
	in := &secretsmanager.ListSecretsInput{
		MaxResults: aws.Int32(100),
		// The name filter matches prefixes without regard to case: the names are checked again.
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{src.Path}}},
	}
	var names []string
	for {
		lctx, log := awsconf.WithAttemptLog(ctx)
		o, err := client.ListSecrets(lctx, in)
		if err != nil {
			return nil, p.callError(ctx, log, "ListSecrets", t, credSrc, err)
		}
		for _, e := range o.SecretList {
			name := aws.ToString(e.Name)
			rest, ok := strings.CutPrefix(name, src.Path)
			if !ok || rest == "" || e.DeletedDate != nil || (!recursive && strings.Contains(rest, "/")) {
				continue
			}
			names = append(names, name)
		}
		if aws.ToString(o.NextToken) == "" {
			break
		}
		in.NextToken = o.NextToken
	}
	sort.Strings(names)
	refs := make([]providers.Ref, len(names))
	for i, name := range names {
		refs[i] = providers.Ref{Scheme: Scheme, Path: name, Query: src.Query}
	}
	got, err := p.Fetch(ctx, refs)
	failed := map[providers.Ref]error{}
	for _, e := range splitJoined(err) {
		var re *providers.RefError
		if errors.As(e, &re) {
			failed[re.Ref] = re.Err
			continue
		}
		return nil, e
	}
	out := make([]providers.Imported, 0, len(refs))
	for i, ref := range refs {
		if e := failed[ref]; e != nil {
			if errors.Is(e, providers.ErrNotFound) {
				continue // deleted between the list and the read
			}
			return nil, e
		}
		out = append(out, providers.Imported{Key: strings.TrimPrefix(names[i], src.Path), Ref: ref, Secret: got[i]})
	}
	return out, nil
}

// splitJoined splits Fetch's joined error into its parts.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}

// unwrapRef returns the cause of a single-ref Fetch failure without the *RefError that repeats
// the reference.
func unwrapRef(err error) error {
	var re *providers.RefError
	if errs := splitJoined(err); len(errs) == 1 && errors.As(errs[0], &re) {
		return re.Err
	}
	return err
}
