package fallback

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

const canary = "CANARY-fallback-db-pass-5c1e"

func newIdentityKey(t *testing.T) *Key {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	k, err := IdentityKey("# created: now\n" + id.String() + "\n")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sample(at time.Time) *Snapshot {
	return &Snapshot{Config: "/etc/app/secretrun.yaml", Profile: "prod", Entries: []Entry{
		{Name: "DB_PASS", Ref: "vault://secret/db#password", Value: canary, Version: "3", FetchedAt: at},
		{Name: "API_KEY", Ref: "awssm://prod/api", Value: "CANARY-api-key-77aa", FetchedAt: at.Add(time.Second)},
	}}
}

func TestRoundTrip(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	for name, key := range map[string]*Key{"identity": newIdentityKey(t), "passphrase": mustPass(t, "correct horse battery staple\n")} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cache", "prod.age")
			if err := Write(path, sample(now), key); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("left %d files in the directory, want only the snapshot", len(entries))
			}
			s, err := Read(path, key, "/etc/app/secretrun.yaml", "prod", time.Hour, now.Add(30*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			e, ok := s.Lookup("DB_PASS", "vault://secret/db#password")
			if !ok || e.Value != canary || e.Version != "3" || !e.FetchedAt.Equal(now) {
				t.Errorf("DB_PASS = %+v, %v", e, ok)
			}
			if _, ok := s.Lookup("DB_PASS", "vault://secret/other#password"); ok {
				t.Error("found DB_PASS under another reference")
			}
			if !s.Taken().Equal(now) {
				t.Errorf("taken %v, want the oldest fetch %v", s.Taken(), now)
			}
			raw, _ := os.ReadFile(path)
			for _, enc := range []string{canary, base64.StdEncoding.EncodeToString([]byte(canary)), hex.EncodeToString([]byte(canary)), "DB_PASS", "vault://"} {
				if strings.Contains(string(raw), enc) {
					t.Errorf("the snapshot file holds %q in clear", enc)
				}
			}
		})
	}
}

func mustPass(t *testing.T, p string) *Key {
	t.Helper()
	k, err := PassphraseKey(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestReadRefuses(t *testing.T) {
	now := time.Now()
	key := newIdentityKey(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "prod.age")
	if err := Write(path, sample(now), key); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		p := filepath.Join(dir, "tampered"+string(rune('a'+i%26))+".age")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		key     *Key
		config  string
		profile string
		maxAge  time.Duration
		want    error
	}{
		{"missing file", filepath.Join(dir, "none.age"), key, "/etc/app/secretrun.yaml", "prod", time.Hour, ErrNone},
		{"payload byte flipped", flip(len(raw) - 5), key, "/etc/app/secretrun.yaml", "prod", time.Hour, ErrUnreadable},
		{"header byte flipped", flip(30), key, "/etc/app/secretrun.yaml", "prod", time.Hour, ErrUnreadable},
		{"wrong identity", path, newIdentityKey(t), "/etc/app/secretrun.yaml", "prod", time.Hour, ErrUnreadable},
		{"wrong passphrase kind", path, mustPass(t, "guess"), "/etc/app/secretrun.yaml", "prod", time.Hour, ErrUnreadable},
		{"another profile", path, key, "/etc/app/secretrun.yaml", "staging", time.Hour, ErrMismatch},
		{"another config", path, key, "/srv/other/secretrun.yaml", "prod", time.Hour, ErrMismatch},
		{"expired", path, key, "/etc/app/secretrun.yaml", "prod", time.Millisecond, ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := now
			if tt.want == ErrExpired {
				check = now.Add(time.Second)
			}
			_, err := Read(tt.path, tt.key, tt.config, tt.profile, tt.maxAge, check)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("the error holds the value: %v", err)
			}
		})
	}
}

func TestKeyErrorsDoNotQuoteTheKey(t *testing.T) {
	for _, text := range []string{"AGE-SECRET-KEY-1NOTAKEY" + canary, "", "  \n"} {
		_, err := IdentityKey(text)
		if !errors.Is(err, ErrKey) {
			t.Fatalf("IdentityKey(%q): err = %v", text, err)
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(err.Error(), "NOTAKEY") {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
	if _, err := PassphraseKey("\n"); !errors.Is(err, ErrKey) {
		t.Errorf("empty passphrase: err = %v", err)
	}
}

// BenchmarkWriteRead measures what a passphrase costs per run (one scrypt at ScryptWorkFactor
// to write, one to read) against an X25519 identity.
func BenchmarkWriteRead(b *testing.B) {
	id, _ := age.GenerateX25519Identity()
	keys := map[string]func() *Key{
		"identity":   func() *Key { k, _ := IdentityKey(id.String()); return k },
		"passphrase": func() *Key { k, _ := PassphraseKey("correct horse battery staple"); return k },
	}
	for name, mk := range keys {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "s.age")
			key := mk()
			for b.Loop() {
				if err := Write(path, sample(time.Now()), key); err != nil {
					b.Fatal(err)
				}
				if _, err := Read(path, key, "/etc/app/secretrun.yaml", "prod", time.Hour, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
