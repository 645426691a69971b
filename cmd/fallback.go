package cmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/fallback"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
)

// fallbackUse says which variables of a run came from the profile's fallback snapshot
// (docs/fallback.md). It is the hook for the audit trail's `fallback_used` event.
type fallbackUse struct {
	// Names are the variables whose values came from the snapshot, in request order.
	Names []string
	// Schemes are the stores that were unavailable.
	Schemes []string
	// Taken is when the snapshot's values were fetched (from inside the ciphertext); Age is
	// how old they were when used.
	Taken time.Time
	Age   time.Duration
	// Path is the snapshot file.
	Path string
}

// fallbackFor returns the profile's fallback setting, or nil.
func fallbackFor(p *plan) *config.Fallback {
	if p.profile == nil {
		return nil
	}
	return p.profile.Fallback
}

// applyFallback keeps the profile's snapshot up to date and uses it when the stores are down:
// after a fully successful fetch it writes a new snapshot (a failure to write is a warning,
// never the reason a job fails); when every failed fetch failed as unavailable, the failed
// variables take their values from the snapshot, if it holds each of them under the same
// reference, decrypts, belongs to this configuration and profile and is younger than max_age.
// In every other case the fetch errors stand (with the snapshot's own problem added), so that a
// denied access or a missing secret fails exactly as without a fallback.
func (a *app) applyFallback(ctx context.Context, p *plan, results []inject.Result, err error) ([]inject.Result, error) {
	fb := fallbackFor(p)
	if fb == nil || p.noFallback || ctx.Err() != nil {
		return results, err
	}
	path := a.snapshotPath(p, fb)
	if err == nil {
		a.writeSnapshot(ctx, p, fb, path, results)
		return results, nil
	}
	var failed []int
	for i, r := range results {
		if r.Err == nil || r.Skipped {
			continue
		}
		if !errors.Is(r.Err, providers.ErrUnavailable) {
			a.ui().Tracef("fallback: not used: %s failed for another reason than unavailability", r.Name)
			return results, err
		}
		failed = append(failed, i)
	}
	if len(failed) == 0 {
		return results, err
	}
	snap, serr := a.readSnapshot(ctx, p, fb, path)
	if serr != nil {
		return results, errors.Join(err, serr)
	}
	use := &fallbackUse{Taken: snap.Taken(), Age: time.Since(snap.Taken()), Path: path}
	for _, i := range failed {
		r := &results[i]
		e, ok := snap.Lookup(r.Name, r.Request.Ref)
		if !ok {
			return results, errors.Join(err, fmt.Errorf("fallback: the snapshot %s holds no value for %s from %s", path, r.Name, inject.DisplayRef(r.Request.Ref, p.registry)))
		}
		if !slices.Contains(use.Schemes, r.Parsed.Scheme) {
			use.Schemes = append(use.Schemes, r.Parsed.Scheme)
		}
		use.Names = append(use.Names, r.Name)
		a.ui().Tracef("%s: %s from the fallback snapshot (fetched %s)", r.Name, inject.DisplayRef(r.Request.Ref, p.registry), e.FetchedAt.Format(time.RFC3339))
		r.Secret, r.Err = providers.NewSecret([]byte(e.Value), e.Version), nil
	}
	p.fallbackUsed = use
	a.ui().Warnf("%s unavailable; using the fallback snapshot from %s ago for %s (fallback: %s)",
		strings.Join(use.Schemes, ", "), roundAge(use.Age), strings.Join(use.Names, ", "), path)
	return results, nil
}

// writeSnapshot encrypts the fetched values to the profile's snapshot, unless a value fails
// the profile's validate rules (the snapshot is the last known *good* state).
func (a *app) writeSnapshot(ctx context.Context, p *plan, fb *config.Fallback, path string, results []inject.Result) {
	if _, _, err := a.checkValues(p, results); err != nil {
		a.ui().Tracef("fallback: snapshot not written: values fail validation")
		return // the run fails on them; the last good snapshot stays
	}
	key, err := a.fallbackKey(ctx, p, fb)
	if err != nil {
		a.ui().Warnf("fallback snapshot not written: %v", err)
		return
	}
	now := time.Now().UTC()
	snap := &fallback.Snapshot{Config: configID(a, p), Profile: p.profile.Name}
	for _, r := range results {
		if r.Err != nil {
			continue
		}
		snap.Entries = append(snap.Entries, fallback.Entry{Name: r.Name, Ref: r.Request.Ref, Value: r.Secret.Reveal(), Version: r.Secret.Version, FetchedAt: now})
	}
	start := time.Now()
	if err := fallback.Write(path, snap, key); err != nil {
		a.ui().Warnf("fallback snapshot not written: %v", err)
		return
	}
	a.ui().Tracef("fallback: snapshot of %d values written to %s in %.1fms", len(snap.Entries), path, float64(time.Since(start).Microseconds())/1000)
}

// readSnapshot decrypts and checks the profile's snapshot; every error is for the user.
func (a *app) readSnapshot(ctx context.Context, p *plan, fb *config.Fallback, path string) (*fallback.Snapshot, error) {
	key, err := a.fallbackKey(ctx, p, fb)
	if err != nil {
		return nil, err
	}
	snap, err := fallback.Read(path, key, configID(a, p), p.profile.Name, fb.MaxAge, time.Now())
	switch {
	case errors.Is(err, fallback.ErrNone):
		return nil, fmt.Errorf("fallback: no snapshot at %s (one is written after every successful fetch)", path)
	case errors.Is(err, fallback.ErrExpired):
		return nil, fmt.Errorf("fallback: the snapshot %s is from %s ago, older than max_age %s", path, roundAge(time.Since(snap.Taken())), fb.MaxAge)
	case err != nil:
		return nil, fmt.Errorf("fallback: %s: %w", path, err)
	}
	return snap, nil
}

