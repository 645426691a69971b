package redact

import (
	"encoding/json"
	"html"
	"html/template"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// The forms of issue 9 §1, produced by the real programs (python3, node,
// PyYAML) when they are installed; each subtest skips cleanly without its
// program.

// realCanaries hold the characters the encoders treat differently: Gson's
// = and ', .NET's +, every kind of quote, backslashes, slashes, non-ASCII.
var realCanaries = []Secret{
	{Name: "GSON", Value: "CANARY-gs0n=eq'ap+pl<lt>&amp;-tail"},
	{Name: "QUOTES", Value: `CANARY-q"d'sq\bs/sl-tail`},
	{Name: "SQUOTE", Value: "CANARY-it's-s3cret-tail"},
	{Name: "ALLQ", Value: "CANARY-a'b\"c`d\\e-tail"},
	{Name: "UNI", Value: "CANARY-ünï-€-😀-\u2028-tail"},
	{Name: "URLPW", Value: "CANARY-p@ss:w/rd?#[x]^|{}`;=é~!$&'()*+,-tail"},
	{Name: "CTRL", Value: "CANARY-esc\x1b-del\x7f-tab\t-soh\x01-tail"}, // Data::Dumper: \e \177 \t \1
	{Name: "TRAILBS", Value: "CANARY-ünï-ends-tail\\"},                 // a trailing backslash: \\ and the closing quote read as \"
}

// program runs name with args and returns its stdout; the test is skipped
// when name is not installed, and fails when it exits non-zero.
func program(t *testing.T, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	out, err := exec.Command(path, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && strings.Contains(string(ee.Stderr), "No module named") {
			t.Skipf("%s: %s", name, strings.TrimSpace(string(ee.Stderr)))
		}
		t.Fatalf("%s: %v", name, err)
	}
	return string(out)
}

// assertNoCanary masks out and fails if any canary value, or its
// distinctive start or end, survives.
func assertNoCanary(t *testing.T, m *Matcher, what, out string) {
	t.Helper()
	got := m.MaskString(out)
	if strings.Contains(got, "CANARY") || strings.Contains(got, "tail") {
		t.Errorf("%s: secret survived:\n  in:  %q\n  out: %q", what, out, got)
	}
	if !strings.Contains(got, "***") {
		t.Errorf("%s: nothing masked in %q", what, got)
	}
}

// pythonScripts print a value (sys.argv[1]) as one encoder does.
var pythonScripts = []struct{ what, script string }{
	{"json.dumps", `import json,sys; print(json.dumps({"k": sys.argv[1]}))`},
	{"json.dumps ensure_ascii=False", `import json,sys; print(json.dumps({"k": sys.argv[1]}, ensure_ascii=False))`},
	{"json.dumps upper-case hex", `import json,re,sys; print(re.sub(r'\\u[0-9a-f]{4}', lambda m: m.group(0).upper().replace('\\U', '\\u'), json.dumps(sys.argv[1])))`},
	{"json twice", `import json,sys; print(json.dumps({"doc": json.dumps({"k": sys.argv[1]})}))`},
	{"json twice, inner ensure_ascii=False", `import json,sys; print(json.dumps({"doc": json.dumps({"k": sys.argv[1]}, ensure_ascii=False)}))`},
	{"repr", `import sys; print(repr(sys.argv[1]))`},
	{"repr in a dict", `import sys; print({"k": sys.argv[1]})`},
	{"shlex.quote", `import shlex,sys; print("+ curl -u", shlex.quote(sys.argv[1]))`},
	{"urllib.parse.quote", `import urllib.parse,sys; print("GET /x/" + urllib.parse.quote(sys.argv[1]))`},
	{"urllib.parse.quote lower-case hex", `import re,urllib.parse,sys; print(re.sub('%[0-9A-F]{2}', lambda m: m.group(0).lower(), urllib.parse.quote(sys.argv[1])))`},
	{"urllib.parse.quote_plus", `import urllib.parse,sys; print("?t=" + urllib.parse.quote_plus(sys.argv[1]))`},
	{"html.escape", `import html,sys; print("<td>" + html.escape(sys.argv[1]) + "</td>")`},
	{"html.escape xmlcharrefreplace", `import html,sys; print(html.escape(sys.argv[1]).encode("ascii", "xmlcharrefreplace").decode())`},
	{"xml quoteattr", `import sys; from xml.sax.saxutils import quoteattr; print("<x v=" + quoteattr(sys.argv[1]) + "/>")`},
	{"xml escape", `import sys; from xml.sax.saxutils import escape; print("<x>" + escape(sys.argv[1], {"'": "&apos;", '"': "&quot;"}) + "</x>")`},
	{"ElementTree", `import sys, xml.etree.ElementTree as ET; e = ET.Element("x", v=sys.argv[1]); e.text = sys.argv[1]; print(ET.tostring(e, encoding="unicode"))`},
	{"JSON inside HTML", `import html,json,sys; print('<div data-config="' + html.escape(json.dumps({"k": sys.argv[1]})) + '">')`},
	{"HTML escaped twice", `import html,sys; print("<td>" + html.escape(html.escape(sys.argv[1])) + "</td>")`},
	{"SQL literal", `import sys; print("INSERT INTO t VALUES ('" + sys.argv[1].replace("'", "''") + "');")`},
	// Gson's and .NET System.Text.Json's escaping, applied by Python's
	// encoder with their documented escape sets (neither runtime is
	// installed here).
	{"Gson", `import json,sys; print(json.dumps(sys.argv[1], ensure_ascii=False).translate({c: "\\u%04x" % c for c in map(ord, "<>&='")}))`},
	// Any character of a value as an escape (issue 9 §1: the class, not
	// the one encoder): Python's ascii() and its backslashreplace and
	// unicode_escape codecs, every character as \uXXXX, as a character
	// reference, a random mix of styles, and JSON's ASCII escapes of a
	// document escaped again.
	{"ascii()", `import sys; print(ascii(sys.argv[1]))`},
	{"print of bytes", `import sys; print(sys.argv[1].encode())`},
	{"bytes in a dict", `import sys; print({"k": sys.argv[1].encode()})`},
	{"backslashreplace", `import sys; print(sys.argv[1].encode("ascii", "backslashreplace").decode())`},
	{"unicode_escape", `import sys; print(sys.argv[1].encode("unicode_escape").decode())`},
	{"every character as \\uXXXX", `import json,sys; print("".join(json.dumps(c)[1:-1] if ord(c) > 127 else "\\u%04X" % ord(c) for c in sys.argv[1]))`},
	{"every character as &#NN;", `import sys; print("".join("&#%d;" % ord(c) for c in sys.argv[1]))`},
	{"every character as &#xNN;", `import sys; print("".join("&#x%x;" % ord(c) for c in sys.argv[1]))`},
	{"a random mix of escapes", `import random,sys; r = random.Random(sys.argv[1]); print("".join(r.choice([c, "\\u%04x" % ord(c) if ord(c) < 0x10000 else c, "&#%d;" % ord(c), "&#X%X;" % ord(c), "\\U%08x" % ord(c), "\\u{%x}" % ord(c)]) for c in sys.argv[1]))`},
	{"json.dumps of json.dumps, every escape doubled", `import json,sys; print(json.dumps(json.dumps(sys.argv[1])))`},
	{".NET System.Text.Json", `import json,re,sys; s = json.dumps(sys.argv[1]); s = re.sub(r'\\u[0-9a-f]{4}', lambda m: "\\u" + m.group(0)[2:].upper(), s); body = s[1:-1].replace('\\"', "\\u0022").translate({c: "\\u%04X" % c for c in map(ord, "&'+<>` + "`" + `")}); print('{"k":"' + body + '"}')`},
}

// canaryValues returns the values of realCanaries.
func canaryValues() []string {
	var vs []string
	for _, c := range realCanaries {
		vs = append(vs, c.Value)
	}
	return vs
}

func TestRealPython(t *testing.T) {
	m := canaryMatcher(t)
	for _, ps := range pythonScripts {
		t.Run(ps.what, func(t *testing.T) {
			// One process for all values: sys.argv[1] is each in turn.
			script := "import sys\nfor _v in sys.argv[1:]:\n    sys.argv = [sys.argv[0], _v]\n    exec(" + strconv.Quote(ps.script) + ")\n"
			out := program(t, "python3", append([]string{"-c", script}, canaryValues()...)...)
			checkLines(t, m, ps.what, out)
		})
	}
}

// checkLines checks each line of out (one or more per canary value).
func checkLines(t *testing.T, m *Matcher, what, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) < len(realCanaries) {
		t.Fatalf("%s printed %d lines for %d values", what, len(lines), len(realCanaries))
	}
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			assertNoCanary(t, m, what, l+"\n")
		}
	}
}

