package validate

import (
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
)

// simpleFormat checks a format that needs no other rule. It returns false and what was
// expected when value is not of the format.
type simpleFormat func(value string) (ok bool, expected string)

var simpleFormats = map[string]simpleFormat{
	FormatBase64:   isBase64,
	FormatHex:      isHex,
	FormatUUID:     isUUID,
	FormatInt:      isInt,
	FormatPort:     isPort,
	FormatEmail:    isEmail,
	FormatHostname: isHostname,
}

// isBase64 accepts standard and URL-safe base64, padded or not (RFC 4648 §4 and §5).
func isBase64(v string) (bool, string) {
	const want = "base64 (standard or URL-safe alphabet, padded or not)"
	if v == "" {
		return false, want
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if _, err := enc.Strict().DecodeString(v); err == nil {
			return true, ""
		}
	}
	return false, want
}

func isHex(v string) (bool, string) {
	if _, err := hex.DecodeString(v); err != nil || v == "" {
		return false, "hexadecimal digits, an even number of them"
	}
	return true, ""
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isUUID(v string) (bool, string) {
	if !uuidRE.MatchString(v) {
		return false, "a UUID such as 123e4567-e89b-12d3-a456-426614174000"
	}
	return true, ""
}

func isInt(v string) (bool, string) {
	if _, err := strconv.ParseInt(v, 10, 64); err != nil {
		return false, "a decimal integer (64-bit)"
	}
	return true, ""
}

func isPort(v string) (bool, string) {
	if n, err := strconv.ParseUint(v, 10, 16); err != nil || n == 0 || strings.HasPrefix(v, "+") {
		return false, "a TCP/UDP port number from 1 to 65535"
	}
	return true, ""
}

// isEmail accepts a bare address (user@domain) as net/mail parses it: no display name, no
// angle brackets.
func isEmail(v string) (bool, string) {
	const want = "an email address such as user@example.com (no display name)"
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return false, want
	}
	_, domain, _ := strings.Cut(v, "@")
	if ok, _ := isHostname(domain); !ok {
		return false, want
	}
	return true, ""
}

var labelRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// isHostname accepts a DNS name (RFC 1123: labels of letters, digits and '-', not starting or
// ending with '-', at most 63 characters each, 253 in all; one trailing dot allowed) or an IP
// address.
func isHostname(v string) (bool, string) {
	const want = "a hostname (letters, digits, '-' and '.') or an IP address"
	if net.ParseIP(v) != nil {
		return true, ""
	}
	name := strings.TrimSuffix(v, ".")
	if name == "" || len(name) > 253 {
		return false, want
	}
	for _, label := range strings.Split(name, ".") {
		if !labelRE.MatchString(label) {
			return false, want
		}
	}
	return true, ""
}
