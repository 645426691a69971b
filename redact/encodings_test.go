package redact

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// canaries are secret values with every kind of byte the encoders treat
// specially. Each test asserts that none of them survives.
var canaries = []Secret{
	{Name: "PLAIN", Value: "CANARY-s3cr3t-0123456789abcdef"},
	{Name: "SPECIAL", Value: `CANARY-sp3c!al <&> "q" 'a' \ / x+y=z?%#`},
	{Name: "UNICODE", Value: "CANARY-ünïcödé-€-😀-\u2028-s3cr3t"},
	{Name: "SPACES", Value: "CANARY with spaces and\ttab"},
}

func compileCanaries(t *testing.T, opt Options) *Matcher {
	t.Helper()
	m, skipped := Compile(canaries, opt)
	if len(skipped) != 0 {
		t.Fatalf("skipped %v", skipped)
	}
	return m
}

// assertMasked checks that the masked form of text contains a token and no
// trace of the encoded secret enc.
func assertMasked(t *testing.T, m *Matcher, what, text, enc string) {
	t.Helper()
	got := m.MaskString(text)
	if !strings.Contains(got, "***") {
		t.Errorf("%s: nothing masked in %q", what, got)
	}
	if (enc != "" && strings.Contains(got, enc)) || strings.Contains(got, "CANARY") {
		t.Errorf("%s: secret survived: %q", what, got)
	}
}

func TestEncodingsStdlib(t *testing.T) {
	m := compileCanaries(t, Options{})
	for _, c := range canaries {
		v := c.Value
		t.Run(c.Name, func(t *testing.T) {
			js, _ := json.Marshal(v) // HTML-safe: \u003c \u0026 \u003e
			assertMasked(t, m, "json.Marshal", `{"token":`+string(js)+"}\n", string(js))
			doc, _ := json.Marshal(map[string]any{"a": []string{v}, "b": 1})
			assertMasked(t, m, "json.Marshal nested", string(doc), string(js))
			var sb strings.Builder
			enc := json.NewEncoder(&sb)
			enc.SetEscapeHTML(false)
			enc.Encode(v)
			assertMasked(t, m, "json no HTML escaping", sb.String(), strings.TrimSpace(sb.String()))
			assertMasked(t, m, "json with \\/", strings.ReplaceAll(string(js), "/", `\/`), "")
			assertMasked(t, m, "json ASCII", `"`+jsonASCII(unquote(string(js)))+`"`, "")
			assertMasked(t, m, "strconv.Quote", "value="+strconv.Quote(v), strconv.Quote(v))
			assertMasked(t, m, "strconv.QuoteToASCII", "value="+strconv.QuoteToASCII(v), strconv.QuoteToASCII(v))
			for _, q := range []string{url.QueryEscape(v), url.PathEscape(v), lowerPercent(url.QueryEscape(v)), lowerPercent(url.PathEscape(v))} {
				assertMasked(t, m, "url "+q, "GET /cb?token="+q+"&x=1 HTTP/1.1\r\n", q)
			}
			u := url.URL{Scheme: "https", Host: "h", Path: "/p/" + v, RawQuery: url.Values{"k": {v}}.Encode()}
			assertMasked(t, m, "url.URL.String", u.String(), "")
		})
	}
}