func canaryMatcher(t *testing.T) *Matcher {
	t.Helper()
	m, skipped := Compile(realCanaries, Options{})
	if len(skipped) != 0 {
		t.Fatalf("skipped %v", skipped)
	}
	return m
}

func TestRealPyYAML(t *testing.T) {
	m := canaryMatcher(t)
	out := program(t, "python3", append([]string{"-c", `import sys,yaml
for v in sys.argv[1:]:
    print(yaml.dump({"k": v}, width=1000).strip())
    print(yaml.safe_dump([v], default_style='"', width=1000).strip())
    print(yaml.dump({"k": v}, default_style="'", width=1000).strip())`}, canaryValues()...)...)
	checkLines(t, m, "yaml.dump", out)
}

// TestHTMLInsideJSON: HTML-escaped text in a JSON string written by Go's
// encoding/json, which (like Gson and .NET) escapes '&' as \u0026, so a
// quote of the value reads \u0026#34; and '&' \u0026amp;.
func TestHTMLInsideJSON(t *testing.T) {
	m := canaryMatcher(t)
	for _, c := range realCanaries {
		for _, esc := range []func(string) string{html.EscapeString, template.HTMLEscapeString} {
			b, err := json.Marshal(map[string]string{"html": "<p>" + esc(c.Value) + "</p>"})
			if err != nil {
				t.Fatal(err)
			}
			assertNoCanary(t, m, "Go JSON of escaped HTML", string(b)+"\n")
		}
	}
}

