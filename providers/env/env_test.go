package env_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/env"
	"github.com/secretrun/secretrun/providers/providertest"
)

var _ interface {
	providers.Provider
	providers.Validator
} = (*env.Provider)(nil)

// fakeEnv is a hermetic environment that counts lookups.
type fakeEnv struct {
	mu      sync.Mutex
	vars    map[string]string
	lookups int
}

func (f *fakeEnv) set(name, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vars[name] = value
}

func (f *fakeEnv) lookup(name string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	v, ok := f.vars[name]
	return v, ok
}

func (f *fakeEnv) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups
}

func mustRef(t *testing.T, s string) providers.Ref {
	t.Helper()
	r, err := providers.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestConformance(t *testing.T) {
	f := &fakeEnv{vars: map[string]string{}}
	n := 0
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return env.New(f.lookup) },
		Put: func(t *testing.T, value []byte) providers.Ref {
			f.mu.Lock()
			n++
			name := fmt.Sprintf("SECRET_%d", n)
			f.mu.Unlock()
			f.set(name, string(value))
			return providers.Ref{Scheme: "env", Path: name}
		},
		Missing: func(t *testing.T) providers.Ref { return providers.Ref{Scheme: "env", Path: "NOT_SET"} },
		Reads:   func(t *testing.T) int { return f.count() },
	})
}

func TestFetch(t *testing.T) {
	f := &fakeEnv{vars: map[string]string{
		"CI_DB_PASSWORD": "pw",
		"CI_JSON":        `{"user":"u","n":1}`,
		"EMPTY":          "",
	}}
	p := env.New(f.lookup)
	refs := []providers.Ref{
		mustRef(t, "env://CI_DB_PASSWORD"), mustRef(t, "env://CI_JSON#user"), mustRef(t, "env://CI_JSON#/n"),
		mustRef(t, "env://EMPTY?allow_empty=true"),
	}
	s, err := p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []string{"pw", "u", "1", ""} {
		if s[i].Reveal() != w {
			t.Errorf("%s = %q; want %q", refs[i], s[i].Reveal(), w)
		}
	}

	tests := []struct {
		ref      string
		sentinel error
		text     string
		hint     string
	}{
		{"env://NOT_SET", providers.ErrNotFound, "NOT_SET is not set", "export NOT_SET"},
		{"env://EMPTY", providers.ErrNotFound, "EMPTY is set but empty", "allow_empty"},
		{"env://EMPTY?allow_empty=false", providers.ErrNotFound, "set but empty", ""},
		{"env://CI_JSON#nope", providers.ErrKeyNotFound, "nope", ""},
		{"env://A=B", providers.ErrInvalidRef, "not an environment variable name", ""},
		{"env://A/B", providers.ErrInvalidRef, "not an environment variable name", ""},
		{"env://X?foo=1", providers.ErrInvalidRef, "unknown option", "allow_empty"},
		{"env://X?allow_empty=yes", providers.ErrInvalidRef, "true or false", ""},
	}
	for _, tt := range tests {
		ref := mustRef(t, tt.ref)
		s, err := p.Fetch(context.Background(), []providers.Ref{ref})
		if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("Fetch(%s) = %v; want %v containing %q", ref, err, tt.sentinel, tt.text)
		}
		if !strings.Contains(providers.Hint(err), tt.hint) {
			t.Errorf("Fetch(%s) hint %q; want %q", ref, providers.Hint(err), tt.hint)
		}
		if res := providertest.RefErrors(err); len(res) != 1 || res[0].Ref != ref {
			t.Errorf("want one RefError for %s: %v", ref, err)
		}
		if s[0].Len() != 0 {
			t.Errorf("%s: value returned with an error", ref)
		}
		providertest.AssertNoValues(t, err, "pw", `"u"`)
	}
}

// Invalid refs fail alone; the rest of the batch is still fetched, in order.
func TestMixedValidity(t *testing.T) {
	p := env.New(func(n string) (string, bool) { return "v-" + n, true })
	refs := []providers.Ref{mustRef(t, "env://A"), mustRef(t, "env://B=C"), mustRef(t, "env://D")}
	s, err := p.Fetch(context.Background(), refs)
	if len(providertest.RefErrors(err)) != 1 {
		t.Fatalf("err = %v", err)
	}
	if s[0].Reveal() != "v-A" || s[1].Len() != 0 || s[2].Reveal() != "v-D" {
		t.Errorf("got %q %q %q", s[0].Reveal(), s[1].Reveal(), s[2].Reveal())
	}
}

func TestNilLookupIsProcessEnv(t *testing.T) {
	t.Setenv("SECRETRUN_ENV_PROVIDER_TEST", "x")
	s, err := env.New(nil).Fetch(context.Background(), []providers.Ref{mustRef(t, "env://SECRETRUN_ENV_PROVIDER_TEST")})
	if err != nil || s[0].Reveal() != "x" {
		t.Fatalf("got %q, %v", s[0].Reveal(), err)
	}
}
