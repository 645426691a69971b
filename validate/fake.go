package validate

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
)

// FakeError says that no fake value satisfying a secret's rules could be made. Like Failure, it
// names the variable and the rule, never a value.
type FakeError struct {
	// Var is the variable's name.
	Var string
	// Rule is the rule that could not be satisfied, such as "pattern".
	Rule string
	// Why says what was too hard, such as "pattern too complex".
	Why string
}

func (e *FakeError) Error() string {
	return "cannot make a fake value for " + e.Var + ": " + e.Rule + ": " + e.Why
}

// Faker makes deterministic fake values that satisfy a secret's Rules (`--fake`,
// docs/validation.md#fake-values): the same seed (the profile's name) and variable name give
// the same value on every run, except for certificates, whose validity follows the clock.
type Faker struct {
	// Seed is mixed into every value: secretrun passes the profile's name.
	Seed string
	// Checker checks every value made; its Now is also the time certificates and JWTs are
	// valid at. The zero value is used when nil.
	Checker *Checker
}

// fakeAttempts is how many variants of a value are tried (each with another part of the
// deterministic stream, and longer repetitions) before giving up.
const fakeAttempts = 48

// Fake returns a fake value for the variable name that passes Check with rules (nil: no rules),
// or a *FakeError when the rules are beyond what the generator can satisfy.
func (f *Faker) Fake(name string, rules *Rules) (string, error) {
	if rules == nil {
		rules = &Rules{}
	}
	checker := f.Checker
	if checker == nil {
		checker = &Checker{}
	}
	passes := func(v string) (bool, string) {
		fails, warns := checker.Check(name, v, rules)
		for _, w := range warns {
			if w.Rule == "expiry_warning" {
				return false, w.Rule
			}
		}
		if len(fails) > 0 {
			return false, fails[0].Rule
		}
		return true, ""
	}
	if len(rules.OneOf) > 0 {
		for _, v := range rules.OneOf {
			if ok, _ := passes(v); ok {
				return v, nil
			}
		}
		return "", &FakeError{Var: name, Rule: "one_of", Why: "no value listed in one_of satisfies the other rules"}
	}
	lastRule := ""
	attempts := fakeAttempts
	if rules.format() == FormatPEM {
		attempts = 2 // keys are costly, and a second one fails the same way
		if n := len(rules.KeyTypes); n > attempts {
			attempts = n
		}
	}
	for attempt := 0; attempt < attempts; attempt++ {
		g := &fakeGen{stream: newStream(f.Seed, name, attempt), name: name, rules: rules, attempt: attempt, now: checker.now()}
		var candidates []string
		if v, ok := g.byFormat(); ok {
			candidates = append(candidates, v)
		}
		if rules.Pattern != nil {
			v, err := g.fromPattern()
			if err != nil {
				return "", &FakeError{Var: name, Rule: "pattern", Why: err.Error()}
			}
			candidates = append(candidates, v)
		}
		for _, v := range candidates {
			ok, rule := passes(v)
			if ok {
				return v, nil
			}
			lastRule = rule
		}
	}
	why := "the rules together are too complex for the fake generator"
	if rules.Pattern != nil {
		lastRule, why = "pattern", "pattern too complex"
	}
	if lastRule == "" {
		lastRule = "validate"
	}
	return "", &FakeError{Var: name, Rule: lastRule, Why: why}
}

// stream is a deterministic byte stream: SHA-256 of the seed, the name, the attempt and a
// counter, block after block. It is not a source of secrecy, only of repeatable variety.
type stream struct {
	prefix  []byte // the stream's prefix, then room for the counter
	n       int    // the prefix's length
	counter uint64
	buf     []byte
}

func newStream(seed, name string, attempt int) *stream {
	prefix := []byte("secretrun-fake\x00" + seed + "\x00" + name + "\x00" + strconv.Itoa(attempt) + "\x00")
	return &stream{prefix: prefix, n: len(prefix)}
}

// Read fills p; it never fails.
func (s *stream) Read(p []byte) (int, error) {
	for i := range p {
		if len(s.buf) == 0 {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], s.counter)
			s.counter++
			s.prefix = append(s.prefix[:s.n], c[:]...)
			sum := sha256.Sum256(s.prefix)
			s.buf = sum[:]
		}
		p[i] = s.buf[0]
		s.buf = s.buf[1:]
	}
	return len(p), nil
}