// TestRealPerl: Data::Dumper with Useqq, which writes \x{fc} for a
// non-ASCII character and \@ and \$ for a sigil.
func TestRealPerl(t *testing.T) {
	m := canaryMatcher(t)
	out := program(t, "perl", append([]string{"-CA", "-MData::Dumper", "-e", `$Data::Dumper::Useqq = 1; $Data::Dumper::Terse = 1; $Data::Dumper::Indent = 0; for (@ARGV) { print Dumper($_), "\n" }`}, canaryValues()...)...)
	checkLines(t, m, "Data::Dumper Useqq", out)
}

// nodeScripts print a value (process.argv[1]) as Node does.
var nodeScripts = []struct{ what, script string }{
	{"util.inspect", `console.log(require("util").inspect(process.argv[1]))`},
	{"console.log of an object", `console.log({k: process.argv[1]})`},
	{"JSON.stringify", `console.log(JSON.stringify({k: process.argv[1]}))`},
	{"new URL userinfo", `const u = new URL("https://db.example/"); u.username = "app"; u.password = process.argv[1]; console.log(u.href)`},
	{"encodeURIComponent", `console.log("?t=" + encodeURIComponent(process.argv[1]))`},
	{"every code point as \\u{}", `console.log([...process.argv[1]].map(c => "\\u{" + c.codePointAt(0).toString(16) + "}").join(""))`},
	{"every UTF-16 unit as \\uXXXX", `console.log(process.argv[1].split("").map(c => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")).join(""))`},
}

func TestRealNode(t *testing.T) {
	m := canaryMatcher(t)
	for _, ns := range nodeScripts {
		t.Run(ns.what, func(t *testing.T) {
			// One process for all values: process.argv[1] is each in turn.
			script := "const _vs = process.argv.slice(1); for (const _v of _vs) { process.argv[1] = _v; " + ns.script + " }"
			checkLines(t, m, ns.what, program(t, "node", append([]string{"-e", script}, canaryValues()...)...))
		})
	}
}

