package sops

import (
	"testing"

	gosops "github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/hckms"
	"github.com/getsops/sops/v3/hcvault"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/pgp"
)

// The differential tests compare secretrun's tree and metadata with sops' own, which they may
// link (sops' audit init does nothing under go test). These convert ours to sops' types.

// toSopsBranches converts a tree to sops' types, keeping nil and empty apart.
func toSopsBranches(b treeBranches) gosops.TreeBranches {
	if b == nil {
		return nil
	}
	out := make(gosops.TreeBranches, len(b))
	for i, br := range b {
		out[i] = toSops(br).(gosops.TreeBranch)
	}
	return out
}

func toSops(v any) any {
	switch v := v.(type) {
	case treeBranch:
		if v == nil {
			return gosops.TreeBranch(nil)
		}
		out := make(gosops.TreeBranch, len(v))
		for i, item := range v {
			out[i] = gosops.TreeItem{Key: toSops(item.Key), Value: toSops(item.Value)}
		}
		return out
	case []any:
		if v == nil {
			return []any(nil)
		}
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toSops(x)
		}
		return out
	case comment:
		return gosops.Comment{Value: v.Value, Inline: v.Inline}
	}
	return v
}

// fromSopsMetadata converts sops' metadata to ours, master key by master key.
func fromSopsMetadata(t testing.TB, m gosops.Metadata) metadata {
	t.Helper()
	out := metadata{
		LastModified:              m.LastModified,
		UnencryptedSuffix:         m.UnencryptedSuffix,
		EncryptedSuffix:           m.EncryptedSuffix,
		UnencryptedRegex:          m.UnencryptedRegex,
		EncryptedRegex:            m.EncryptedRegex,
		UnencryptedCommentRegex:   m.UnencryptedCommentRegex,
		EncryptedCommentRegex:     m.EncryptedCommentRegex,
		MessageAuthenticationCode: m.MessageAuthenticationCode,
		MACOnlyEncrypted:          m.MACOnlyEncrypted,
		Version:                   m.Version,
		ShamirThreshold:           m.ShamirThreshold,
	}
	for _, g := range m.KeyGroups {
		var group []masterKey
		for _, k := range g {
			var mk masterKey
			switch k := k.(type) {
			case *sopsage.MasterKey:
				mk = masterKey{Kind: "age", Recipient: k.Recipient}
			case *pgp.MasterKey:
				mk = masterKey{Kind: "pgp", Fingerprint: k.Fingerprint}
			case *kms.MasterKey:
				mk = masterKey{Kind: "kms", Arn: k.Arn, Role: k.Role, AwsProfile: k.AwsProfile, Context: k.EncryptionContext}
			case *gcpkms.MasterKey:
				mk = masterKey{Kind: "gcp_kms", ResourceID: k.ResourceID}
			case *azkv.MasterKey:
				mk = masterKey{Kind: "azure_kv", VaultURL: k.VaultURL, Name: k.Name, Version: k.Version}
			case *hcvault.MasterKey:
				mk = masterKey{Kind: "hc_vault", VaultAddress: k.VaultAddress, EnginePath: k.EnginePath, KeyName: k.KeyName}
			case *hckms.MasterKey:
				mk = masterKey{Kind: "hckms", KeyID: k.KeyID}
			default:
				t.Fatalf("unknown sops key type %T", k)
			}
			mk.Enc = string(k.EncryptedDataKey())
			group = append(group, mk)
		}
		out.KeyGroups = append(out.KeyGroups, group)
	}
	return out
}
