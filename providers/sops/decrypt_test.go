package sops

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	gosops "github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// sopsDecrypt decrypts a file the way sops' own decrypt package does (its store, its key
// service, Tree.Decrypt, the MAC check), and returns the decrypted tree. The age identities come
// from SOPS_AGE_KEY, which the caller sets.
func sopsDecrypt(f Format, b []byte) (gosops.TreeBranches, error) {
	tree, err := store(f).LoadEncryptedFile(b)
	if err != nil {
		return nil, err
	}
	key, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{keyservice.NewLocalClient()}, gosops.DefaultDecryptionOrder)
	if err != nil {
		return nil, err
	}
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return nil, err
	}
	stored, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, err
	}
	if stored != mac {
		return nil, errors.New("MAC mismatch")
	}
	return tree.Branches, nil
}

// sopsEnv points sops' local key service at the given identities only.
func sopsEnv(t *testing.T, ids ...*age.X25519Identity) {
	t.Helper()
	var keys []string
	for _, id := range ids {
		keys = append(keys, id.String())
	}
	New("") // silences sops' loggers
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("SOPS_AGE_KEY", strings.Join(keys, "\n"))
}

// ours decrypts b with secretrun's code, with the given identities only.
func ours(t *testing.T, f Format, b []byte, ids ...*age.X25519Identity) (*document, error) {
	t.Helper()
	var keys []string
	for _, id := range ids {
		keys = append(keys, id.String())
	}
	lookup := env(t, envAgeKey, strings.Join(keys, "\n"))
	return decrypt(context.Background(), b, f, "file"+extension[f], func() *identities { return loadIdentities(lookup) }, lookup)
}

// agree checks that secretrun and sops agree on b: both decrypt it to the same tree, or both
// refuse it; secretrun's error is then ErrDenied or ErrInvalidRef and holds no value.
func agree(t *testing.T, f Format, b []byte, canaries []string, ids ...*age.X25519Identity) (ok bool) {
	t.Helper()
	sopsEnv(t, ids...)
	want, sopsErr := sopsDecrypt(f, b)
	doc, err := ours(t, f, b, ids...)
	providertest.AssertNoValues(t, err, canaries...)
	switch {
	case sopsErr != nil && err == nil:
		t.Errorf("sops refuses the file (%v), secretrun decrypts it", sopsErr)
	case sopsErr == nil && err != nil:
		t.Errorf("sops decrypts the file, secretrun refuses it: %v", err)
	case err != nil:
		if !errors.Is(err, providers.ErrDenied) && !errors.Is(err, providers.ErrInvalidRef) {
			t.Errorf("err = %v; want ErrDenied or ErrInvalidRef", err)
		}
	default:
		if got := toSopsBranches(doc.tree); !reflect.DeepEqual(got, want) {
			t.Errorf("decrypted tree differs from sops'\n got %#v\nwant %#v", got, want)
		}
	}
	return err == nil
}

// TestDecryptMatchesSops is the differential test of the decryption (data key, AES-GCM values,
// types, encryption rules, MAC): on files of every format written by sops' own code, under each
// of sops' encryption rules, secretrun decrypts exactly the tree sops decrypts.
func TestDecryptMatchesSops(t *testing.T) {
	id := newIdentity(t)
	plains, canaries := differentialPlains(t)
	for _, f := range []Format{YAML, JSON, Dotenv, INI, Binary} {
		for i, plain := range plains[f] {
			for rule, meta := range encryptionRules {
				t.Run(fmt.Sprintf("%s/%d/%s", f, i, rule), func(t *testing.T) {
					branches, err := store(f).LoadPlainFile([]byte(plain))
					if err != nil {
						t.Fatalf("sops cannot load the plain file: %v", err)
					}
					b := encryptWith(t, f, branches, meta, id.Recipient().String())
					if !agree(t, f, b, canaries, id) {
						t.Error("an untouched file does not decrypt")
					}
				})
			}
		}
	}
}

