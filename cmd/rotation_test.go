package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/config"
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
