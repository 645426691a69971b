package sops

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsops/sops/v3/logging"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
	"github.com/secretrun/secretrun/providers/sops/sopstest"
)

// fixture is one plaintext file per format, holding canaries, as a user would write it before
// `sops encrypt`.
type fixture struct {
	format Format
	plain  string
	// want maps a #key (or "" for no key) to the value it must give.
	want map[string]string
}

func fixtures(t *testing.T) (list []fixture, canaries []string) {
	pw, user, tok, deep, dsn, ini1, ini2 := providertest.Canary(t, "pw"), providertest.Canary(t, "user"), providertest.Canary(t, "tok"),
		providertest.Canary(t, "deep"), providertest.Canary(t, "dsn"), providertest.Canary(t, "ini1"), providertest.Canary(t, "ini2")
	canaries = []string{pw, user, tok, deep, dsn, ini1, ini2}
	list = []fixture{
		{YAML, "# database settings\n" +
			"db:\n" +
			"  user: " + user + " # who\n" +
			"  password: '" + pw + "'\n" +
			"  port: 5432\n" +
			"  ratio: 0.5\n" +
			"  enabled: true\n" +
			"hosts:\n  - zero\n  # a comment in a list\n  - one\n" +
			"a/b:\n  c~d: " + deep + "\n" +
			"region_unencrypted: eu-west-1\n" +
			"multi: |\n  line1\n  " + tok + "\n",
			map[string]string{
				"/db/password":       pw,
				"/db/user":           user,
				"/db/port":           "5432",
				"/db/ratio":          "0.5",
				"/db/enabled":        "true",
				"/hosts/1":           "one",
				"/a~1b/c~0d":         deep,
				"region_unencrypted": "eu-west-1",
				"multi":              "line1\n" + tok + "\n",
				"/db":                `{"user":"` + user + `","password":"` + pw + `","port":5432,"ratio":0.5,"enabled":true}`,
				"hosts":              `["zero","one"]`,
			}},
		{JSON, `{"api": {"token": "` + tok + `", "retries": 3, "list": [1, "two", {"k": "` + deep + `"}]}, "dsn": "` + dsn + `", "n": 1.25}`,
			map[string]string{
				"/api/token":    tok,
				"/api/retries":  "3",
				"/api/list/2/k": deep,
				"/api/list/0":   "1",
				"dsn":           dsn,
				"n":             "1.25",
				"":              `{"api":{"token":"` + tok + `","retries":3,"list":[1,"two",{"k":"` + deep + `"}]},"dsn":"` + dsn + `","n":1.25}`,
			}},
		{Dotenv, "# comment\nDATABASE_URL=" + dsn + "\nMULTI=a\\n" + tok + "\nEMPTY=\n",
			map[string]string{
				"DATABASE_URL": dsn,
				"MULTI":        "a\n" + tok,
				"EMPTY":        "",
			}},
		{INI, "top = " + ini1 + "\n\n; database\n[database]\npassword = " + ini2 + " ; comment\nport = 5432\n",
			map[string]string{
				"top":                ini1,
				"database/password":  ini2,
				"/database/password": ini2,
				"database/port":      "5432",
				"DEFAULT/top":        ini1,
			}},
	}
	return list, canaries
}

// TestFormats: every format sops writes, encrypted by sops' own stores, gives each value its
// selector names; several keys of one file cost one read.
func TestFormats(t *testing.T) {
	id := newIdentity(t)
	list, canaries := fixtures(t)
	for _, fx := range list {
		t.Run(string(fx.format), func(t *testing.T) {
			dir := t.TempDir()
			name := "secrets.enc" + extension[fx.format]
			write(t, dir, name, encryptText(t, fx.format, fx.plain, id.Recipient().String()))
			var refs []providers.Ref
			var want []string
			for k, v := range fx.want {
				refs = append(refs, providers.Ref{Scheme: Scheme, Path: name, Key: k})
				want = append(want, v)
			}
			opens := countOpens(t)
			p := New(dir, WithLookup(env(t, envAgeKey, id.String())))
			got, err := p.Fetch(context.Background(), refs)
			providertest.AssertNoValues(t, err, canaries...)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if n := opens.Load(); n != 1 {
				t.Errorf("%d keys of one file cost %d reads; want 1", len(refs), n)
			}
			for i, ref := range refs {
				if got[i].Reveal() != want[i] {
					t.Errorf("%s = %q; want %q", ref, got[i].Reveal(), want[i])
				}
				if !strings.HasPrefix(got[i].Version, "sha256:") || got[i].Created.IsZero() {
					t.Errorf("%s: Version %q, Created %v; want a sha256 version and sops' lastmodified", ref, got[i].Version, got[i].Created)
				}
			}
		})
	}
}

