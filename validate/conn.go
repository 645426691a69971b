package validate

import (
	"net/url"
	"strconv"
	"strings"
)

// conn is a connection string reduced to what the TLS rule needs. Nothing of it is ever shown.
type conn struct {
	kind   string // "url", "mysql" (go-sql-driver form), "libpq" (key=value form)
	scheme string // lower case, for kind url
	params url.Values
}

// checkConn checks the url and dsn formats, and require_tls.
func checkConn(r *report, value, format string, requireTLS bool) {
	c, ok := parseConn(value, format)
	if !ok {
		if format == FormatURL {
			r.fail("format", "a URL with a scheme and a host, such as https://host/path")
		} else {
			r.fail("format", "a connection string: a URL such as postgres://user:pass@host/db, a MySQL DSN such as user:pass@tcp(host:3306)/db, or libpq key=value pairs")
		}
		return
	}
	if requireTLS {
		if ok, want := c.usesTLS(); !ok {
			r.fail("require_tls", "%s", want)
		}
	}
}

// parseConn parses value as a URL (format url: with a host) or a DSN. It never returns the
// parsers' errors, which quote their input.
func parseConn(value, format string) (conn, bool) {
	if strings.Contains(value, "://") || format == FormatURL {
		u, err := url.Parse(value)
		if err != nil || u.Scheme == "" || u.Opaque != "" {
			return conn{}, false
		}
		if u.Host == "" && (format == FormatURL || (u.RawQuery == "" && u.Path == "")) {
			return conn{}, false
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return conn{}, false
		}
		return conn{kind: "url", scheme: strings.ToLower(u.Scheme), params: q}, true
	}
	if c, ok := parseMySQL(value); ok {
		return c, true
	}
	return parseLibpq(value)
}

// parseMySQL parses go-sql-driver/mysql's DSN form:
// [user[:password]@][net[(addr)]]/dbname[?param=value&...]. As in the driver, the last '/'
// separates the database name, and the last '@' before it the credentials.
func parseMySQL(v string) (conn, bool) {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return conn{}, false
	}
	before, after := v[:i], v[i+1:]
	if at := strings.LastIndexByte(before, '@'); at >= 0 {
		before = before[at+1:]
	}
	// net[(addr)]: a protocol name, and an address in parentheses.
	proto, addr, hasAddr := strings.Cut(before, "(")
	for _, r := range proto {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return conn{}, false
		}
	}
	// Without an address, only the forms "user:pass@/db" and "/db" are taken for a MySQL DSN:
	// "word/word" is too common in other values.
	if (hasAddr && (proto == "" || !strings.HasSuffix(addr, ")"))) || (!hasAddr && before != "") {
		return conn{}, false
	}
	_, query, _ := strings.Cut(after, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return conn{}, false
	}
	return conn{kind: "mysql", params: q}, true
}

// libpqKeys are the connection parameters of which a key=value string needs at least one to be
// taken for a libpq connection string.
var libpqKeys = []string{"host", "hostaddr", "dbname", "user", "port", "sslmode", "password", "service"}

// parseLibpq parses a libpq key=value connection string (PostgreSQL manual, 34.1.1): pairs
// separated by spaces; a value may be single-quoted, and \' and \\ are escapes.
func parseLibpq(v string) (conn, bool) {
	q := url.Values{}
	known := false
	s := v
	for {
		s = strings.TrimLeft(s, " \t\n\r")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return conn{}, false
		}
		key := strings.TrimRight(s[:eq], " \t")
		for _, r := range key {
			if !(r >= 'a' && r <= 'z' || r == '_') {
				return conn{}, false
			}
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val strings.Builder
		quoted := strings.HasPrefix(s, "'")
		if quoted {
			s = s[1:]
		}
		closed := !quoted
		for len(s) > 0 {
			c := s[0]
			if c == '\\' && len(s) > 1 {
				val.WriteByte(s[1])
				s = s[2:]
				continue
			}
			if quoted && c == '\'' {
				s = s[1:]
				closed = true
				break
			}
			if !quoted && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
				break
			}
			val.WriteByte(c)
			s = s[1:]
		}
		if !closed {
			return conn{}, false
		}
		q.Set(key, val.String())
		known = known || contains(libpqKeys, key)
	}
	if !known {
		return conn{}, false
	}
	return conn{kind: "libpq", params: q}, true
}

