package sops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"filippo.io/age"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/hcvault"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/pgp"
)

// keyClient opens a file's data key with its master keys, in place of sops' key service
// (which would link every key type, Huawei Cloud's SDK included, and sops' root package): age
// master keys with the identities secretrun loaded (so that their errors can be told without
// quoting key material); PGP, AWS KMS, GCP KMS, Azure Key Vault and Vault transit keys with
// sops' own master key types, each with its default credential chain. It records what each key
// attempt gave, for the error message when none succeeds. One keyClient serves one file.
type keyClient struct {
	ctx    context.Context
	ids    func() *identities
	lookup func(string) (string, bool)

	mu       sync.Mutex
	attempts []attempt
	cmd      *identities // what SOPS_AGE_KEY_CMD gave last, for the error message
}

// attempt is one master key that could not open the data key.
type attempt struct {
	kind   string // "age", "pgp", "aws kms", ...
	id     string // the recipient, fingerprint, ARN or resource name: public
	reason string // value-free
	noID   bool   // age: no identity at all was found
}

// decrypt opens the data key (or Shamir share) encrypted for one master key. The fetch's
// context (c.ctx) bounds the cloud calls.
func (c *keyClient) decrypt(k masterKey) ([]byte, error) {
	var (
		plain []byte
		err   error
	)
	switch k.Kind {
	case "age":
		return c.decryptAge(k.Recipient, []byte(k.Enc)) // recorded by decryptAge
	case "pgp":
		mk := pgp.NewMasterKeyFromFingerprint(k.Fingerprint)
		mk.EncryptedKey = k.Enc
		plain, err = mk.DecryptContext(c.ctx)
	case "kms":
		mk := kms.MasterKey{Arn: k.Arn, Role: k.Role, EncryptionContext: k.Context, AwsProfile: k.AwsProfile, EncryptedKey: k.Enc}
		plain, err = mk.DecryptContext(c.ctx)
	case "gcp_kms":
		mk := gcpkms.MasterKey{ResourceID: k.ResourceID, EncryptedKey: k.Enc}
		plain, err = mk.DecryptContext(c.ctx)
	case "azure_kv":
		mk := azkv.MasterKey{VaultURL: k.VaultURL, Name: k.Name, Version: k.Version, EncryptedKey: k.Enc}
		plain, err = mk.DecryptContext(c.ctx)
	case "hc_vault":
		mk := hcvault.MasterKey{VaultAddress: k.VaultAddress, EnginePath: k.EnginePath, KeyName: k.KeyName, EncryptedKey: k.Enc}
		plain, err = mk.DecryptContext(c.ctx)
	default:
		err = errors.New("secretrun does not support this key type (Huawei Cloud KMS keys are not linked in); add an age, PGP or AWS/GCP/Azure/Vault key with `sops updatekeys`")
	}
	if err != nil {
		kind, id := describe(k)
		c.record(attempt{kind: kind, id: id, reason: firstLine(err.Error())})
		return nil, err
	}
	return plain, nil
}

func (c *keyClient) decryptAge(recipient string, ciphertext []byte) ([]byte, error) {
	ids := c.ids()
	parsed := ids.parsed
	if cmd, ok := cmdIdentities(c.ctx, c.lookup, recipient); ok {
		parsed = append(append(sopsage.ParsedIdentities(nil), parsed...), cmd.parsed...)
		c.mu.Lock()
		c.cmd = cmd
		c.mu.Unlock()
	}
	if len(parsed) == 0 {
		err := errors.New("no age identity found")
		c.record(attempt{kind: "age", id: recipient, reason: err.Error(), noID: true})
		return nil, err
	}
	mk := sopsage.MasterKey{Recipient: recipient, EncryptedKey: string(ciphertext)}
	parsed.ApplyToMasterKey(&mk)
	plain, err := mk.Decrypt()
	if err != nil {
		reason := "none of the age identities found is for this recipient"
		var nomatch *age.NoIdentityMatchError
		if !errors.As(err, &nomatch) {
			reason = "the age identities found cannot open its data key (wrong key, or a damaged sops metadata entry)"
		}
		c.record(attempt{kind: "age", id: recipient, reason: reason})
		return nil, errors.New(reason)
	}
	return plain, nil
}

func (c *keyClient) record(a attempt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.attempts = append(c.attempts, a)
}

// failures returns the attempts recorded so far, and ids with what SOPS_AGE_KEY_CMD gave added.
func (c *keyClient) failures(ids *identities) ([]attempt, *identities) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		merged := *ids
		merged.found = append(append([]string(nil), ids.found...), c.cmd.found...)
		merged.looked = append(append([]string(nil), ids.looked...), c.cmd.looked...)
		merged.problems = append(append([]string(nil), ids.problems...), c.cmd.problems...)
		ids = &merged
	}
	return append([]attempt(nil), c.attempts...), ids
}

// describe names a master key by kind and public identifier.
func describe(k masterKey) (kind, id string) {
	switch k.Kind {
	case "age":
		return "age", k.Recipient
	case "pgp":
		return "pgp", k.Fingerprint
	case "kms":
		return "aws kms", k.Arn
	case "gcp_kms":
		return "gcp kms", k.ResourceID
	case "azure_kv":
		return "azure key vault", strings.TrimSuffix(k.VaultURL, "/") + "/keys/" + k.Name + "/" + k.Version
	case "hc_vault":
		return "vault transit", strings.TrimSuffix(k.VaultAddress, "/") + "/v1/" + k.EnginePath + "/keys/" + k.KeyName
	case "hckms":
		return "huawei cloud kms", k.KeyID
	}
	return "unknown key type", ""
}

// firstLine keeps the first line of a key service's error, at most 300 bytes. These errors come
// from gpg and the cloud SDKs and hold no secret value (the data key is never in them).
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// keyError explains why no master key of a file could open its data key, naming every key tried
// and what each needs, and returns a hint.
func keyError(file string, attempts []attempt, ids *identities) (string, string) {
	var parts []string
	ageNoID, ageWrong := false, false
	for _, a := range attempts {
		parts = append(parts, fmt.Sprintf("%s %s: %s", a.kind, a.id, a.reason))
		if a.kind == "age" {
			if a.noID {
				ageNoID = true
			} else {
				ageWrong = true
			}
		}
	}
	msg := fmt.Sprintf("cannot decrypt %s: none of its keys is available (%s)", file, strings.Join(parts, "; "))
	var hint []string
	switch {
	case ageNoID:
		hint = append(hint, fmt.Sprintf("no age identity was found (looked in %s); set SOPS_AGE_KEY_FILE to the file holding the identity (AGE-SECRET-KEY-1...) of one of the recipients above, or SOPS_AGE_KEY to the identity itself",
			strings.Join(ids.looked, ", ")))
	case ageWrong:
		hint = append(hint, fmt.Sprintf("the age identities found (%s) are not for any recipient above: the file was encrypted for someone else, or the key was rotated; ask for the file to be re-encrypted with `sops updatekeys` for your public key",
			strings.Join(ids.found, "; ")))
	}
	if ids != nil && len(ids.problems) > 0 {
		hint = append(hint, "also: "+strings.Join(ids.problems, "; "))
	}
	if len(hint) == 0 {
		hint = append(hint, "each key above needs its own credentials: gpg's keyring for pgp, the cloud's default credential chain for kms keys (see docs/providers/sops.md)")
	}
	return msg, strings.Join(hint, "; ")
}