// TestStructuredFormats: a field of a YAML, INI or .netrc secret printed on
// its own is masked, as a JSON field is, and so is a long JSON number.
func TestStructuredFormats(t *testing.T) {
	const kubeconfig = `apiVersion: v1
kind: Config
users:
- name: ci
  user:
    token: CANARY-kube-token-0123456789
contexts:
- context: {cluster: prod, user: ci}
  name: prod
`
	const awsCreds = "[default]\naws_access_key_id = AKIACANARY0123456789\naws_secret_access_key = CANARY/aws+secret0123456789\n\n[prod]\naws_secret_access_key=CANARY-prod-key-0123\n"
	const netrc = "machine api.example.com login ci password CANARY-netrc-pw-0123\nmachine other login x password 'CANARY-quoted-9876'\n"
	const numberJSON = `{"account": 12345678901234567890, "pin": 42, "ok": true}`
	m, _ := Compile([]Secret{
		{Name: "KUBECONFIG_DATA", Value: kubeconfig},
		{Name: "AWS_CREDENTIALS", Value: awsCreds},
		{Name: "NETRC", Value: netrc},
		{Name: "NUMBERS", Value: numberJSON},
	}, Options{})
	for _, in := range []string{
		"Authorization: Bearer CANARY-kube-token-0123456789\n",
		"key AKIACANARY0123456789\n", "secret CANARY/aws+secret0123456789\n", "CANARY-prod-key-0123\n",
		"curl -u ci:CANARY-netrc-pw-0123\n",
		"account 12345678901234567890 ok\n",
	} {
		if got := m.MaskString(in); strings.Contains(got, "CANARY") || strings.Contains(got, "12345678901234567890") {
			t.Errorf("%q: got %q", in, got)
		}
	}
	// Public or weak fields stay: too short or trivial.
	for _, in := range []string{"kind: Config\n", "pin 42\n", "name: prod\n", "ok true\n"} {
		if got := m.MaskString(in); got != in {
			t.Errorf("weak field masked: %q -> %q", in, got)
		}
	}
	// A YAML secret written by PyYAML: its fields, whatever the style.
	out := program(t, "python3", "-c", `import yaml; print(yaml.safe_dump({"auth": {"token": "CANARY-yaml-token-4567", "user": "svc"}, "password": "CANARY-yaml-pw: with colon"}))`)
	my, _ := Compile([]Secret{{Name: "CFG", Value: out}}, Options{})
	for _, in := range []string{"token CANARY-yaml-token-4567\n", "pw CANARY-yaml-pw: with colon\n"} {
		if got := my.MaskString(in); strings.Contains(got, "CANARY") {
			t.Errorf("PyYAML field %q: got %q", in, got)
		}
	}
}

// TestPEMRewrapped: a private key made by openssl, re-wrapped at any line
// length from 16 up (and printed whole on one line), shows no line of its
// body in clear.
func TestPEMRewrapped(t *testing.T) {
	key := program(t, "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
	m, _ := Compile([]Secret{{Name: "KEY", Value: key}}, Options{})
	var body strings.Builder
	for _, l := range strings.Split(key, "\n") {
		if !isPEMArmour(l) {
			body.WriteString(strings.TrimSpace(l))
		}
	}
	b := body.String()
	for _, width := range []int{16, 17, 40, 63, 64, 65, 76, 100, len(b)} {
		for _, eol := range []string{"\n", "\r\n"} {
			var in strings.Builder
			in.WriteString("-----BEGIN PRIVATE KEY-----" + eol)
			for i := 0; i < len(b); i += width {
				in.WriteString(b[i:min(i+width, len(b))] + eol)
			}
			in.WriteString("-----END PRIVATE KEY-----" + eol)
			got := m.MaskString(in.String())
			for _, l := range strings.Split(got, eol) {
				if l == "" || isPEMArmour(l) || l == "***" {
					continue
				}
				// Only a last line shorter than the piece length may show.
				if len(l) >= pemGram || !strings.HasSuffix(b, l) {
					t.Errorf("width %d: line in clear: %q", width, l)
				}
			}
		}
	}
}

// TestWrappedBase64: a value whose base64 crosses line breaks, as coreutils
// base64 (76 columns, and -w 64), openssl base64 (64) and Python's MIME
// encoder write it, with "\n" or a terminal's "\r\n", shows no line of its
// encoding.
func TestWrappedBase64(t *testing.T) {
	v := "CANARY-long-secret-" + strings.Repeat("0123456789abcdefghij", 6) + "-tail"
	m, _ := Compile([]Secret{{Name: "LONG", Value: v}}, Options{})
	var outs []string
	sh := `printf '%s\n' "$1" | base64; printf '%s' "$1" | base64 -w 64; printf '%s\n' "$1" | openssl base64`
	outs = append(outs, program(t, "sh", "-c", sh, "_", v))
	outs = append(outs, program(t, "python3", "-c", `import base64,sys; sys.stdout.write(base64.encodebytes(sys.argv[1].encode()).decode())`, v))
	for _, out := range outs {
		for _, eol := range []string{"\n", "\r\n"} {
			in := strings.ReplaceAll(out, "\n", eol)
			got := m.MaskString(in)
			// Only the last group may show: its characters mix the value's last
			// bits with what follows (padding, the newline echo adds).
			for _, l := range strings.Split(got, eol) {
				if rest := strings.ReplaceAll(l, "***", ""); len(rest) > 4 {
					t.Errorf("a line of the encoding shows: %q in\n%q", l, got)
				}
			}
		}
	}
}
