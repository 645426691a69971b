package providers_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

type nopProvider struct{ name string }

func (nopProvider) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	return make([]providers.Secret, len(refs)), nil
}

func entry(scheme string, remote bool, opens *atomic.Int64) providers.Entry {
	return providers.Entry{Scheme: scheme, Remote: remote, Summary: scheme + " store", Open: func() (providers.Provider, error) {
		if opens != nil {
			opens.Add(1)
		}
		return nopProvider{scheme}, nil
	}}
}

func TestRegistry(t *testing.T) {
	var vaultOpens, envOpens atomic.Int64
	r := providers.NewRegistry(entry("vault", true, &vaultOpens), entry("env", false, &envOpens), entry("awssm", true, nil))

	var schemes []string
	for _, e := range r.Entries() {
		schemes = append(schemes, e.Scheme)
	}
	if strings.Join(schemes, ",") != "awssm,env,vault" {
		t.Errorf("Entries = %v; want sorted", schemes)
	}
	if got := strings.Join(r.RemoteSchemes(), ","); got != "awssm,vault" {
		t.Errorf("RemoteSchemes = %v", got)
	}
	if !r.Has("vault") || r.Has("gcpsm") || r.Has("") {
		t.Error("Has")
	}
	if len(r.Opened()) != 0 || vaultOpens.Load() != 0 {
		t.Fatal("providers opened before use")
	}

	// Open is lazy and called once, even under concurrent first use.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := r.Provider("vault")
			if err != nil || p.(nopProvider).name != "vault" {
				t.Errorf("Provider(vault) = %v, %v", p, err)
			}
		}()
	}
	wg.Wait()
	if n := vaultOpens.Load(); n != 1 {
		t.Errorf("vault opened %d times", n)
	}
	if envOpens.Load() != 0 {
		t.Error("env opened without use")
	}
	if got := r.Opened(); len(got) != 1 || got[0].(nopProvider).name != "vault" {
		t.Errorf("Opened = %v", got)
	}
	r.Provider("env")
	if got := r.Opened(); len(got) != 2 || got[0].(nopProvider).name != "env" {
		t.Errorf("Opened = %v; want env, vault", got)
	}

	_, err := r.Provider("gcpsm")
	if !errors.Is(err, providers.ErrUnknownScheme) || !strings.Contains(err.Error(), "gcpsm") || !strings.Contains(err.Error(), "vault") {
		t.Errorf("unknown scheme: %v", err)
	}
}

// A failed Open is reported on every call, made once, and the provider is not listed as opened.
func TestRegistryOpenError(t *testing.T) {
	var opens atomic.Int64
	boom := errors.New("no config")
	r := providers.NewRegistry(providers.Entry{Scheme: "vault", Open: func() (providers.Provider, error) {
		opens.Add(1)
		return nil, boom
	}})
	for i := 0; i < 3; i++ {
		if _, err := r.Provider("vault"); !errors.Is(err, boom) {
			t.Errorf("Provider = %v", err)
		}
	}
	if opens.Load() != 1 || len(r.Opened()) != 0 {
		t.Errorf("opens=%d opened=%d", opens.Load(), len(r.Opened()))
	}
}

func TestRegistryPanics(t *testing.T) {
	for name, entries := range map[string][]providers.Entry{
		"duplicate": {entry("vault", true, nil), entry("vault", false, nil)},
		"no scheme": {entry("", true, nil)},
		"no open":   {{Scheme: "vault"}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("NewRegistry did not panic")
				}
			}()
			providers.NewRegistry(entries...)
		})
	}
}