// TestFormatOption: a file whose name does not tell its format is read with ?format=; a binary
// file (sops' envelope for any other file) gives its content.
func TestFormatOption(t *testing.T) {
	id := newIdentity(t)
	dir := t.TempDir()
	v := providertest.Canary(t, "opt")
	write(t, dir, "secrets.sops", encryptText(t, YAML, "k: "+v+"\n", id.Recipient().String()))
	pem := "-----BEGIN KEY-----\n" + providertest.Canary(t, "pem") + "\n-----END KEY-----\n"
	write(t, dir, "tls.key.enc", encryptText(t, Binary, pem, id.Recipient().String()))
	p := New(dir, WithLookup(env(t, envAgeKey, id.String())))
	refs := []providers.Ref{
		{Scheme: Scheme, Path: "secrets.sops", Query: "format=yaml", Key: "k"},
		{Scheme: Scheme, Path: "tls.key.enc", Query: "format=binary"},
	}
	got, err := p.Fetch(context.Background(), refs)
	providertest.AssertNoValues(t, err, v, pem)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Reveal() != v || got[1].Reveal() != pem {
		t.Errorf("got %d and %d bytes; want the stored values", got[0].Len(), got[1].Len())
	}
}

// TestValidate: references that can be rejected without reading anything.
func TestValidate(t *testing.T) {
	p := New("")
	cases := []struct {
		ref  string
		hint string // part of the hint, "" when valid
	}{
		{"sops://a.yaml#/x/y", ""},
		{"sops://a.yml#x", ""},
		{"sops://a.json", ""},
		{"sops://a.env#NAME", ""},
		{"sops://a.ini#section/key", ""},
		{"sops://a.ini#key", ""},
		{"sops://a.bin?format=binary", ""},
		{"sops://a.txt#x", "?format="},
		{"sops://secrets#x", "?format="},
		{"sops://a.yaml?format=toml#x", "?format= takes"},
		{"sops://a.yaml?trim=false#x", "takes one option"},
		{"sops://a.env", "add #NAME"},
		{"sops://a.ini", "add #NAME"},
		{"sops://a.ini#a/b/c", "#section/key"},
		{"sops://a.ini#/a/", "#section/key"},
		{"sops://a.bin?format=binary#x", "remove #x"},
	}
	for _, c := range cases {
		ref, err := providers.ParseRef(c.ref)
		if err != nil {
			t.Fatalf("ParseRef(%s): %v", c.ref, err)
		}
		err = p.Validate(ref)
		switch {
		case c.hint == "" && err != nil:
			t.Errorf("Validate(%s) = %v; want nil", c.ref, err)
		case c.hint != "" && (err == nil || !errors.Is(err, providers.ErrInvalidRef)):
			t.Errorf("Validate(%s) = %v; want ErrInvalidRef", c.ref, err)
		case c.hint != "" && !strings.Contains(providers.Hint(err), c.hint):
			t.Errorf("Validate(%s) hint %q; want it to mention %q", c.ref, providers.Hint(err), c.hint)
		}
	}
}

// fetchOne fetches ref and returns its error, asserting that it holds none of values.
func fetchOne(t *testing.T, p *Provider, ref providers.Ref, values ...string) error {
	t.Helper()
	got, err := p.Fetch(context.Background(), []providers.Ref{ref})
	providertest.AssertNoValues(t, err, values...)
	if err != nil && got[0].Len() != 0 {
		t.Errorf("%s failed but returned a value", ref)
	}
	return err
}

// TestWrongKey: a file encrypted for someone else fails closed with ErrDenied, naming the file and
// its recipient, with a hint, and no value.
func TestWrongKey(t *testing.T) {
	owner, other := newIdentity(t), newIdentity(t)
	v := providertest.Canary(t, "wrongkey")
	dir := t.TempDir()
	write(t, dir, "s.enc.yaml", encryptText(t, YAML, "k: "+v+"\n", owner.Recipient().String()))
	ref := providers.Ref{Scheme: Scheme, Path: "s.enc.yaml", Key: "k"}

	p := New(dir, WithLookup(env(t, envAgeKey, other.String())))
	err := fetchOne(t, p, ref, v, other.String(), owner.String())
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("err = %v; want ErrDenied", err)
	}
	for _, want := range []string{filepath.Join(dir, "s.enc.yaml"), owner.Recipient().String(), "not for this recipient"} {
		if !strings.Contains(err.Error(), want) && !strings.Contains(err.Error(), "none of the age identities found is for this recipient") {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if h := providers.Hint(err); !strings.Contains(h, "sops updatekeys") || !strings.Contains(h, "SOPS_AGE_KEY: 1 identity") {
		t.Errorf("hint %q; want where the identities came from and how to fix it", h)
	}

	// No identity anywhere: the hint lists where secretrun looked.
	p = New(dir, WithLookup(env(t)))
	err = fetchOne(t, p, ref, v)
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("err = %v; want ErrDenied", err)
	}
	if h := providers.Hint(err); !strings.Contains(h, "SOPS_AGE_KEY_FILE") || !strings.Contains(h, filepath.Join(".config", "sops", "age", "keys.txt")) {
		t.Errorf("hint %q; want the places looked at", h)
	}
}

