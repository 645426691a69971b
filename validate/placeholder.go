package validate

import (
	"regexp"
	"strings"
)

// placeholderWords are values, compared whole and case-insensitively after trimming blanks,
// that stand for "fill this in". Words a real (if weak) credential can be, such as "password",
// "secret" or "test", are deliberately not here.
var placeholderWords = []string{
	"changeme", "change-me", "change_me", "change me", "changeit", "change-it", "change_it",
	"replaceme", "replace-me", "replace_me", "replace me",
	"todo", "tbd", "fixme", "placeholder", "dummy", "example", "sample",
	"your-key-here", "your_key_here", "insert-key-here",
}

// maxPlaceholder is the longest value checked against placeholderForms: placeholders are
// short, and keys and certificates need not pay for the patterns.
const maxPlaceholder = 128

// placeholderForms are the shapes of placeholders, matched against the whole trimmed value.
// Each applies only to values starting with one of its first bytes, which keeps the check cheap.
var placeholderForms = []struct {
	first string
	re    *regexp.Regexp
	why   string
}{
	{"<", regexp.MustCompile(`^<[^<>]*>$`), "a value in angle brackets"},
	{"${%", regexp.MustCompile(`^\$\{[^{}]*\}$|^\{\{[^{}]*\}\}$|^%[A-Za-z_][A-Za-z0-9_]*%$`), "an unexpanded ${VAR}, {{template}} or %VAR%"},
	{"ymiepaYMIEPA", regexp.MustCompile(`(?i)^(?:your|my|insert|enter|put|add)[-_ .](?:[a-z0-9]+[-_ .])*(?:here|key|token|secret|password|pass|id|value|url|dsn)$`), "a \"your-...-here\" text"},
	{"*.\xe2", regexp.MustCompile(`^\*{3,}$|^\.{3,}$|^…$`), "a masked or elided value"},
}

// exampleWhy starts the reason placeholder gives when the value is the one .env.example has.
const exampleWhy = "the value .env.example gives "

// placeholder says why value is a placeholder, or "". name is the variable's name, for the
// `.env.example` rule.
func (c *Checker) placeholder(name, value string) string {
	if ex, ok := c.Examples[name]; ok && ex != "" && ex == value {
		return exampleWhy + name
	}
	v := strings.TrimSpace(value)
	if v == "" || len(v) > maxPlaceholder {
		return ""
	}
	for _, w := range placeholderWords {
		if strings.EqualFold(v, w) {
			return "a placeholder word"
		}
	}
	if isXRun(v) {
		return "a run of x"
	}
	for _, f := range placeholderForms {
		if strings.IndexByte(f.first, v[0]) >= 0 && f.re.MatchString(v) {
			return f.why
		}
	}
	return ""
}

// isXRun reports values made of x: "xxx", "XXXX-XXXX", and a short prefix followed by at least
// six x ("sk_live_xxxxxxxx", "AKIAXXXXXXXXXXXXXXXX"), case-insensitively.
func isXRun(v string) bool {
	lower := strings.ToLower(v)
	prefix := strings.TrimRight(lower, "x")
	run := len(lower) - len(prefix)
	switch {
	case prefix == "":
		return run >= 3
	case strings.Trim(lower, "x-_.:") == "" && strings.HasPrefix(lower, "xx") && run >= 2:
		return true // xxxx-xxxx, xx:xx:xx
	case run < 6 || len(prefix) > 40:
		return false
	}
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