// intn returns a number in [0, n).
func (s *stream) intn(n int) int {
	if n <= 1 {
		return 0
	}
	var b [8]byte
	s.Read(b[:])
	return int(binary.BigEndian.Uint64(b[:]) % uint64(n))
}

func (s *stream) bytes(n int) []byte {
	b := make([]byte, n)
	s.Read(b)
	return b
}

// alnum is the alphabet of padding: no 'x', so that no padding reads as a run of x.
const alnum = "abcdefghijklmnopqrstuvwyz0123456789"

func (s *stream) alnum(n int) string {
	n = max(n, 0)
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[s.intn(len(alnum))]
	}
	return string(b)
}

// fakeGen makes one candidate value.
type fakeGen struct {
	stream  *stream
	name    string
	rules   *Rules
	attempt int
	now     time.Time
	// classes caches the characters picked from each character class of the pattern.
	classes map[*syntax.Regexp][]rune
}

// target is the length a value should reach: min_length, else a default, within max_length.
func (g *fakeGen) target(def int) int {
	n := def
	if g.rules.MinLength > n {
		n = g.rules.MinLength
	}
	if g.rules.MaxLength > 0 && n > g.rules.MaxLength {
		n = g.rules.MaxLength
	}
	return n
}

// slug is the variable's name reduced to lower-case letters, digits and '-', for hosts and
// paths.
func (g *fakeGen) slug() string {
	var b strings.Builder
	for _, r := range strings.ToLower(g.name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 40 {
		s = strings.Trim(s[:40], "-")
	}
	if s == "" {
		s = "var"
	}
	return s
}

// pad returns s followed by stream letters and digits up to n characters (s when it is
// already as long), cut at max_length.
func (g *fakeGen) pad(s string, n int) string {
	if len(s) < n {
		s += g.stream.alnum(n - len(s))
	}
	if m := g.rules.MaxLength; m > 0 && len(s) > m {
		s = s[:m]
	}
	return s
}

// byFormat makes a value of the rules' format, false when the format has no generator here.
func (g *fakeGen) byFormat() (string, bool) {
	switch g.rules.format() {
	case "":
		return g.pad("fake-"+g.slug()+"-", g.target(24+g.attempt)), true
	case FormatURL, FormatDSN:
		return g.conn(), true
	case FormatJSON:
		return g.json(), true
	case FormatBase64:
		n := g.target(24) / 4 * 4
		if n == 0 {
			n = 4
		}
		return base64.StdEncoding.EncodeToString(g.stream.bytes(n / 4 * 3)), true
	case FormatHex:
		n := (g.target(32) + 1) / 2
		if m := g.rules.MaxLength; m > 0 && 2*n > m {
			n = m / 2
		}
		return hex.EncodeToString(g.stream.bytes(max(n, 1))), true
	case FormatUUID:
		b := g.stream.bytes(16)
		b[6] = b[6]&0x0f | 0x40 // version 4
		b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
		h := hex.EncodeToString(b)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
	case FormatJWT:
		return g.jwt(), true
	case FormatInt:
		digits := min(max(g.target(6), 1), 18)
		v := "1" + g.digits(digits-1)
		return v, true
	case FormatPort:
		return strconv.Itoa(20000 + g.stream.intn(40000)), true
	case FormatEmail:
		return "fake-" + g.labels(g.target(0)-len("fake-@example.invalid")) + "@example.invalid", true
	case FormatHostname:
		return "fake-" + g.labels(g.target(0)-len("fake-.invalid")) + ".invalid", true
	case FormatPEM:
		v, err := g.pem()
		return v, err == nil
	}
	return "", false
}

// labels returns the variable's slug padded to n characters, a dot in place of every 61st
// character: DNS labels of at most 60 characters (also valid in an email's local part).
func (g *fakeGen) labels(n int) string {
	s := g.slug()
	if len(s) < n {
		s += g.stream.alnum(n - len(s))
	}
	b := []byte(s)
	for i := 55; i < len(b)-1; i += 56 { // "fake-" + 55 characters: the first label is 60 long
		b[i] = '.'
	}
	return string(b)
}

func (g *fakeGen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.stream.intn(10))
	}
	return string(b)
}