// TestIdentitySources: the identity is found in SOPS_AGE_KEY_FILE, in sops' default key file
// (under XDG_CONFIG_HOME or ~/.config), and among several in SOPS_AGE_KEY; a malformed line is
// reported by its number, never its text.
func TestIdentitySources(t *testing.T) {
	id := newIdentity(t)
	v := providertest.Canary(t, "ids")
	dir := t.TempDir()
	write(t, dir, "s.enc.json", encryptText(t, JSON, `{"k":"`+v+`"}`, id.Recipient().String()))
	ref := providers.Ref{Scheme: Scheme, Path: "s.enc.json", Key: "k"}
	keys := "# created: today\n" + id.String() + "\n"
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".config", "sops", "age"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(home, ".config", "sops", "age"), "keys.txt", []byte(keys))
	xdg := t.TempDir()
	if err := os.MkdirAll(filepath.Join(xdg, "sops", "age"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(xdg, "sops", "age"), "keys.txt", []byte(keys))
	keyFile := write(t, t.TempDir(), "k.txt", []byte(keys))
	bogus := "AGE-SECRET-KEY-1" + strings.ToUpper(strings.ReplaceAll(providertest.Canary(t, "bogus"), "-", ""))

	for name, lookup := range map[string]func(string) (string, bool){
		"SOPS_AGE_KEY_FILE":   env(t, envAgeKeyFile, keyFile),
		"default ~/.config":   func(k string) (string, bool) { return map[string]string{"HOME": home}[k], k == "HOME" },
		"default XDG":         env(t, "XDG_CONFIG_HOME", xdg),
		"SOPS_AGE_KEY, words": env(t, envAgeKey, newIdentity(t).String()+" "+id.String()),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := New(dir, WithLookup(lookup)).Fetch(context.Background(), []providers.Ref{ref})
			if err != nil || got[0].Reveal() != v {
				t.Fatalf("Fetch: %d bytes, %v", got[0].Len(), err)
			}
		})
	}
	t.Run("malformed line", func(t *testing.T) {
		bad := write(t, t.TempDir(), "bad.txt", []byte("# comment\n"+bogus+"\n"))
		err := fetchOne(t, New(dir, WithLookup(env(t, envAgeKeyFile, bad))), ref, v, bogus, bogus[16:])
		if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), "line 2 is not an age identity") {
			t.Fatalf("err = %v, hint %q; want ErrDenied naming line 2", err, providers.Hint(err))
		}
	})
	t.Run("missing key file", func(t *testing.T) {
		err := fetchOne(t, New(dir, WithLookup(env(t, envAgeKeyFile, filepath.Join(dir, "nope.txt")))), ref, v)
		if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), "nope.txt): cannot read the file") {
			t.Fatalf("err = %v, hint %q; want ErrDenied naming the key file", err, providers.Hint(err))
		}
	})
}

