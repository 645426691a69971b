package sops

import (
	"fmt"
	"path/filepath"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TestConformance runs the provider conformance suite once per format, on files encrypted for a
// fresh age identity by sops' own library. #NAME selects one value (KeyVariable mode): a top-level
// key of YAML and JSON, a variable of dotenv, a key before any [section] of INI.
func TestConformance(t *testing.T) {
	for _, f := range []Format{YAML, JSON, Dotenv, INI} {
		t.Run(string(f), func(t *testing.T) {
			id := newIdentity(t)
			lookup := env(t, "SOPS_AGE_KEY", id.String())
			dir := t.TempDir()
			opens := countOpens(t)
			var n atomic.Int64
			putVars := func(t *testing.T, vars map[string]string) providers.Ref {
				names := make([]string, 0, len(vars))
				for k := range vars {
					names = append(names, k)
				}
				sort.Strings(names)
				var items []item
				for _, k := range names {
					items = append(items, item{k, vars[k]})
				}
				name := fmt.Sprintf("s%d.enc%s", n.Add(1), extension[f])
				write(t, dir, name, encrypt(t, f, flat(f, items), id.Recipient().String()))
				return providers.Ref{Scheme: Scheme, Path: name}
			}
			providertest.Run(t, providertest.Harness{
				Provider: func(t *testing.T) providers.Provider { return New(dir, WithLookup(lookup)) },
				Put: func(t *testing.T, value []byte) providers.Ref {
					ref := putVars(t, map[string]string{"VALUE": string(value)})
					ref.Key = "VALUE"
					return ref
				},
				PutVars: putVars,
				Missing: func(t *testing.T) providers.Ref {
					return providers.Ref{Scheme: Scheme, Path: filepath.Join("no", "such.enc"+extension[f]), Key: "VALUE"}
				},
				KeyMode: providertest.KeyVariable,
				Reads:   func(t *testing.T) int { return int(opens.Load()) },
			})
		})
	}
}