// TestBase64Alignments: base64(prefix + secret + suffix) for prefixes of
// length 0 to 2, with and without padding and a trailing newline (what
// `echo "$S" | base64` prints), in both alphabets.
func TestBase64Alignments(t *testing.T) {
	m := compileCanaries(t, Options{})
	encs := map[string]*base64.Encoding{
		"std": base64.StdEncoding, "raw": base64.RawStdEncoding,
		"url": base64.URLEncoding, "rawurl": base64.RawURLEncoding,
	}
	for _, c := range canaries {
		for name, enc := range encs {
			for _, prefix := range []string{"", "u", "us"} {
				for _, suffix := range []string{"", "\n", "x", "xy"} {
					text := enc.EncodeToString([]byte(prefix + c.Value + suffix))
					got := m.MaskString("Authorization: Basic " + text + "\n")
					before, after, ok := strings.Cut(strings.TrimPrefix(got, "Authorization: Basic "), "***")
					if !ok || strings.Contains(after, "***") {
						t.Errorf("%s %s prefix %q suffix %q: want one region, got %q", c.Name, name, prefix, suffix, got)
						continue
					}
					// Only characters that depend on the prefix or suffix remain.
					if len(before) > 3 || len(strings.TrimSuffix(after, "\n")) > 6 {
						t.Errorf("%s %s prefix %q suffix %q: too much left around the token: %q", c.Name, name, prefix, suffix, got)
					}
				}
			}
		}
	}
}

// TestShellQuoting checks the forms bash prints with `printf %q` and
// `set -x`, when bash is installed, and the built-in emulation always.
func TestShellQuoting(t *testing.T) {
	m := compileCanaries(t, Options{})
	vals := []string{canaries[1].Value, canaries[2].Value, canaries[3].Value, "~CANARY-tilde #not-comment", "#CANARY-hash-first"}
	m2, _ := Compile([]Secret{{Name: "T", Value: vals[3]}, {Name: "H", Value: vals[4]}, {Name: "NL", Value: "CANARY-line-1\nCANARY-line\t2"}}, Options{})
	for _, v := range vals {
		mm := m
		if strings.HasPrefix(v, "~") || strings.HasPrefix(v, "#") {
			mm = m2
		}
		assertMasked(t, mm, "printf %q emulation", "+ curl -H "+bashPrintfQ(v, false)+"\n", "")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	for _, v := range append(vals, "CANARY-line-1\nCANARY-line\t2") {
		mm := m
		if !strings.Contains(v, "sp3c") && !strings.Contains(v, "spaces") && !strings.Contains(v, "ünï") {
			mm = m2
		}
		for _, locale := range []string{"C.UTF-8", "C"} {
			cmd := exec.Command(bash, "-c", `printf '%q\n' "$1"; set -x; : "$1"`, "_", v)
			cmd.Env = append(cmd.Environ(), "LC_ALL="+locale)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v", err)
			}
			got := mm.MaskString(string(out))
			if strings.Contains(got, "CANARY") {
				t.Errorf("LC_ALL=%s bash printf %%q / set -x of %q: secret survived:\n%s", locale, v, got)
			}
		}
	}
}

// pemKey is a multi-line secret with armour lines; pemBody1 and pemBody2 are
// its secret lines.
const (
	pemBody1 = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
	pemBody2 = "BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"
	pemKey   = "-----BEGIN PRIVATE KEY-----\n" + pemBody1 + "\n" + pemBody2 + "\n-----END PRIVATE KEY-----\n"
)

func TestMultiLine(t *testing.T) {
	key := pemKey
	short := "CANARY\nab\ncd\nef-tail"
	m, _ := Compile([]Secret{{Name: "KEY", Value: key}, {Name: "SHORT_LINES", Value: short}}, Options{})
	tests := []struct{ what, in string }{
		{"as is", "key:\n" + key},
		{"crlf (pty)", "key:\r\n" + strings.ReplaceAll(key, "\n", "\r\n")},
		{"echo $X", "key: " + strings.Join(strings.Fields(key), " ") + "\n"},
		{"one line", "line 2 was " + pemBody1 + " here\n"},
		{"short lines", "x " + short + "\n"},
		{"short lines crlf", "x " + strings.ReplaceAll(short, "\n", "\r\n") + "\r\n"},
		{"short lines echo", "x " + strings.Join(strings.Fields(short), " ") + "\n"},
	}
	for _, tt := range tests {
		got := m.MaskString(tt.in)
		for _, frag := range []string{pemBody1, pemBody2, "ef-tail"} {
			if strings.Contains(got, frag) {
				t.Errorf("%s: %q survived in %q", tt.what, frag, got)
			}
		}
	}
	// Armour lines alone are not secret.
	if got := m.MaskString("-----BEGIN PRIVATE KEY-----\n"); got != "-----BEGIN PRIVATE KEY-----\n" {
		t.Errorf("armour line masked: %q", got)
	}
}