// tamper returns b with the first character after marker replaced by another base64 character.
func tamper(t *testing.T, b []byte, marker string) []byte {
	t.Helper()
	out, err := sopstest.Tamper(b, marker)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTampered: a file changed after sops encrypted it fails closed with ErrTampered (and
// ErrDenied), whatever was changed, and the error holds no value, not even one the attacker wrote.
func TestTampered(t *testing.T) {
	id := newIdentity(t)
	v, planted, other, clear, changed := providertest.Canary(t, "tamper"), providertest.Canary(t, "planted"),
		providertest.Canary(t, "other"), providertest.Canary(t, "clear"), providertest.Canary(t, "changed")
	orig := encryptText(t, YAML, "a: "+v+"\nb: "+other+"\nnote_unencrypted: "+clear+"\n", id.Recipient().String())
	cases := map[string][]byte{
		"value ciphertext":   tamper(t, orig, "a: ENC[AES256_GCM,data:"),
		"value tag":          tamper(t, orig, "b: ENC[AES256_GCM,data:"),
		"MAC":                tamper(t, orig, "mac: ENC[AES256_GCM,data:"),
		"unencrypted value":  []byte(strings.Replace(string(orig), "note_unencrypted: "+clear, "note_unencrypted: "+changed, 1)),
		"lastmodified":       []byte(strings.Replace(string(orig), "lastmodified: \"20", "lastmodified: \"19", 1)),
		"plaintext injected": []byte(strings.Replace(string(orig), "b: ENC[", "b: "+planted+" #ENC[", 1)),
		"value removed":      []byte(strings.Replace(string(orig), "b: ENC[", "#b: ENC[", 1)),
		"MAC removed":        []byte(strings.Replace(string(orig), "mac: ENC", "#mac: ENC", 1)),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if string(b) == string(orig) {
				t.Fatal("the file was not changed")
			}
			dir := t.TempDir()
			write(t, dir, "s.enc.yaml", b)
			p := New(dir, WithLookup(env(t, envAgeKey, id.String())))
			err := fetchOne(t, p, providers.Ref{Scheme: Scheme, Path: "s.enc.yaml", Key: "a"}, v, planted, other, clear, changed)
			if !errors.Is(err, ErrTampered) || !errors.Is(err, providers.ErrDenied) {
				t.Fatalf("err = %v; want ErrTampered and ErrDenied", err)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, "s.enc.yaml")) || !strings.Contains(providers.Hint(err), "sops edit") {
				t.Errorf("err %q, hint %q; want the file named and how to fix it", err, providers.Hint(err))
			}
		})
	}
	t.Run("untouched file decrypts", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "s.enc.yaml", orig)
		got, err := New(dir, WithLookup(env(t, envAgeKey, id.String()))).Fetch(context.Background(),
			[]providers.Ref{{Scheme: Scheme, Path: "s.enc.yaml", Key: "a"}})
		if err != nil || got[0].Reveal() != v {
			t.Fatalf("Fetch: %d bytes, %v", got[0].Len(), err)
		}
	})
}

// TestNotEncrypted: a plain file, a file of another format, or garbage fails closed with
// ErrInvalidRef naming the file, and quotes none of its content.
func TestNotEncrypted(t *testing.T) {
	id := newIdentity(t)
	v := providertest.Canary(t, "plain")
	cases := []struct {
		name, file, content, want string
	}{
		{"plain yaml", "p.yaml", "password: " + v + "\n", "not a sops-encrypted yaml file"},
		{"plain json", "p.json", `{"password":"` + v + `"}`, "not a sops-encrypted json file"},
		{"plain json string", "s.json", `"` + v + `"`, "cannot be read"},
		{"plain dotenv", "p.env", "PASSWORD=" + v + "\n", "not a sops-encrypted dotenv file"},
		{"dotenv garbage", "g.env", v + "\n", "cannot be read"},
		{"yaml garbage", "g.yaml", "a: [" + v + "\n", "cannot be read"},
		{"yaml as json", "y.json", string(encryptText(t, YAML, "a: "+v+"\n", id.Recipient().String())), "cannot be read"},
		{"plain ini", "p.ini", "[db]\npassword = " + v + "\n", "not a sops-encrypted ini file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, c.file, []byte(c.content))
			key := "password"
			switch c.file {
			case "p.env", "g.env":
				key = "PASSWORD"
			case "p.ini":
				key = "db/password"
			}
			p := New(dir, WithLookup(env(t, envAgeKey, id.String())))
			err := fetchOne(t, p, providers.Ref{Scheme: Scheme, Path: c.file, Key: key}, v)
			if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
				t.Fatalf("err = %v; want ErrInvalidRef naming %s: %q", err, c.file, c.want)
			}
		})
	}
}

// TestMissingFile: ErrNotFound naming the file as resolved, with a hint for a relative path.
func TestMissingFile(t *testing.T) {
	dir := t.TempDir()
	err := fetchOne(t, New(dir), providers.Ref{Scheme: Scheme, Path: "nope.enc.yaml", Key: "a"})
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), filepath.Join(dir, "nope.enc.yaml")) {
		t.Fatalf("err = %v; want ErrNotFound naming the file", err)
	}
	if !strings.Contains(providers.Hint(err), "relative path") {
		t.Errorf("hint %q; want the relative-path hint", providers.Hint(err))
	}
}