// TestDecryptTypes: every type sops writes (str, int, float, bool, bytes, time, comment) comes
// back as sops reads it, and secretrun's values are the ones sops decrypts.
func TestDecryptTypes(t *testing.T) {
	id := newIdentity(t)
	v := providertest.Canary(t, "types")
	stamp := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	branches := gosops.TreeBranches{{
		{Key: gosops.Comment{Value: " a comment"}},
		{Key: "str", Value: v},
		{Key: "int", Value: 42},
		{Key: "float", Value: 0.25},
		{Key: "bool", Value: false},
		{Key: "time", Value: stamp},
		{Key: "empty", Value: ""},
		{Key: "null", Value: nil},
		{Key: "list", Value: []any{"x", gosops.Comment{Value: " in a list"}, 7}},
	}}
	b := encryptWith(t, YAML, branches, nil, id.Recipient().String())
	for _, typ := range []string{"str", "int", "float", "bool", "time", "comment"} {
		if !strings.Contains(string(b), "type:"+typ+"]") {
			t.Errorf("the file has no value of type %s", typ)
		}
	}
	if !agree(t, YAML, b, []string{v}, id) {
		t.Fatal("the file does not decrypt")
	}
	doc, err := ours(t, YAML, b, id)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"str": v, "int": "42", "float": "0.25", "bool": "false", "time": "2024-01-02T03:04:05Z", "empty": "", "/list/1": "7"} {
		got, err := doc.value(key)
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", key, got, err, want)
		}
	}
	// A value of type bytes (sops reads it as []byte).
	for _, c := range []struct {
		typ   string
		plain string
		want  any
	}{{"bytes", v, []byte(v)}, {"str", v, v}, {"int", "-3", -3}, {"float", "1e3", 1000.0}, {"bool", "True", true}, {"comment", v, comment{Value: v}}} {
		enc := sealValue(t, []byte(c.plain), c.typ, "k:")
		got, err := decryptValue(enc, testKey, "k:")
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("type %s: got %#v, %v; want %#v", c.typ, got, err, c.want)
		}
		if c.typ == "bytes" {
			continue // sops never writes it, and its own cipher panics reading it (an unhashable map key)
		}
		want, err := aes.NewCipher().Decrypt(enc, testKey, "k:")
		if err != nil || !reflect.DeepEqual(toSops(got), want) {
			t.Errorf("type %s: secretrun %#v, sops %#v (%v)", c.typ, got, want, err)
		}
	}
	for _, bad := range []string{"ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]", sealValue(t, []byte("x"), "nosuchtype", "k:"), sealValue(t, []byte(v), "int", "k:")} {
		if _, err := decryptValue(bad, testKey, "k:"); err == nil || strings.Contains(err.Error(), v) {
			t.Errorf("decryptValue of a bad value: %v; want a value-free error", err)
		}
	}
	if _, err := decryptValue(sealValue(t, []byte(v), "str", "k:"), testKey, "other:"); err == nil {
		t.Error("a value decrypts under another path")
	}
}

// testKey is a data key for value-level tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// sealValue writes plain as a sops value of type typ under testKey, with sops' own cipher (which
// decides the type from the Go value): it encrypts a placeholder string of the same length and
// rewrites the type, so any text can be given any type.
func sealValue(t *testing.T, plain []byte, typ, aad string) string {
	t.Helper()
	enc, err := aes.NewCipher().Encrypt(string(plain), testKey, aad)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(enc, "type:str]", "type:"+typ+"]", 1)
}