// connForms are the connection strings conn makes, each a scheme and what follows the password.
var connForms = []struct{ prefix, suffix string }{
	{"postgres://fake:", "@fake.invalid:5432/fake?sslmode=verify-full"},
	{"mysql://fake:", "@fake.invalid:3306/fake?tls=true"},
	{"rediss://:", "@fake.invalid:6380/0"},
	{"mongodb+srv://fake:", "@fake.invalid/fake"},
	{"amqps://fake:", "@fake.invalid:5671/fake"},
	{"https://", ""},
}

// conn makes a URL or a connection string; with require_tls, one that uses TLS. The first
// attempt chooses from the variable's name: DATABASE_URL, PG_DSN and other names with db get
// PostgreSQL, MYSQL_* MySQL, REDIS_* rediss://, MONGO* mongodb+srv://, AMQP_*/RABBIT* amqps://;
// anything else https://. Later attempts go through every form, for rules (a pattern) that want
// another one.
func (g *fakeGen) conn() string {
	n := strings.ToLower(g.name)
	form := len(connForms) - 1
	switch {
	case g.attempt > 0:
		form = g.attempt % len(connForms)
	case strings.Contains(n, "mysql") || strings.Contains(n, "maria"):
		form = 1
	case strings.Contains(n, "redis"):
		form = 2
	case strings.Contains(n, "mongo"):
		form = 3
	case strings.Contains(n, "amqp") || strings.Contains(n, "rabbit"):
		form = 4
	case strings.Contains(n, "database") || strings.Contains(n, "postgres") || strings.Contains(n, "pg") ||
		strings.Contains(n, "dsn") || strings.Contains(n, "db"):
		form = 0
	}
	f := connForms[form]
	if f.prefix == "https://" {
		base := "https://fake.invalid/" + g.slug()
		if n := g.target(0); len(base) < n {
			base = g.pad(base+"/", n)
		}
		return base
	}
	// The password pads the value up to min_length.
	password := "fake-" + g.stream.alnum(max(12, g.target(0)-len(f.prefix)-len(f.suffix)-len("fake-")))
	return f.prefix + password + f.suffix
}

// json makes an object with every required key (nested objects for JSON Pointers), each
// leaf a fake string, and a "fake": true field.
func (g *fakeGen) json() string {
	doc := map[string]any{}
	for _, key := range g.rules.RequiredKeys {
		if !strings.HasPrefix(key, "/") {
			if _, ok := doc[key]; !ok {
				doc[key] = "fake-" + g.stream.alnum(8)
			}
			continue
		}
		m := doc
		toks := strings.Split(key[1:], "/")
		for i, tok := range toks {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			if i == len(toks)-1 {
				if _, ok := m[tok]; !ok {
					m[tok] = "fake-" + g.stream.alnum(8)
				}
				break
			}
			next, ok := m[tok].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[tok] = next
			}
			m = next
		}
	}
	if _, ok := doc["fake"]; !ok {
		doc["fake"] = true
	}
	b, _ := json.Marshal(doc) // maps of strings and bools always encode
	if n := g.target(0); len(b) < n {
		doc["fake_padding"] = g.stream.alnum(n - len(b) - len(`,"fake_padding":""`))
		b, _ = json.Marshal(doc)
	}
	return string(b)
}

// jwt makes an unsigned-looking compact JWS with a fake signature and an exp claim one year
// after the Faker's time, truncated to the day (stable within a day).
func (g *fakeGen) jwt() string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	exp := g.now.Add(365 * 24 * time.Hour).Truncate(24 * time.Hour).Unix()
	claims := map[string]any{"sub": "fake-" + g.slug(), "fake": true, "exp": exp}
	b, _ := json.Marshal(claims)
	v := header + "." + enc.EncodeToString(b) + "." + enc.EncodeToString(g.stream.bytes(32))
	if n := g.target(0); len(v) < n {
		claims["fake_padding"] = g.stream.alnum(n - len(v))
		b, _ = json.Marshal(claims)
		v = header + "." + enc.EncodeToString(b) + "." + enc.EncodeToString(g.stream.bytes(32))
	}
	return v
}
