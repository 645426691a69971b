package sops

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// sshKey returns a new ed25519 SSH private key in OpenSSH PEM form (encrypted with passphrase
// when it is not empty) and its public key as an age recipient ("ssh-ed25519 AAAA...").
func sshKey(t *testing.T, passphrase string) (private []byte, recipient string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

// TestSSHIdentity: a file encrypted for an SSH public key opens with the private key named by
// SOPS_AGE_SSH_PRIVATE_KEY_FILE or found at ~/.ssh/id_ed25519, as with sops; a passphrase-protected
// key is reported, never prompted for.
func TestSSHIdentity(t *testing.T) {
	key, recipient := sshKey(t, "")
	v := providertest.Canary(t, "ssh")
	dir := t.TempDir()
	write(t, dir, "s.enc.yaml", encryptText(t, YAML, "k: "+v+"\n", recipient))
	ref := providers.Ref{Scheme: Scheme, Path: "s.enc.yaml", Key: "k"}
	keyFile := write(t, t.TempDir(), "id", key)
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(home, ".ssh"), "id_ed25519", key)
	for name, lookup := range map[string]func(string) (string, bool){
		"SOPS_AGE_SSH_PRIVATE_KEY_FILE": env(t, envAgeSSHKeyFile, keyFile),
		"~/.ssh/id_ed25519":             func(k string) (string, bool) { return home, k == "HOME" },
	} {
		t.Run(name, func(t *testing.T) {
			got, err := New(dir, WithLookup(lookup)).Fetch(context.Background(), []providers.Ref{ref})
			if err != nil || got[0].Reveal() != v {
				t.Fatalf("Fetch: %d bytes, %v", got[0].Len(), err)
			}
		})
	}
	t.Run("passphrase", func(t *testing.T) {
		locked, _ := sshKey(t, "pass")
		p := New(dir, WithLookup(env(t, envAgeSSHKeyFile, write(t, t.TempDir(), "locked", locked))))
		err := fetchOne(t, p, ref, v, string(key), string(locked))
		if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), "passphrase-protected") {
			t.Fatalf("err = %v, hint %q; want ErrDenied noting the passphrase", err, providers.Hint(err))
		}
	})
}

// TestKeyCmd: SOPS_AGE_KEY_CMD is run with SOPS_AGE_RECIPIENT set, and its output used as
// identities; a failing command is reported by exit status, never by its output.
func TestKeyCmd(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	id := newIdentity(t)
	v := providertest.Canary(t, "cmd")
	leak := providertest.Canary(t, "stderr")
	dir := t.TempDir()
	write(t, dir, "s.enc.env", encryptText(t, Dotenv, "K="+v+"\n", id.Recipient().String()))
	ref := providers.Ref{Scheme: Scheme, Path: "s.enc.env", Key: "K"}
	keyFile := write(t, t.TempDir(), "k.txt", []byte(id.String()+"\n"))
	script := write(t, t.TempDir(), "getkey.sh", []byte(
		"test \"$SOPS_AGE_RECIPIENT\" = '"+id.Recipient().String()+"' || { echo "+leak+" >&2; echo "+leak+"; exit 3; }\ncat '"+keyFile+"'\n"))

	got, err := New(dir, WithLookup(env(t, envAgeKeyCmd, "/bin/sh '"+script+"'"))).Fetch(context.Background(), []providers.Ref{ref})
	if err != nil || got[0].Reveal() != v {
		t.Fatalf("Fetch: %d bytes, %v", got[0].Len(), err)
	}

	other := newIdentity(t)
	write(t, dir, "o.enc.env", encryptText(t, Dotenv, "K="+v+"\n", other.Recipient().String()))
	err = fetchOne(t, New(dir, WithLookup(env(t, envAgeKeyCmd, "/bin/sh '"+script+"'"))),
		providers.Ref{Scheme: Scheme, Path: "o.enc.env", Key: "K"}, v, leak, id.String())
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), "SOPS_AGE_KEY_CMD (/bin/sh) failed: exit status 3") {
		t.Fatalf("err = %v, hint %q; want ErrDenied with the command's exit status", err, providers.Hint(err))
	}
}
