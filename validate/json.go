package validate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// checkJSON checks that value is JSON and, with required keys, an object that has each of them.
// A key is a top-level field name, or a JSON Pointer (RFC 6901) such as /db/password.
func checkJSON(r *report, value string, required []string) {
	if len(required) == 0 {
		if !json.Valid([]byte(value)) {
			r.fail("format", "a JSON document")
		}
		return
	}
	var doc any
	if err := json.Unmarshal([]byte(value), &doc); err != nil {
		r.fail("format", "a JSON object")
		return
	}
	if _, ok := doc.(map[string]any); !ok {
		r.fail("format", "a JSON object (required_keys needs an object)")
		return
	}
	for _, key := range required {
		if !hasKey(doc, key) {
			r.fail("required_keys", "a JSON object with the key %s", strconv.Quote(key))
		}
	}
}

// hasKey reports whether doc has key: a top-level name, or a JSON Pointer starting with "/".
func hasKey(doc any, key string) bool {
	if !strings.HasPrefix(key, "/") {
		m, _ := doc.(map[string]any)
		_, ok := m[key]
		return ok
	}
	for _, tok := range strings.Split(key[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch d := doc.(type) {
		case map[string]any:
			v, ok := d[tok]
			if !ok {
				return false
			}
			doc = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(d) || (len(tok) > 1 && tok[0] == '0') {
				return false
			}
			doc = d[i]
		default:
			return false
		}
	}
	return true
}

// checkJWT checks a compact JWS (RFC 7519): three base64url parts, a JSON header with "alg", a
// JSON object payload, and an "exp" claim, if any, in the future. The signature is not
// verified: secretrun has no key to verify it with.
func (c *Checker) checkJWT(r *report, value string) {
	const want = "a JWT: three base64url parts separated by '.', a JSON header with alg and a JSON payload"
	parts := strings.Split(value, ".")
	if len(parts) != 3 {
		r.fail("format", want)
		return
	}
	var header map[string]any
	if !decodeJWTPart(parts[0], &header) || header["alg"] == nil {
		r.fail("format", want)
		return
	}
	var claims map[string]any
	if !decodeJWTPart(parts[1], &claims) || claims == nil {
		r.fail("format", want)
		return
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(parts[2]); err != nil {
		r.fail("format", want)
		return
	}
	if exp, ok := claims["exp"].(json.Number); ok {
		sec, err := exp.Float64()
		if err != nil {
			r.fail("format", "a JWT whose exp claim is a number")
			return
		}
		if c.now().After(time.Unix(int64(sec), 0)) {
			r.fail("format", "a JWT that has not expired (its exp claim is in the past)")
		}
	}
}

func decodeJWTPart(s string, v any) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v) == nil && !dec.More()
}
