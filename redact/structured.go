package redact

import "strings"

// lineFields returns the values of a multi-line value read as YAML or INI,
// line by line: "key: value" (also as a "- key: value" list item) and
// "key = value" / "key=value", with surrounding quotes removed. Comment
// lines ('#', ';'), section headers ("[default]"), document markers and
// block scalar indicators ("key: |") give nothing. This is how a
// kubeconfig's token, an AWS credentials file's aws_secret_access_key or a
// .env-style file's values become needles of their own; like the leaves of
// a JSON secret, each value then passes the weak-value policy.
func lineFields(v string) []string {
	if !strings.Contains(v, "\n") {
		return nil
	}
	var out []string
	for _, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimSpace(strings.TrimPrefix(line, "- "))
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' || line == "---" {
			continue
		}
		var val string
		ok := false
		// The first separator wins: "url = https://x" is INI even though
		// it holds ": ", "token: a=b" is YAML.
		colon := strings.Index(line, ": ")
		eq := strings.IndexByte(line, '=')
		switch {
		case colon > 0 && (eq < 0 || colon < eq):
			val, ok = line[colon+2:], true
		case eq > 0:
			val, ok = line[eq+1:], true
		}
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if val == "|" || val == ">" || strings.HasPrefix(val, "|-") || strings.HasPrefix(val, ">-") {
			continue
		}
		out = append(out, unquoteScalar(val))
	}
	return out
}

// unquoteScalar removes one pair of matching surrounding quotes, undoing
// YAML's ” inside single quotes.
func unquoteScalar(s string) string {
	if len(s) >= 2 {
		switch {
		case s[0] == '\'' && s[len(s)-1] == '\'':
			return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
		case s[0] == '"' && s[len(s)-1] == '"':
			return s[1 : len(s)-1]
		}
	}
	return s
}

// netrcPasswords returns the tokens that follow "password" and "account"
// in a .netrc-style value ("machine host login user password PASS").
func netrcPasswords(v string) []string {
	f := strings.Fields(v)
	var out []string
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "password" || f[i] == "account" {
			out = append(out, f[i+1])
			i++
		}
	}
	return out
}