// tlsSchemes are URL schemes that always use TLS.
var tlsSchemes = []string{"https", "wss", "rediss", "amqps", "mqtts", "ldaps", "smtps", "imaps", "pop3s", "ftps", "tls", "grpcs"}

// plainToTLS maps a plain-text scheme to its TLS form, for messages.
var plainToTLS = map[string]string{
	"http": "https", "ws": "wss", "redis": "rediss", "amqp": "amqps", "mqtt": "mqtts", "ldap": "ldaps",
	"smtp": "smtps", "imap": "imaps", "pop3": "pop3s", "ftp": "ftps", "nats": "tls", "grpc": "grpcs",
}

// Expected texts of require_tls, by kind of connection string.
const (
	wantPostgres = "TLS: sslmode=require, verify-ca or verify-full (the default, prefer, falls back to plain text)"
	wantMySQL    = "TLS: tls=true, skip-verify or a registered TLS config name, or ssl-mode=REQUIRED, VERIFY_CA or VERIFY_IDENTITY"
	wantMongo    = "TLS: tls=true (or ssl=true), or mongodb+srv:// without tls=false"
	wantMSSQL    = "TLS: encrypt=true or encrypt=strict"
	wantCH       = "TLS: secure=true"
	wantGeneric  = "a connection that uses TLS: a scheme such as https, wss, rediss, amqps, mqtts or ldaps, or a database URL with its TLS option (see docs/validation.md)"
)

// usesTLS reports whether the connection asks for TLS, and otherwise what would.
func (c conn) usesTLS() (bool, string) {
	switch c.kind {
	case "libpq":
		return pgTLS(c.params), wantPostgres
	case "mysql":
		return mysqlTLS(c.params), wantMySQL
	}
	switch s := c.scheme; {
	case contains(tlsSchemes, s):
		return true, ""
	case plainToTLS[s] != "":
		return false, "TLS: " + plainToTLS[s] + ":// (" + s + ":// is plain text)"
	case s == "postgres" || s == "postgresql":
		return pgTLS(c.params), wantPostgres
	case s == "mysql" || s == "mariadb":
		return mysqlTLS(c.params), wantMySQL
	case s == "mongodb":
		return isTrue(c.params.Get("tls")) || isTrue(c.params.Get("ssl")), wantMongo
	case s == "mongodb+srv":
		return !isFalse(c.params.Get("tls")) && !isFalse(c.params.Get("ssl")), wantMongo
	case s == "sqlserver":
		e := strings.ToLower(c.params.Get("encrypt"))
		return e == "strict" || e == "mandatory" || isTrue(e), wantMSSQL
	case s == "clickhouse":
		return isTrue(c.params.Get("secure")), wantCH
	}
	return false, wantGeneric
}

// pgTLS: sslmode require or stricter. (verify-* imply require.)
func pgTLS(q url.Values) bool {
	switch q.Get("sslmode") {
	case "require", "verify-ca", "verify-full":
		return true
	}
	return false
}

// mysqlTLS: go-sql-driver's tls (true, skip-verify, or a registered config name; not false or
// preferred), or MySQL's ssl-mode REQUIRED or stricter.
func mysqlTLS(q url.Values) bool {
	switch strings.ToUpper(q.Get("ssl-mode")) {
	case "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY":
		return true
	}
	t := q.Get("tls")
	return t != "" && !isFalse(t) && !strings.EqualFold(t, "preferred")
}

func isTrue(s string) bool {
	b, err := strconv.ParseBool(s)
	return err == nil && b
}

func isFalse(s string) bool {
	b, err := strconv.ParseBool(s)
	return err == nil && !b
}