// TestMissingKey: a missing key is ErrKeyNotFound naming the key and the names that exist.
func TestMissingKey(t *testing.T) {
	id := newIdentity(t)
	v := providertest.Canary(t, "mk")
	dir := t.TempDir()
	write(t, dir, "s.enc.yaml", encryptText(t, YAML, "db:\n  user: "+v+"\n  password: "+v+"\n", id.Recipient().String()))
	p := New(dir, WithLookup(env(t, envAgeKey, id.String())))
	err := fetchOne(t, p, providers.Ref{Scheme: Scheme, Path: "s.enc.yaml", Key: "/db/pasword"}, v)
	if !errors.Is(err, providers.ErrKeyNotFound) || !strings.Contains(err.Error(), `no key "pasword" under /db; keys: user, password`) {
		t.Fatalf("err = %v; want ErrKeyNotFound listing the keys", err)
	}
	err = fetchOne(t, p, providers.Ref{Scheme: Scheme, Path: "s.enc.yaml", Key: "/db/user/x"}, v)
	if !errors.Is(err, providers.ErrKeyNotFound) {
		t.Fatalf("err = %v; want ErrKeyNotFound", err)
	}
}

// TestVersions: Version is a hash of the encrypted file, the same from Versions (which needs no
// key) and Fetch, and changes when the file is re-encrypted with the same values; Created is
// sops' lastmodified.
func TestVersions(t *testing.T) {
	id := newIdentity(t)
	dir := t.TempDir()
	write(t, dir, "s.enc.yaml", encryptText(t, YAML, "a: 1\n", id.Recipient().String()))
	ref := providers.Ref{Scheme: Scheme, Path: "s.enc.yaml", Key: "a"}
	p := New(dir, WithLookup(env(t, envAgeKey, id.String())))
	got, err := p.Fetch(context.Background(), []providers.Ref{ref})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(got[0].Created); d < 0 || d > time.Minute {
		t.Errorf("Created = %v; want sops' lastmodified (just now)", got[0].Created)
	}
	keyless := New(dir, WithLookup(env(t)))
	vs, err := keyless.Versions(context.Background(), []providers.Ref{ref, ref})
	if err != nil || vs[0] != got[0].Version || vs[1] != got[0].Version {
		t.Fatalf("Versions = %v, %v; want %q twice", vs, err, got[0].Version)
	}
	write(t, dir, "s.enc.yaml", encryptText(t, YAML, "a: 1\n", id.Recipient().String()))
	vs2, err := keyless.Versions(context.Background(), []providers.Ref{ref})
	if err != nil || vs2[0] == vs[0] {
		t.Errorf("after re-encryption Versions = %v, %v; want a new version", vs2, err)
	}
}

// TestQuiet: sops' loggers write nowhere once a provider exists, so that nothing but secretrun
// speaks on its stderr.
func TestQuiet(t *testing.T) {
	New("")
	if len(logging.Loggers) == 0 {
		t.Fatal("no sops loggers registered")
	}
	for name, l := range logging.Loggers {
		if l.Out != io.Discard {
			t.Errorf("sops logger %s writes to %v", name, l.Out)
		}
	}
}

// TestEntry: the registry entry scrubs the private key variable and keeps the file pointer.
func TestEntry(t *testing.T) {
	e := Entry("")
	if e.Scheme != Scheme || e.Remote {
		t.Errorf("entry %+v; want local scheme sops", e)
	}
	if strings.Join(e.Credentials, ",") != envAgeKey {
		t.Errorf("Credentials = %v; want [%s]", e.Credentials, envAgeKey)
	}
}

// TestNoKeysInFile: a file whose metadata lists no master key fails closed (sops' metadata
// reader refuses it), naming the file.
func TestNoKeysInFile(t *testing.T) {
	id := newIdentity(t)
	v := providertest.Canary(t, "nokeys")
	b := encryptText(t, YAML, "k: "+v+"\n", id.Recipient().String())
	start := strings.Index(string(b), "    age:\n")
	end := strings.Index(string(b), "    lastmodified:")
	if start < 0 || end < start {
		t.Fatalf("unexpected layout:\n%s", b)
	}
	dir := t.TempDir()
	write(t, dir, "s.enc.yaml", append(b[:start:start], b[end:]...))
	err := fetchOne(t, New(dir, WithLookup(env(t, envAgeKey, id.String()))), providers.Ref{Scheme: Scheme, Path: "s.enc.yaml", Key: "k"}, v)
	if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error(), filepath.Join(dir, "s.enc.yaml")+" cannot be read") {
		t.Fatalf("err = %v; want ErrInvalidRef naming the file", err)
	}
}