// fallbackKey resolves the profile's identity or passphrase reference (env:// or file://,
// `file://~/` is the home directory) through the registry.
func (a *app) fallbackKey(ctx context.Context, p *plan, fb *config.Fallback) (*fallback.Key, error) {
	ref := fb.KeyRef()
	if rest, ok := strings.CutPrefix(ref, "file://~/"); ok {
		ref = "file://" + filepath.Join(a.deps.getenv("HOME"), rest)
	}
	res, err := (&inject.Resolver{Registry: p.registry, Timeout: a.opts.timeout}).Resolve(ctx, []inject.Request{{Name: "fallback key", Ref: ref, Origin: fmt.Sprintf("%s:%d", p.cfg.Path, fb.Line)}})
	if err != nil {
		return nil, fmt.Errorf("fallback: %w", err)
	}
	value := res[0].Secret.Reveal()
	if fb.Identity != "" {
		return fallback.IdentityKey(value)
	}
	return fallback.PassphraseKey(value)
}

// snapshotPath is the profile's snapshot file: `path` (`~/` is the home directory, relative to
// the configuration file's directory), or by default
// $XDG_CACHE_HOME/secretrun/fallback/PROFILE-HASH.age, HASH naming the configuration file.
func (a *app) snapshotPath(p *plan, fb *config.Fallback) string {
	home := a.deps.getenv("HOME")
	if fb.Path != "" {
		switch rest, ok := strings.CutPrefix(fb.Path, "~/"); {
		case ok:
			return filepath.Join(home, rest)
		case filepath.IsAbs(fb.Path):
			return fb.Path
		}
		return filepath.Join(filepath.Dir(configID(a, p)), fb.Path)
	}
	cache := a.deps.getenv("XDG_CACHE_HOME")
	if cache == "" || !filepath.IsAbs(cache) {
		cache = filepath.Join(home, ".cache")
	}
	sum := sha256.Sum256([]byte(configID(a, p) + "\x00" + p.profile.Name))
	return filepath.Join(cache, "secretrun", "fallback", safeName.ReplaceAllString(p.profile.Name, "_")+"-"+hex.EncodeToString(sum[:8])+".age")
}

var safeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// configID is the configuration file's absolute path: a snapshot is bound to it.
func configID(a *app, p *plan) string {
	if filepath.IsAbs(p.cfg.Path) {
		return filepath.Clean(p.cfg.Path)
	}
	return filepath.Join(a.deps.Dir, p.cfg.Path)
}

// roundAge shows an age to the second (to the minute past an hour).
func roundAge(d time.Duration) string {
	if d >= time.Hour {
		d = d.Round(time.Minute)
	} else {
		d = d.Round(time.Second)
	}
	s := d.String()
	if d >= time.Minute {
		s = strings.TrimSuffix(s, "0s") // 2h13m, 5m
	}
	if d >= time.Hour {
		s = strings.TrimSuffix(s, "0m") // 24h
	}
	return s
}

// snapshotReport is `secretrun check`'s view of the profile's fallback snapshot (never a value).
type snapshotReport struct {
	// Status is ok, expired, none or unreadable.
	Status string `json:"status"`
	Path   string `json:"path"`
	// Age is how old the snapshot's values are, in seconds, when it could be decrypted.
	Age    *int64 `json:"age_s,omitempty"`
	MaxAge int64  `json:"max_age_s"`
	Error  string `json:"error,omitempty"`
	// HasValue says, on a row, whether the snapshot holds this variable under this reference.
	HasValue bool `json:"has_value"`

	snap *fallback.Snapshot
}

// snapshotStatus reads the profile's snapshot for check; nil without a fallback setting.
func (a *app) snapshotStatus(ctx context.Context, p *plan) *snapshotReport {
	fb := fallbackFor(p)
	if fb == nil {
		return nil
	}
	path := a.snapshotPath(p, fb)
	rep := &snapshotReport{Status: "ok", Path: path, MaxAge: int64(fb.MaxAge / time.Second)}
	key, err := a.fallbackKey(ctx, p, fb)
	if err == nil {
		rep.snap, err = fallback.Read(path, key, configID(a, p), p.profile.Name, fb.MaxAge, time.Now())
	}
	if rep.snap != nil {
		age := int64(time.Since(rep.snap.Taken()) / time.Second)
		rep.Age = &age
	}
	switch {
	case errors.Is(err, fallback.ErrNone):
		rep.Status = "none"
	case errors.Is(err, fallback.ErrExpired):
		rep.Status = "expired"
	case err != nil:
		rep.Status, rep.Error = "unreadable", a.ui().mask(err.Error())
	}
	return rep
}

// row returns the report for one variable of check's table.
func (r *snapshotReport) row(res inject.Result) *snapshotReport {
	if r == nil {
		return nil
	}
	c := *r
	if r.snap != nil {
		_, c.HasValue = r.snap.Lookup(res.Name, res.Request.Ref)
	}
	return &c
}

// String is check's line about the snapshot.
func (r *snapshotReport) String() string {
	s := "fallback snapshot: " + r.Status
	if r.Age != nil {
		s += fmt.Sprintf(", %s old", roundAge(time.Duration(*r.Age)*time.Second))
	}
	s += fmt.Sprintf(" (max_age %s): %s", roundAge(time.Duration(r.MaxAge)*time.Second), r.Path)
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}
