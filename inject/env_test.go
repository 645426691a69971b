package inject

import (
	"os"
	"path/filepath"
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

func TestSecretFilesArePrivateAndRemoved(t *testing.T) {
	f, err := NewSecretFiles("")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Remove()
	p, err := f.Write("TLS_KEY", "CANARY-key\x00with-binary")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(p) != f.Dir() {
		t.Errorf("file %s is not in %s", p, f.Dir())
	}
	for path, mode := range map[string]os.FileMode{f.Dir(): 0o700 | os.ModeDir, p: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != mode {
			t.Errorf("%s mode = %v, want %v", path, st.Mode(), mode)
		}
	}
	if data, _ := os.ReadFile(p); string(data) != "CANARY-key\x00with-binary" {
		t.Errorf("content = %q", data)
	}
	if _, err := os.Stat("/dev/shm"); err == nil && !strings.HasPrefix(f.Dir(), "/dev/shm/") {
		t.Errorf("dir %s is not on /dev/shm although it exists", f.Dir())
	}
	dir := f.Dir()
	if err := f.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Remove: %v", dir, err)
	}
	if err := f.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}
