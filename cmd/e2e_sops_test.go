package cmd

import (
	"testing"

	"filippo.io/age"

	"github.com/secretrun/secretrun/providers/sops/sopstest"
)

// e2eSops is the sops:// fixture of TestEndToEnd: an age identity generated for the run and
// files encrypted for it by sops' own library (sopstest), which Setup writes into each script's
// directory. No key material is committed.
type e2eSops struct {
	key   string            // the identity (AGE-SECRET-KEY-1...): the scripts' SOPS_AGE_KEY
	wrong string            // an identity the files are not encrypted for
	files map[string][]byte // file name in a script's directory: content
}

// newE2ESops encrypts a YAML and a dotenv plaintext for a new age identity and writes, by name:
//   - secrets.enc.yaml and secrets.enc.env, the two files;
//   - tampered.enc.yaml, secrets.enc.yaml with a byte of the ciphertext of db.password changed;
//   - wrong-age-key.txt, a key file holding another identity, which opens neither file.
func newE2ESops(t *testing.T, yaml, dotenv string) e2eSops {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	recipient := id.Recipient().String()
	enc := func(format, plain string) []byte {
		b, err := sopstest.EncryptText(format, plain, recipient)
		if err != nil {
			t.Fatalf("sops fixture: %v", err)
		}
		return b
	}
	s := e2eSops{key: id.String(), wrong: wrong.String(), files: map[string][]byte{
		"secrets.enc.yaml":  enc("yaml", yaml),
		"secrets.enc.env":   enc("dotenv", dotenv),
		"wrong-age-key.txt": []byte("# an age identity no test file is encrypted for\n" + wrong.String() + "\n"),
	}}
	s.files["tampered.enc.yaml"], err = sopstest.Tamper(s.files["secrets.enc.yaml"], "password: ENC[AES256_GCM,data:")
	if err != nil {
		t.Fatalf("sops fixture: %v", err)
	}
	return s
}
