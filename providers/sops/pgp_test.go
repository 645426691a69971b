package sops

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gosops "github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/pgp"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// gnupgHome creates a GnuPG home with a fresh passphrase-less key, points GNUPGHOME at it (the
// PGP key service reads it, as sops does) and returns the key's fingerprint. The gpg-agent that
// gpg starts for it is stopped at cleanup.
func gnupgHome(t *testing.T) string {
	t.Helper()
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Skip("gpg is not installed")
	}
	home, err := os.MkdirTemp("", "gnupg") // short: the agent's socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
		_ = os.RemoveAll(home)
	})
	t.Setenv("GNUPGHOME", home)
	out, err := exec.Command(gpg, "--homedir", home, "--batch", "--passphrase", "", "--pinentry-mode", "loopback",
		"--quick-gen-key", "secretrun-test <test@example.invalid>", "default", "default", "never").CombinedOutput()
	if err != nil {
		t.Fatalf("gpg --quick-gen-key: %v\n%s", err, out)
	}
	out, err = exec.Command(gpg, "--homedir", home, "--batch", "--with-colons", "--list-secret-keys").Output()
	if err != nil {
		t.Fatalf("gpg --list-secret-keys: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			return f[9]
		}
	}
	t.Fatalf("no fingerprint in gpg's listing:\n%s", out)
	return ""
}

// TestPGP: a file whose data key is encrypted for a PGP key decrypts through gpg, with no age
// identity anywhere; without the secret key it fails closed naming the fingerprint.
func TestPGP(t *testing.T) {
	fp := gnupgHome(t)
	v := providertest.Canary(t, "pgp")
	branches, err := store(YAML).LoadPlainFile([]byte("db:\n  password: " + v + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := encryptWith(t, YAML, branches, func(m *gosops.Metadata) {
		m.KeyGroups = []gosops.KeyGroup{{pgp.NewMasterKeyFromFingerprint(fp)}}
	})
	if !strings.Contains(string(b), "pgp:") {
		t.Fatalf("the file has no pgp key:\n%s", b)
	}
	dir := t.TempDir()
	write(t, dir, "s.enc.yaml", b)
	ref := providers.Ref{Scheme: Scheme, Path: "s.enc.yaml", Key: "/db/password"}

	got, err := New(dir, WithLookup(env(t))).Fetch(context.Background(), []providers.Ref{ref})
	providertest.AssertNoValues(t, err, v)
	if err != nil || got[0].Reveal() != v {
		t.Fatalf("Fetch: %d bytes, %v", got[0].Len(), err)
	}

	// Another GnuPG home, without the secret key.
	empty, err := os.MkdirTemp("", "gnupg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", empty, "--kill", "gpg-agent").Run()
		_ = os.RemoveAll(empty)
	})
	if err := os.Chmod(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GNUPGHOME", empty)
	err = fetchOne(t, New(dir, WithLookup(env(t))), ref, v)
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(err.Error(), "pgp "+fp) || !strings.Contains(err.Error(), filepath.Join(dir, "s.enc.yaml")) {
		t.Fatalf("err = %v; want ErrDenied naming the file and the PGP fingerprint", err)
	}
}
