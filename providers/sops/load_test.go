package sops

import (
	"context"
	"reflect"
	"testing"

	gosops "github.com/getsops/sops/v3"

	"github.com/secretrun/secretrun/providers/providertest"
)

// TestLoadMatchesSops is the differential test of load.go: on files written by sops' own stores,
// under each of sops' encryption rules, secretrun's loaders give exactly the tree and metadata
// that sops' own stores give, and the file then decrypts.
func TestLoadMatchesSops(t *testing.T) {
	id := newIdentity(t)
	plains, _ := differentialPlains(t)
	for _, f := range []Format{YAML, JSON, Dotenv, INI} {
		for i, plain := range plains[f] {
			for rule, meta := range encryptionRules {
				t.Run(string(f)+"/"+rule, func(t *testing.T) {
					branches, err := store(f).LoadPlainFile([]byte(plain))
					if err != nil {
						t.Fatalf("sops cannot load plain file %d: %v", i, err)
					}
					b := encryptWith(t, f, branches, meta, id.Recipient().String())
					want, err := store(f).LoadEncryptedFile(b)
					if err != nil {
						t.Fatalf("sops cannot load its own file %d: %v", i, err)
					}
					got, err := loadEncrypted(f, b)
					if err != nil {
						t.Fatalf("file %d: %v", i, err)
					}
					if gb := toSopsBranches(got.branches); !reflect.DeepEqual(gb, want.Branches) {
						t.Errorf("file %d: tree differs from sops'\n got %#v\nwant %#v", i, gb, want.Branches)
					}
					if wm := fromSopsMetadata(t, want.Metadata); !reflect.DeepEqual(got.meta, wm) {
						t.Errorf("file %d: metadata differs from sops'\n got %#v\nwant %#v", i, got.meta, wm)
					}
					if _, err := decrypt(context.Background(), b, f, "file", func() *identities { return loadIdentities(env(t, envAgeKey, id.String())) }, env(t)); err != nil {
						t.Errorf("file %d does not decrypt: %v", i, err)
					}
				})
			}
		}
	}
}

// differentialPlains returns plaintext files per format for the differential tests: the
// fixtures, and files that exercise comments, anchors, lists, several documents and types; and
// the canaries they hold.
func differentialPlains(t *testing.T) (map[Format][]string, []string) {
	v := providertest.Canary(t, "diff")
	list, canaries := fixtures(t)
	plains := map[Format][]string{}
	for _, fx := range list {
		plains[fx.format] = append(plains[fx.format], fx.plain)
	}
	plains[YAML] = append(plains[YAML],
		"# head\n\n# second head\na: 1 # line\n# before b\nb:\n  # inside\n  c: [1, 2.5, true, null, '"+v+"']\n  d: &anchor\n    e: x\n  f: *anchor\n  # foot of b\n# foot\n",
		"list:\n  # head of item\n  - a # inline\n  - {k: v}\n  -\n    - nested\n# trailing\n",
		"a: 1\n---\n# second document\nb: "+v+"\n",
		"dates: 2024-01-02\nhex: 0x1F\nempty: ''\nnull_value: ~\nbig: 123456789012345678901234567890\n",
		"sops_comment:\n  # sops:enc\n  enc: "+v+"\n  plain: visible\n",
	)
	plains[JSON] = append(plains[JSON], `{"a": [], "b": {}, "c": null, "d": 1e3, "e": -0, "f": "`+v+`", "g": [[1], {"h": false}]}`)
	plains[Dotenv] = append(plains[Dotenv], "#c1\n#c2\nA=1\nB==x=\nC="+v+"\n")
	plains[Binary] = append(plains[Binary], "-----BEGIN KEY-----\n"+v+"\n-----END KEY-----\n", "")
	plains[INI] = append(plains[INI], "# file comment\n[s1]\n; key comment\na = 1\nb = \"quoted "+v+"\"\n[s2]\nc = 3\n")

	return plains, append(canaries, v)
}

// encryptionRules are sops' encryption rules, each as it adjusts a file's metadata.
var encryptionRules = map[string]func(*gosops.Metadata){
	"default": nil,
	"encrypted_regex": func(m *gosops.Metadata) {
		m.UnencryptedSuffix = ""
		m.EncryptedRegex = "^(a|password|token|enc|C|b|dsn)$"
	},
	"unencrypted_regex":   func(m *gosops.Metadata) { m.UnencryptedSuffix = ""; m.UnencryptedRegex = "^(port|c|A)$" },
	"encrypted_suffix":    func(m *gosops.Metadata) { m.UnencryptedSuffix = ""; m.EncryptedSuffix = "word" },
	"comment_regex":       func(m *gosops.Metadata) { m.UnencryptedSuffix = ""; m.EncryptedCommentRegex = "sops:enc" },
	"mac_only_encrypted":  func(m *gosops.Metadata) { m.MACOnlyEncrypted = true },
	"unencrypted_comment": func(m *gosops.Metadata) { m.UnencryptedSuffix = ""; m.UnencryptedCommentRegex = "plain" },
}