// TestShamir: a file whose data key is split over three key groups (two needed) opens with keys
// of any two groups, as with sops, and not with one; a group's keys are tried until one opens it.
func TestShamir(t *testing.T) {
	a, b, c, a2, stranger := newIdentity(t), newIdentity(t), newIdentity(t), newIdentity(t), newIdentity(t)
	v := providertest.Canary(t, "shamir")
	branches, err := store(YAML).LoadPlainFile([]byte("k: " + v + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	group := func(ids ...*age.X25519Identity) gosops.KeyGroup {
		var g gosops.KeyGroup
		for _, id := range ids {
			mk, err := sopsage.MasterKeyFromRecipient(id.Recipient().String())
			if err != nil {
				t.Fatal(err)
			}
			g = append(g, mk)
		}
		return g
	}
	file := encryptWith(t, YAML, branches, func(m *gosops.Metadata) {
		m.KeyGroups = []gosops.KeyGroup{group(a2, a), group(b), group(c)}
		m.ShamirThreshold = 2
	})
	if !strings.Contains(string(file), "shamir_threshold: 2") {
		t.Fatalf("not a Shamir file:\n%s", file)
	}
	for _, tc := range []struct {
		name string
		ids  []*age.X25519Identity
		ok   bool
	}{
		{"groups 1 and 2", []*age.X25519Identity{a, b}, true},
		{"groups 2 and 3", []*age.X25519Identity{b, c}, true},
		{"groups 1 and 3, second key of group 1", []*age.X25519Identity{a, c}, true},
		{"all groups", []*age.X25519Identity{a, b, c}, true},
		{"one group", []*age.X25519Identity{b}, false},
		{"no group", []*age.X25519Identity{stranger}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := agree(t, YAML, file, []string{v}, tc.ids...); got != tc.ok {
				t.Fatalf("decrypts = %v; want %v", got, tc.ok)
			}
			if !tc.ok {
				_, err := ours(t, YAML, file, tc.ids...)
				if !errors.Is(err, providers.ErrDenied) || !strings.Contains(err.Error(), "3 key groups and needs keys from 2") {
					t.Errorf("err = %v; want ErrDenied saying 2 of 3 groups are needed", err)
				}
			}
		})
	}
	for _, f := range []Format{JSON, Dotenv, INI} {
		t.Run(string(f), func(t *testing.T) {
			b := encryptWith(t, f, flat(f, []item{{"K", v}}), func(m *gosops.Metadata) {
				m.KeyGroups = []gosops.KeyGroup{group(a), group(b), group(c)}
				m.ShamirThreshold = 2
			})
			if !agree(t, f, b, []string{v}, a, c) {
				t.Fatal("does not decrypt with two groups")
			}
		})
	}
}

// encValueRE finds the sops values of a file, for tampering.
var encValueRE = regexp.MustCompile(`ENC\[AES256_GCM,data:[^,]*,iv:[^,]*,tag:[^,]*,type:[a-z]+\]`)

// tamperings returns altered copies of a sops file, by name: each part of each encrypted value
// (and of the MAC) changed, two values swapped, a value's type changed, lastmodified changed, a
// value dropped.
func tamperings(b []byte) map[string][]byte {
	s := string(b)
	out := map[string][]byte{}
	locs := encValueRE.FindAllStringIndex(s, -1)
	for n, loc := range locs {
		val := s[loc[0]:loc[1]]
		for _, part := range []string{"data:", "iv:", "tag:"} {
			j := strings.Index(val, part) + len(part)
			if j >= len(val) || val[j] == ',' {
				continue
			}
			r := byte('A')
			if val[j] == 'A' {
				r = 'B'
			}
			out[fmt.Sprintf("value %d %s", n, part)] = []byte(s[:loc[0]+j] + string(r) + s[loc[0]+j+1:])
		}
		for _, typ := range []string{"str", "int", "comment"} { // not bytes: sops' cipher panics on it
			if t := regexp.MustCompile(`type:[a-z]+\]$`).ReplaceAllString(val, "type:"+typ+"]"); t != val {
				out[fmt.Sprintf("value %d type %s", n, typ)] = []byte(s[:loc[0]] + t + s[loc[1]:])
			}
		}
		if n+1 < len(locs) {
			next := s[locs[n+1][0]:locs[n+1][1]]
			if next != val {
				out[fmt.Sprintf("values %d and %d swapped", n, n+1)] = []byte(s[:loc[0]] + next + s[loc[1]:locs[n+1][0]] + val + s[locs[n+1][1]:])
			}
		}
		out[fmt.Sprintf("value %d emptied", n)] = []byte(s[:loc[0]] + s[loc[1]:])
	}
	if i := strings.Index(s, "lastmodified"); i >= 0 {
		if j := strings.Index(s[i:], "20"); j >= 0 {
			out["lastmodified"] = []byte(s[:i+j] + "19" + s[i+j+2:])
		}
	}
	return out
}

// TestTamperedMatchesSops: every alteration of files of every format written by sops is refused
// by secretrun exactly when sops refuses it, with ErrDenied (ErrTampered) or ErrInvalidRef and an
// error that holds no value; no altered file gives a value sops would not.
func TestTamperedMatchesSops(t *testing.T) {
	id := newIdentity(t)
	v, w := providertest.Canary(t, "tamper1"), providertest.Canary(t, "tamper2")
	plains := map[Format]string{
		YAML:   "a: " + v + "\nb:\n  - " + w + "\n  - 3\nn: 1.5\nflag: true\nnote_unencrypted: clear\n# a comment\n",
		JSON:   `{"a": "` + v + `", "b": ["` + w + `", 3], "n": 1.5, "flag": true, "note_unencrypted": "clear"}`,
		Dotenv: "A=" + v + "\nB=" + w + "\n#c\nNOTE_unencrypted=clear\n",
		INI:    "[s]\na = " + v + "\nb = " + w + "\n[t]\nnote_unencrypted = clear\n",
		Binary: v + "\n" + w + "\n",
	}
	refused := 0
	for f, plain := range plains {
		for rule, meta := range map[string]func(*gosops.Metadata){"default": nil, "mac_only_encrypted": encryptionRules["mac_only_encrypted"]} {
			branches, err := store(f).LoadPlainFile([]byte(plain))
			if err != nil {
				t.Fatal(err)
			}
			orig := encryptWith(t, f, branches, meta, id.Recipient().String())
			for name, b := range tamperings(orig) {
				t.Run(fmt.Sprintf("%s/%s/%s", f, rule, name), func(t *testing.T) {
					if !agree(t, f, b, []string{v, w}, id) {
						refused++
						return
					}
				})
			}
		}
	}
	if refused == 0 {
		t.Fatal("no altered file was refused")
	}
}
