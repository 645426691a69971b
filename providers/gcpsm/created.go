package gcpsm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/googleapis/gax-go/v2"

	"github.com/secretrun/secretrun/providers"
)

// Created implements [providers.Dater]: one GetSecretVersion per distinct resolved version,
// for its createTime (AccessSecretVersion, which Fetch uses, does not return it). Only
// `secretrun check` calls it.
func (p *Provider) Created(ctx context.Context, refs []providers.Ref, versions []string) ([]time.Time, error) {
	out := make([]time.Time, len(refs))
	type answer struct {
		t   time.Time
		err error
	}
	done := make(map[string]answer)
	var errs []error
	for i, r := range refs {
		n, err := parseName(r)
		if err != nil {
			errs = append(errs, &providers.RefError{Ref: r, Err: err})
			continue
		}
		if i < len(versions) && versions[i] != "" {
			n.Version = versions[i] // the version Fetch resolved, not "latest" again
		}
		proj := ""
		if n.Project == "" {
			if proj, err = p.defaultProject(ctx); err != nil {
				errs = append(errs, &providers.RefError{Ref: r, Err: err})
				continue
			}
		}
		res := n.resource(proj)
		a, ok := done[res]
		if !ok {
			a.t, a.err = p.versionCreated(ctx, res)
			done[res] = a
		}
		if a.err != nil {
			errs = append(errs, &providers.RefError{Ref: r, Err: a.err})
			continue
		}
		out[i] = a.t
	}
	return out, errors.Join(errs...)
}

// versionCreated reads one version's metadata (never its payload) for its createTime.
func (p *Provider) versionCreated(ctx context.Context, resource string) (time.Time, error) {
	c, err := p.getClient(ctx)
	if err != nil {
		return time.Time{}, err
	}
	rt := &retryer{inner: gax.OnCodes(retryCodes, p.backoff), max: p.attempts}
	v, err := c.GetSecretVersion(ctx, &secretmanagerpb.GetSecretVersionRequest{Name: resource},
		gax.WithRetry(func() gax.Retryer { return rt }))
	if err != nil {
		return time.Time{}, fmt.Errorf("get version %s: %w", resource, p.classify(ctx, resource, err, rt))
	}
	if ct := v.GetCreateTime(); ct != nil && ct.IsValid() {
		return ct.AsTime(), nil
	}
	return time.Time{}, nil
}
