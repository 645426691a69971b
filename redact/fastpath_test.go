package redact

import (
	"math/rand"
	"net/url"
	"testing"
)

// When quotesKeep(v) holds, Compile does not derive quotedForms: check that
// each is v itself.
func TestQuotesKeep(t *testing.T) {
	r := rand.New(rand.NewSource(31))
	const alpha = "aZ09 \"'<>=+/`$@!#%^*()[]{}|;:,.?~-_\\\n\t\x7fé"
	kept := 0
	for it := 0; it < 3000; it++ {
		v := randRunes(r, alpha, 1+r.Intn(16))
		if !quotesKeep(v) {
			continue
		}
		kept++
		for _, f := range quotedForms(v) {
			if f != v {
				t.Fatalf("quotesKeep(%q) but a quoted form is %q", v, f)
			}
		}
	}
	if kept < 300 {
		t.Fatalf("only %d values checked", kept)
	}
	for _, v := range []string{"it's", `a\b`, "tab\there", "é", "del\x7f"} {
		if quotesKeep(v) {
			t.Errorf("quotesKeep(%q) = true", v)
		}
	}
}

// When urlUnreserved(v) holds, Compile derives no percent-encoded form:
// check that every encoder writes v as it is, for random values over the
// unreserved characters (and that one other character makes it false).
func TestURLUnreserved(t *testing.T) {
	r := rand.New(rand.NewSource(41))
	const unreserved = alnum + "-_.~"
	for it := 0; it < 500; it++ {
		v := randString(r, unreserved, 1+r.Intn(40))
		if !urlUnreserved(v) {
			t.Fatalf("urlUnreserved(%q) = false", v)
		}
		forms := []string{url.QueryEscape(v), url.PathEscape(v), encodeURIComponent(v), (&url.URL{Path: v}).EscapedPath(),
			percentEncode(v, whatwgUserinfo), percentEncode(v, pythonQuote)}
		for _, f := range forms {
			if f != v {
				t.Fatalf("urlUnreserved(%q) but a form is %q", v, f)
			}
		}
	}
	for _, c := range " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}\x7fé" {
		if urlUnreserved("abc" + string(c)) {
			t.Errorf("urlUnreserved(%q) = true", "abc"+string(c))
		}
	}
}
