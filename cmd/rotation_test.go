package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

func TestFormatAgeAndPeriod(t *testing.T) {
	for _, tt := range []struct {
		d         time.Duration
		age, poli string
	}{
		{0, "0m", "0s"},
		{59 * time.Second, "0m", "59s"},
		{90 * time.Minute, "1h", "1h30m0s"},
		{36 * time.Hour, "1d", "1d12h0m0s"},
		{90 * config.Day, "90d", "90d"},
		{102*config.Day + 5*time.Hour, "102d", "102d5h0m0s"},
	} {
		if got := formatAge(tt.d); got != tt.age {
			t.Errorf("formatAge(%v) = %q, want %q", tt.d, got, tt.age)
		}
		if got := formatPeriod(tt.d); got != tt.poli {
			t.Errorf("formatPeriod(%v) = %q, want %q", tt.d, got, tt.poli)
		}
	}
}

func TestRotationProblems(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	owned := rotationPolicy{profile: true, owner: "team-db", every: 90 * config.Day}
	for _, tt := range []struct {
		name    string
		policy  rotationPolicy
		created time.Time
		strict  bool
		want    []string // substrings, one per problem, in order
	}{
		{"within policy", owned, now.Add(-89 * config.Day), true, nil},
		{"overdue", owned, now.Add(-102 * config.Day), false, []string{"rotate_every 90d: overdue by 12d (age 102d, owner team-db)"}},
		{"created in the future is age 0", owned, now.Add(time.Hour), true, nil},
		{"unknown age under a policy", owned, time.Time{}, false, []string{"rotate_every 90d: age unknown"}},
		{"no policy, not strict", rotationPolicy{profile: true}, now.Add(-1000 * config.Day), false, nil},
		{"no policy, strict", rotationPolicy{profile: true}, now, true, []string{"no owner", "no rotate_every"}},
		{"env-file ref, strict: never held to a policy", rotationPolicy{}, time.Time{}, true, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := rotationProblems(tt.policy, ageOf(tt.policy, tt.created, now), tt.strict)
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %d problems like %q", got, len(tt.want), tt.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], tt.want[i])
				}
			}
		})
	}
	if r := ageOf(owned, now.Add(-100*config.Day), now); r.overdue != 10*config.Day {
		t.Errorf("overdue = %v, want 10d", r.overdue)
	}
}

// datedRemote is a remote store whose Fetch returns no creation time and whose Dater extra
// knows it for "old" and fails, quoting a value (wrongly), for any other path.
type datedRemote struct{ staticRemote }

func (datedRemote) Created(_ context.Context, refs []providers.Ref, versions []string) ([]time.Time, error) {
	out := make([]time.Time, len(refs))
	var errs []error
	for i, r := range refs {
		if versions[i] != "" {
			errs = append(errs, &providers.RefError{Ref: r, Err: errors.New("versions are not passed through")})
			continue
		}
		if r.Path == "old" {
			out[i] = time.Now().Add(-10 * config.Day)
			continue
		}
		errs = append(errs, &providers.RefError{Ref: r, Err: fmt.Errorf("%w: no metadata access for CANARY-remote-%s", providers.ErrDenied, r.Path)})
	}
	return out, errors.Join(errs...)
}

// check asks a provider's Dater for the ages its fetch did not give; a time it cannot read is
// "unknown" with a warning, masked, and --strict-rotation fails on it as on an overdue secret.
func TestCheckAsksDater(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "secretrun.yaml"), []byte(`version: 1
profiles:
  p:
    secrets:
      OLD: {ref: "remote://old", owner: team, rotate_every: 5d}
      OTHER: {ref: "remote://other", owner: team, rotate_every: 5d}
`), 0o600))
	for _, tt := range []struct {
		args   []string
		status int
		stderr []string
	}{
		{[]string{"check"}, 0, []string{
			"secretrun: warning: OTHER (secretrun.yaml:6): remote://other: creation time not read: access denied: no metadata access for ***",
			"secretrun: warning: OLD (secretrun.yaml:5): remote://old: rotate_every 5d: overdue by 5d (age 10d, owner team)",
		}},
		{[]string{"check", "--strict-rotation"}, ExitPolicy, []string{
			"secretrun: error: OLD (secretrun.yaml:5): remote://old: rotate_every 5d: overdue by 5d",
			"secretrun: error: OTHER (secretrun.yaml:6): remote://other: rotate_every 5d: age unknown",
		}},
	} {
		d, stdout, stderr := fakeDeps(t, dir, false)
		d.Registry = func(*config.Config, string) *providers.Registry {
			return providers.NewRegistry(providers.Entry{Scheme: "remote", Remote: true, Open: func() (providers.Provider, error) { return datedRemote{}, nil }})
		}
		if status := Execute(d, tt.args); status != tt.status {
			t.Fatalf("%v: exit status %d, want %d\n%s", tt.args, status, tt.status, stderr)
		}
		if !regexp.MustCompile(`(?m)^OLD +remote://old +remote +ok +- +10d `).MatchString(stdout.String()) ||
			!regexp.MustCompile(`(?m)^OTHER +remote://other +remote +ok +- +unknown `).MatchString(stdout.String()) {
			t.Errorf("%v: stdout:\n%s", tt.args, stdout)
		}
		for _, want := range tt.stderr {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("%v: stderr lacks %q:\n%s", tt.args, want, stderr)
			}
		}
		if strings.Contains(stdout.String()+stderr.String(), "CANARY") {
			t.Errorf("%v: a value was printed:\n%s%s", tt.args, stdout, stderr)
		}
	}
}
