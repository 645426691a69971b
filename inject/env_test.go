package inject

import (
	"reflect"
	"strings"
	"testing"
)

func TestBuildEnv(t *testing.T) {
	parent := []string{"PATH=/bin", "HOME=/root", "SECRETRUN_PROFILE=dev", "VAULT_TOKEN=CANARY-tok", "AWS_SECRET_ACCESS_KEY=x", "DB=inherited", "LC_ALL=C"}
	tests := []struct {
		name      string
		spec      EnvSpec
		want      []string
		clobbered []string
	}{
		{
			name: "scrub, deny, then env and secrets in order",
			spec: EnvSpec{
				Scrub:   []string{"SECRETRUN_*", "VAULT_TOKEN"},
				Deny:    []string{"AWS_SECRET_*"},
				Env:     []Var{{"APP_ENV", "dev"}},
				Secrets: []Var{{"API_KEY", "k"}},
			},
			want: []string{"PATH=/bin", "HOME=/root", "DB=inherited", "LC_ALL=C", "APP_ENV=dev", "API_KEY=k"},
		},
		{
			name:      "a secret replaces an inherited variable in place and is reported",
			spec:      EnvSpec{Secrets: []Var{{"DB", "from-secret"}}, Inherit: keep("DB")},
			want:      []string{"DB=from-secret"},
			clobbered: []string{"DB"},
		},
		{
			name:      "no clobber keeps the inherited value",
			spec:      EnvSpec{Secrets: []Var{{"DB", "from-secret"}}, Inherit: keep("DB"), NoClobber: true},
			want:      []string{"DB=inherited"},
			clobbered: []string{"DB"},
		},
		{
			name: "inherit nothing",
			spec: EnvSpec{Inherit: keep(), Env: []Var{{"A", "1"}}},
			want: []string{"A=1"},
		},
		{
			name: "a profile env value is not a clobber",
			spec: EnvSpec{Inherit: keep("DB"), Env: []Var{{"DB", "plain"}}},
			want: []string{"DB=plain"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Parent = parent
			got, err := BuildEnv(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Vars, tt.want) {
				t.Errorf("Vars = %q\nwant %q", got.Vars, tt.want)
			}
			if !reflect.DeepEqual(got.Clobbered, tt.clobbered) {
				t.Errorf("Clobbered = %q, want %q", got.Clobbered, tt.clobbered)
			}
		})
	}
}

func keep(names ...string) func(string) bool {
	return func(n string) bool { return MatchAny(names, n) }
}

func TestBuildEnvRejectsNULByNameOnly(t *testing.T) {
	_, err := BuildEnv(EnvSpec{Secrets: []Var{{"BLOB", "CANARY\x00binary"}}})
	if err == nil || !strings.Contains(err.Error(), "BLOB") || !strings.Contains(err.Error(), "as: file") {
		t.Fatalf("err = %v, want the variable named and a hint", err)
	}
	if strings.Contains(err.Error(), "CANARY") {
		t.Errorf("error holds the value: %v", err)
	}
}

func TestBuildEnvNeverNil(t *testing.T) {
	got, err := BuildEnv(EnvSpec{})
	if err != nil || got.Vars == nil {
		t.Fatalf("BuildEnv(empty) = %#v, %v; want an empty, non-nil environment", got.Vars, err)
	}
}
