package sops

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// Every value of a sops file, in each format, with one read and one decryption; each item's
// Ref reads the same value on its own; a wrong key fails closed without a value.
func TestImport(t *testing.T) {
	id := newIdentity(t)
	files := []struct {
		format Format
		plain  string
		want   string // key=value lines, in file order
	}{
		{YAML, "db_password: CANARY-yaml-db\nport: 5432\nnested:\n    a: b\n", "db_password=CANARY-yaml-db\nport=5432\nnested={\"a\":\"b\"}"},
		{JSON, `{"api-key": "CANARY-json-api", "/odd": "CANARY-json-odd"}`, "api-key=CANARY-json-api\n/odd=CANARY-json-odd"},
		{Dotenv, "TOKEN=CANARY-dotenv-token\nOTHER=x\n", "TOKEN=CANARY-dotenv-token\nOTHER=x"},
		{INI, "top=CANARY-ini-top\n[db]\npassword=CANARY-ini-db\n", "top=CANARY-ini-top\ndb/password=CANARY-ini-db"},
	}
	for _, fx := range files {
		t.Run(string(fx.format), func(t *testing.T) {
			dir := t.TempDir()
			name := "secrets.enc" + extension[fx.format]
			write(t, dir, name, encryptText(t, fx.format, fx.plain, id.Recipient().String()))
			opens := countOpens(t)
			p := New(dir, WithLookup(env(t, envAgeKey, id.String())))
			items, err := p.Import(context.Background(), providers.Ref{Scheme: Scheme, Path: name}, providers.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if n := opens.Load(); n != 1 {
				t.Errorf("%d values cost %d reads; want 1", len(items), n)
			}
			var got []string
			var refs []providers.Ref
			for _, it := range items {
				got = append(got, it.Key+"="+it.Secret.Reveal())
				refs = append(refs, it.Ref)
			}
			if strings.Join(got, "\n") != fx.want {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), fx.want)
			}
			again, err := p.Fetch(context.Background(), refs)
			if err != nil {
				t.Fatal(err)
			}
			for i := range again {
				if again[i].Reveal() != items[i].Secret.Reveal() {
					t.Errorf("%s does not read what the import gave", refs[i])
				}
			}

			wrong := New(dir, WithLookup(env(t, envAgeKey, newIdentity(t).String())))
			_, err = wrong.Import(context.Background(), providers.Ref{Scheme: Scheme, Path: name}, providers.ImportOptions{})
			if err == nil {
				t.Fatal("a wrong key imported something")
			}
			providertest.AssertNoValues(t, err, "CANARY-yaml-db", "CANARY-json-api", "CANARY-dotenv-token", "CANARY-ini-db")
		})
	}
}

func TestCheckImportSops(t *testing.T) {
	p := New(t.TempDir())
	for src, want := range map[string]string{
		"sops://s.enc.yaml":            "",
		"sops://s.env":                 "",
		"sops://s.enc.yaml#k":          "an import takes no #key",
		"sops://s?format=binary":       "a binary sops file holds one value",
		"sops://s.txt":                 "format",
		"sops://s.enc.yaml?format=xml": "format",
	} {
		r, err := providers.ParseRef(src)
		if err != nil {
			t.Fatal(err)
		}
		err = p.CheckImport(r, providers.ImportOptions{})
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", src, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, providers.ErrInvalidRef)):
			t.Errorf("%s: got %v, want ErrInvalidRef containing %q", src, err, want)
		}
	}
}