// A key inside a structured secret (a service-account JSON) is unarmoured like a key on its own:
// its body is masked in every form, and an armour line printed alone is left as it is, even as
// the last bytes of the stream, where a needle starting with it would mask the held prefix.
func TestMultiLineInsideJSON(t *testing.T) {
	key := pemKey
	doc, _ := json.Marshal(map[string]string{"type": "service_account", "private_key": key})
	m, _ := Compile([]Secret{{Name: "GOOGLE_CREDENTIALS", Value: string(doc)}}, Options{})
	for _, in := range []string{string(doc), key, "pk: " + strings.Join(strings.Fields(key), " ")} {
		got := m.MaskString(in)
		if strings.Contains(got, pemBody1) || strings.Contains(got, pemBody2) {
			t.Errorf("key body survived in %q", got)
		}
	}
	for _, in := range []string{"-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\n", `"-----BEGIN PRIVATE KEY-----\n`} {
		if got := m.MaskString(in); got != in {
			t.Errorf("armour line %q masked: %q", in, got)
		}
	}
}

func TestStructuredParts(t *testing.T) {
	m, _ := Compile([]Secret{
		{Name: "CREDS", Value: `{"user":"svc-account","password":"CANARY-json-leaf-pw","nested":{"k":["CANARY-deep-leaf-9"]},"on":"true"}`},
		{Name: "DATABASE_URL", Value: "postgres://app:CANARY-db-p%40ss@db.internal:5432/app?sslmode=require"},
		{Name: "MYSQL_DSN", Value: "app:CANARY-mysql-pw@tcp(db:3306)/app"},
		{Name: "ADO", Value: "Server=db;User Id=app;Password=CANARY-ado-pw;"},
	}, Options{})
	for _, in := range []string{
		"login with CANARY-json-leaf-pw\n", "deep CANARY-deep-leaf-9\n", `{"password": "CANARY-json-leaf-pw"}`,
		"pw CANARY-db-p@ss\n", "pw CANARY-db-p%40ss\n", "connecting with CANARY-mysql-pw\n", "pw=CANARY-ado-pw\n",
	} {
		if got := m.MaskString(in); strings.Contains(got, "CANARY") {
			t.Errorf("%q: got %q", in, got)
		}
	}
	if got := m.MaskString("flag is true\n"); got != "flag is true\n" {
		t.Errorf("trivial leaf masked: %q", got)
	}
}

func TestOptInEncodings(t *testing.T) {
	v := "CANARY-opt-in-s3cr3t"
	off, _ := Compile([]Secret{{Name: "S", Value: v}}, Options{})
	on, _ := Compile([]Secret{{Name: "S", Value: v}}, Options{Hex: true, Base32: true, UTF16: true})
	le, be := utf16Forms(v)
	for _, text := range []string{
		hex.EncodeToString([]byte(v)), strings.ToUpper(hex.EncodeToString([]byte(v))),
		base32.StdEncoding.EncodeToString([]byte(v)), base32.StdEncoding.EncodeToString([]byte("ab" + v + "\n")),
		le, be,
	} {
		if got := off.MaskString(text); got != text {
			t.Errorf("opt-in form masked without the option: %q", got)
		}
		if got := on.MaskString(text); !strings.Contains(got, "***") || len(got) > 12 {
			t.Errorf("opt-in form not masked: %q -> %q", text, got)
		}
	}
	if on.NeedleCount() <= off.NeedleCount() {
		t.Errorf("needles: %d with options, %d without", on.NeedleCount(), off.NeedleCount())
	}
}
