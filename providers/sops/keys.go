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
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/pgp"
	"google.golang.org/grpc"
)

// keyClient is the key service a decryption uses, in place of sops' local key service (which
// would link Huawei Cloud's SDK too): age master keys are opened with the identities secretrun
// loaded (so that their errors can be told without quoting key material); PGP, AWS KMS, GCP KMS,
// Azure Key Vault and Vault transit keys by sops' own master key types, each with its default
// credential chain. It records what each key attempt gave, for the error message when none
// succeeds. One keyClient serves one file.
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

// Encrypt is not used for reading; it exists to satisfy keyservice.KeyServiceClient.
func (c *keyClient) Encrypt(ctx context.Context, req *keyservice.EncryptRequest, _ ...grpc.CallOption) (*keyservice.EncryptResponse, error) {
	return nil, errors.New("secretrun does not encrypt")
}

// Decrypt opens a data key encrypted for one master key. sops passes no context of its own; the
// fetch's context (c.ctx) bounds the cloud calls.
func (c *keyClient) Decrypt(_ context.Context, req *keyservice.DecryptRequest, _ ...grpc.CallOption) (*keyservice.DecryptResponse, error) {
	ct := string(req.GetCiphertext())
	var (
		plain []byte
		err   error
	)
	switch k := req.GetKey().GetKeyType().(type) {
	case *keyservice.Key_AgeKey:
		plain, err = c.decryptAge(k.AgeKey.GetRecipient(), req.GetCiphertext())
		if err != nil {
			return nil, err // recorded by decryptAge
		}
		return &keyservice.DecryptResponse{Plaintext: plain}, nil
	case *keyservice.Key_PgpKey:
		mk := pgp.NewMasterKeyFromFingerprint(k.PgpKey.GetFingerprint())
		mk.EncryptedKey = ct
		plain, err = mk.DecryptContext(c.ctx)
	case *keyservice.Key_KmsKey:
		encCtx := make(map[string]*string, len(k.KmsKey.GetContext()))
		for name, v := range k.KmsKey.GetContext() {
			encCtx[name] = &v
		}
		mk := kms.MasterKey{Arn: k.KmsKey.GetArn(), Role: k.KmsKey.GetRole(), EncryptionContext: encCtx,
			AwsProfile: k.KmsKey.GetAwsProfile(), EncryptedKey: ct}
		plain, err = mk.DecryptContext(c.ctx)
	case *keyservice.Key_GcpKmsKey:
		mk := gcpkms.MasterKey{ResourceID: k.GcpKmsKey.GetResourceId(), EncryptedKey: ct}
		plain, err = mk.DecryptContext(c.ctx)
	case *keyservice.Key_AzureKeyvaultKey:
		a := k.AzureKeyvaultKey
		mk := azkv.MasterKey{VaultURL: a.GetVaultUrl(), Name: a.GetName(), Version: a.GetVersion(), EncryptedKey: ct}
		plain, err = mk.DecryptContext(c.ctx)
	case *keyservice.Key_VaultKey:
		v := k.VaultKey
		mk := hcvault.MasterKey{VaultAddress: v.GetVaultAddress(), EnginePath: v.GetEnginePath(), KeyName: v.GetKeyName(), EncryptedKey: ct}
		plain, err = mk.DecryptContext(c.ctx)
	default:
		err = errors.New("secretrun does not support this key type (Huawei Cloud KMS keys are not linked in); add an age, PGP or AWS/GCP/Azure/Vault key with `sops updatekeys`")
	}
	if err != nil {
		kind, id := describe(req.GetKey())
		c.record(attempt{kind: kind, id: id, reason: firstLine(err.Error())})
		return nil, err
	}
	return &keyservice.DecryptResponse{Plaintext: plain}, nil
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
func describe(k *keyservice.Key) (kind, id string) {
	switch t := k.GetKeyType().(type) {
	case *keyservice.Key_PgpKey:
		return "pgp", t.PgpKey.GetFingerprint()
	case *keyservice.Key_KmsKey:
		return "aws kms", t.KmsKey.GetArn()
	case *keyservice.Key_GcpKmsKey:
		return "gcp kms", t.GcpKmsKey.GetResourceId()
	case *keyservice.Key_AzureKeyvaultKey:
		a := t.AzureKeyvaultKey
		return "azure key vault", strings.TrimSuffix(a.GetVaultUrl(), "/") + "/keys/" + a.GetName() + "/" + a.GetVersion()
	case *keyservice.Key_VaultKey:
		v := t.VaultKey
		return "vault transit", strings.TrimSuffix(v.GetVaultAddress(), "/") + "/v1/" + v.GetEnginePath() + "/keys/" + v.GetKeyName()
	case *keyservice.Key_HckmsKey:
		return "huawei cloud kms", t.HckmsKey.GetKeyId()
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
