package sops

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	gosops "github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/hckms"
	"github.com/getsops/sops/v3/hcvault"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/pgp"

	"github.com/secretrun/secretrun/providers/providertest"
)

// allKeyTypes returns one sops master key of every type, each with a made-up encrypted data key
// (the metadata is read, not used).
func allKeyTypes(t *testing.T, n string) gosops.KeyGroup {
	t.Helper()
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	region := "us-east-1"
	ageKey, err := sopsage.MasterKeyFromRecipient(newIdentity(t).Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	k := kms.NewMasterKey("arn:aws:kms:us-east-1:111122223333:key/"+n, "arn:aws:iam::111122223333:role/r", map[string]*string{"region": &region, "app": &n})
	k.AwsProfile = "prof"
	g := gcpkms.NewMasterKeyFromResourceID("projects/p/locations/global/keyRings/r/cryptoKeys/" + n)
	a := azkv.NewMasterKey("https://v.vault.azure.net", "key"+n, "0123456789abcdef")
	v := hcvault.NewMasterKey("https://vault:8200", "transit", "key"+n)
	p := pgp.NewMasterKeyFromFingerprint("85D77543B3D624B63CEA9E6DBC17301B491B3F21")
	h, err := hckms.NewMasterKey("cn-north-4:0f7a4b3c-1d2e-4f5a-8b9c-" + strings.Repeat("0", 12))
	if err != nil {
		t.Fatal(err)
	}
	group := gosops.KeyGroup{ageKey, k, g, a, v, p, h}
	for i, mk := range group {
		mk.SetEncryptedDataKey([]byte("enc-" + n + "-" + string(rune('a'+i)) + "\nline2"))
		if f := reflect.ValueOf(mk).Elem().FieldByName("CreationDate"); f.IsValid() {
			f.Set(reflect.ValueOf(when))
		}
	}
	return group
}

// TestMetadataMatchesSops: the metadata of every key type, in one key group or several, reads
// the same as sops reads it, in every format (nested, flattened below a section, flattened with
// the sops_ prefix).
func TestMetadataMatchesSops(t *testing.T) {
	id := newIdentity(t)
	v := providertest.Canary(t, "meta")
	for _, f := range []Format{YAML, JSON, Dotenv, INI, Binary} {
		for name, groups := range map[string][]gosops.KeyGroup{
			"one group":    {allKeyTypes(t, "1")},
			"three groups": {allKeyTypes(t, "1"), allKeyTypes(t, "2"), allKeyTypes(t, "3")},
		} {
			t.Run(string(f)+"/"+name, func(t *testing.T) {
				base := encryptWith(t, f, flat(f, []item{{"K", v}}), nil, id.Recipient().String())
				tree, err := store(f).LoadEncryptedFile(base)
				if err != nil {
					t.Fatal(err)
				}
				tree.Metadata.KeyGroups = groups
				tree.Metadata.ShamirThreshold = len(groups) - 1
				b, err := store(f).EmitEncryptedFile(tree)
				if err != nil {
					t.Fatal(err)
				}
				want, err := store(f).LoadEncryptedFile(b)
				if err != nil {
					t.Fatalf("sops cannot read its own file: %v", err)
				}
				got, err := loadEncrypted(f, b)
				if err != nil {
					t.Fatalf("loadEncrypted: %v", err)
				}
				if wm := fromSopsMetadata(t, want.Metadata); !reflect.DeepEqual(got.meta, wm) {
					t.Errorf("metadata differs from sops'\n got %#v\nwant %#v", got.meta, wm)
				}
				if n := len(got.meta.KeyGroups); n != len(groups) || len(got.meta.KeyGroups[0]) != 7 {
					t.Errorf("%d key groups; want %d of 7 keys", n, len(groups))
				}
			})
		}
	}
}

// TestMetadataRefused: metadata that sops refuses to read is refused too, without quoting the
// file.
func TestMetadataRefused(t *testing.T) {
	id := newIdentity(t)
	v := providertest.Canary(t, "metabad")
	orig := string(encryptText(t, YAML, "k: "+v+"\n", id.Recipient().String()))
	for name, b := range map[string]string{
		"two rules":        strings.Replace(orig, "    unencrypted_suffix: _unencrypted\n", "    unencrypted_suffix: _unencrypted\n    encrypted_regex: ^k$\n", 1),
		"bad lastmodified": strings.Replace(orig, "lastmodified: \"", "lastmodified: \"x", 1),
		"sops not a map":   orig[:strings.Index(orig, "sops:")] + "sops: " + v + "\n",
		"no keys":          orig[:strings.Index(orig, "    age:")] + orig[strings.Index(orig, "    lastmodified:"):],
		"bad threshold":    strings.Replace(orig, "sops:\n", "sops:\n    shamir_threshold: many\n", 1),
		"keys not a list":  strings.Replace(orig, "    age:\n", "    pgp: "+v+"\n    age:\n", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if b == orig {
				t.Fatal("unchanged")
			}
			if _, err := store(YAML).LoadEncryptedFile([]byte(b)); err == nil {
				t.Fatal("sops reads it")
			}
			_, err := loadEncrypted(YAML, []byte(b))
			if err == nil || strings.Contains(err.Error(), v) {
				t.Fatalf("err = %v; want a value-free error", err)
			}
			if errors.Is(err, errNoMetadata) {
				t.Errorf("err = %v; want an unreadable file, not a file without metadata", err)
			}
		})
	}
}
