package vault

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// Versions returns the current version of each ref without reading a value
// (providers.Versioner), comparable with the Secret.Version Fetch returned:
//
//   - KV v2: current_version from MOUNT/metadata/PATH, one read per distinct path however many
//     refs and keys share it, with the mount Fetch already detected (no mount lookup);
//   - a ref pinned with ?version=N (N > 0): N, without a request (it never changes);
//   - KV v1 and every other engine: "" without a request (the watcher compares values);
//   - a path whose metadata read the policy refuses: "" from then on, without a request; the
//     first refusal is traced (ReportTraces).
//
// A current version that was deleted or destroyed, or a secret whose metadata is gone, is the
// *RefError that Fetch would return (not found), so the watcher keeps the last value and warns.
// Errors never hold a value.
func (p *Provider) Versions(ctx context.Context, refs []providers.Ref) ([]string, error) {
	out := make([]string, len(refs))
	valid, errs := p.begin(ctx, refs)
	if len(valid) == 0 {
		return out, errors.Join(errs...)
	}
	type check struct {
		version string
		err     error
	}
	checks := make(map[string]*check)
	var paths []string
	for _, i := range valid {
		if pinned(refs[i]) > 0 {
			continue
		}
		if _, seen := checks[refs[i].Path]; !seen {
			checks[refs[i].Path] = new(check)
			paths = append(paths, refs[i].Path)
		}
	}
	p.each(ctx, len(paths), func(ctx context.Context, j int) {
		c := checks[paths[j]] // each call writes only its own check
		if err := ctx.Err(); err != nil {
			c.err = fmt.Errorf("%w: vault: version not read before the deadline: %v", providers.ErrUnavailable, err)
			return
		}
		c.version, c.err = p.currentVersion(ctx, paths[j])
	})
	for _, i := range valid {
		r := refs[i]
		if n := pinned(r); n > 0 {
			out[i] = strconv.Itoa(n)
			continue
		}
		c := checks[r.Path]
		if c.err != nil {
			errs = append(errs, &providers.RefError{Ref: r, Err: c.err})
			continue
		}
		out[i] = c.version
	}
	return out, errors.Join(errs...)
}

// pinned returns the version a ref asks for with ?version=N, or 0 for the latest (no option,
// or ?version=0, which KV v2 reads as the latest too).
func pinned(r providers.Ref) int {
	n, _ := strconv.Atoi(r.Option("version")) // Validate checked it
	return n
}

// currentVersion returns the current KV v2 version of path from its metadata, or "" when path
// is not on a KV v2 mount or its metadata may not be read.
func (p *Provider) currentVersion(ctx context.Context, path string) (string, error) {
	if p.isUnversioned(path) {
		return "", nil
	}
	// The mount Fetch detected, from the cache; detected as Fetch would when not fetched before.
	m, err := p.mountOf(ctx, path)
	if err != nil {
		return "", err
	}
	if m.probe {
		// Detection was refused and no KV v2 read found this path's mount: Fetch reads it as is.
		p.setUnversioned(path)
		return "", nil
	}
	if !m.kv2 {
		return "", nil
	}
	rel := strings.TrimPrefix(path, m.path)
	if rel == "" {
		return "", fmt.Errorf("%w: %q is the KV mount itself; name a secret under it", providers.ErrInvalidRef, path)
	}
	apiPath := m.path + "metadata/" + rel
	var data map[string]any
	err = p.retry(ctx, func(ctx context.Context) error {
		s, err := p.client.Logical().ReadWithContext(ctx, apiPath)
		if err == nil {
			data = nil
			if s != nil {
				data = s.Data
			}
		}
		return err
	})
	if err != nil {
		mapped := p.mapErr(err, "read "+apiPath)
		if errors.Is(mapped, providers.ErrDenied) && !strings.Contains(mapped.Error(), "invalid token") {
			p.setUnversioned(path)
			p.tracef("vault: reading the version of %s from %s was refused (%s): it is checked by reading its value from now on; grant read on %s to check versions without reading values",
				path, apiPath, describeErr(err), apiPath)
			return "", nil
		}
		return "", mapped
	}
	return kv2Current(data, path, apiPath, p.opts.now())
}

// kv2Current returns current_version from a KV v2 metadata response, or the error Fetch would
// give when that version is deleted (deletion_time in the past) or destroyed, or when there is
// no metadata.
func kv2Current(data map[string]any, path, apiPath string, now time.Time) (string, error) {
	cur := fmt.Sprint(data["current_version"])
	if data == nil || data["current_version"] == nil || cur == "0" {
		return "", providers.WithHint(fmt.Errorf("%w: nothing at %s", providers.ErrNotFound, apiPath),
			"the secret %s has no versions any more (its metadata was deleted)", path)
	}
	versions, _ := data["versions"].(map[string]any)
	v, _ := versions[cur].(map[string]any)
	if dt, _ := v["deletion_time"].(string); dt != "" {
		// delete_version_after schedules a deletion: a time still ahead is not one yet.
		if t, err := time.Parse(time.RFC3339Nano, dt); err != nil || !now.Before(t) {
			return "", providers.WithHint(fmt.Errorf("%w: version %s of %s was deleted at %s", providers.ErrNotFound, cur, path, dt),
				"undelete it (vault kv undelete -versions=%s %s) or ask for another ?version=", cur, path)
		}
	}
	if d, _ := v["destroyed"].(bool); d {
		return "", fmt.Errorf("%w: version %s of %s was destroyed", providers.ErrNotFound, cur, path)
	}
	return cur, nil
}

// setUnversioned remembers that path's version is not read from metadata.
func (p *Provider) setUnversioned(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.unversioned == nil {
		p.unversioned = make(map[string]bool)
	}
	p.unversioned[path] = true
}

func (p *Provider) isUnversioned(path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unversioned[path]
}
