package redact

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// writeAllSplits checks needles against in for every way of cutting in into
// two and three writes, and for one-byte writes.
func writeAllSplits(t *testing.T, needles []string, in string) {
	t.Helper()
	b := []byte(in)
	checkStream(t, needles, nil, b, []int{len(b)})
	checkStream(t, needles, nil, b, ones(len(b)))
	for i := 1; i < len(b); i++ {
		checkStream(t, needles, nil, b, []int{i, len(b) - i})
		for j := i + 1; j < len(b); j++ {
			checkStream(t, needles, nil, b, []int{i, j - i, len(b) - j})
		}
	}
}

// maskAll runs in through a strict Writer in one write and closes it.
func maskAll(needles []string, in string) string {
	m := newMatcher(needles, nil, Options{})
	return m.MaskString(in)
}

func TestSemantics(t *testing.T) {
	tests := []struct {
		name    string
		needles []string
		in      string
		want    string
	}{
		{"self-overlap: aab in aaab", []string{"aab"}, "aaab", "a***"},
		{"self-overlap, twice", []string{"aab"}, "xaabaaby", "x***y"},
		{"overlapping secrets are one region", []string{"abcdef", "defghi"}, "1abcdefghi2", "1***2"},
		{"nested secret", []string{"abcdefgh", "cdef"}, "<abcdefgh>", "<***>"},
		{"nested alone", []string{"abcdefgh", "cdef"}, "<abcdxcdef>", "<abcdx***>"},
		{"shared prefixes", []string{"prefix-one", "prefix-two", "prefix"}, "prefix-two prefix-on prefix", "*** ***-on ***"},
		{"adjacent secrets are one region", []string{"AAAA", "BBBB"}, "xAAAABBBBy", "x***y"},
		{"back-to-back same secret", []string{"s3cr3t"}, "s3cr3ts3cr3t s3cr3t", "*** ***"},
		{"separated by one byte", []string{"s3cr3t"}, "s3cr3t s3cr3t", "*** ***"},
		{"pathological aaaa against a..ab", []string{"aaaaaaab"}, strings.Repeat("a", 50) + "b", strings.Repeat("a", 43) + "***"},
		{"no match leaves bytes alone", []string{"zzzzzz"}, "\x00\xff\xfe plain \x1b[31m", "\x00\xff\xfe plain \x1b[31m"},
		{"partial secret at end of stream, short", []string{"abcdefghijkl"}, "x abcdefg", "x abcdefg"},
		{"partial secret at end of stream, 8+ bytes", []string{"abcdefghijkl"}, "x abcdefgh", "x ***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskAll(tt.needles, tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if len(tt.in) <= 40 {
				writeAllSplits(t, tt.needles, tt.in)
			}
		})
	}
}

// TestNeverDelayed: output ending in "\n", ": ", "%" or "\r" is written at
// once with the needles Compile derives (none starts with those bytes).
func TestNeverDelayed(t *testing.T) {
	m, _ := Compile([]Secret{
		{Name: "A", Value: "CANARY-s3cr3t-alpha"},
		{Name: "B", Value: "!percent-first-secret"}, // URL forms start with %21
		{Name: "C", Value: "  padded-canary-value  "},
	}, Options{})
	for _, line := range []string{"progress 45%", "Password: ", "line\n", "\rbar", "50%\r", "CANARY-s3cr3t-alpha\n"} {
		var out bytes.Buffer
		w := m.NewWriter(&out, 0)
		w.Write([]byte(line))
		want := m.MaskString(line)
		if out.String() != want {
			t.Errorf("%q: wrote %q at once, want %q", line, out.String(), want)
		}
	}
}

func TestPolicy(t *testing.T) {
	secrets := []Secret{
		{Name: "SHORT", Value: "abc1234"},
		{Name: "EMPTY", Value: ""},
		{Name: "BLANK", Value: " \t\n"},
		{Name: "BOOL", Value: "TRUE"},
		{Name: "HOST", Value: "localhost"},
		{Name: "PLAIN_CONFIG", Value: "CANARY-not-secret-config", NoMask: true},
		{Name: "TOKEN", Value: "CANARY-s3cr3t-token"},
	}
	m, skipped := Compile(secrets, Options{})
	want := []Skipped{
		{"SHORT", "shorter than 8 bytes"},
		{"EMPTY", ReasonEmpty},
		{"BLANK", ReasonEmpty},
		{"BOOL", ReasonTrivial},
		{"HOST", ReasonTrivial},
		{"PLAIN_CONFIG", ReasonNoMask},
	}
	if len(skipped) != len(want) {
		t.Fatalf("skipped = %v, want %v", skipped, want)
	}
	for i := range want {
		if skipped[i] != want[i] {
			t.Errorf("skipped[%d] = %v, want %v", i, skipped[i], want[i])
		}
		for _, s := range secrets {
			if s.Value != "" && strings.TrimSpace(s.Value) != "" && strings.Contains(skipped[i].Reason, s.Value) {
				t.Errorf("reason %q contains a value", skipped[i].Reason)
			}
		}
	}
	in := "abc1234 TRUE localhost CANARY-not-secret-config true yes\n"
	if got := m.MaskString(in); got != in {
		t.Errorf("weak values changed the output: %q", got)
	}
	if got := m.MaskString("tok=CANARY-s3cr3t-token\n"); got != "tok=***\n" {
		t.Errorf("got %q", got)
	}
	// Min length: raised to the floor of 4.
	m, skipped = Compile([]Secret{{Name: "PIN", Value: "4821"}, {Name: "X", Value: "123"}}, Options{MinLength: 1})
	if got := m.MaskString("pin 4821, 123"); got != "pin ***, 123" {
		t.Errorf("MinLength 1: got %q", got)
	}
	if len(skipped) != 1 || skipped[0] != (Skipped{"X", "shorter than 4 bytes"}) {
		t.Errorf("skipped = %v", skipped)
	}
	// A value of the minimum length that starts with '%' or ':' is masked (but for that byte,
	// which no needle starts with, so that "45%" and "key: " are never held back).
	m, skipped = Compile([]Secret{{Name: "PCT", Value: "%Xy7#kQ2"}, {Name: "COLON", Value: ":Ab9$mZ1"}}, Options{})
	if got := m.MaskString("a=%Xy7#kQ2 b=:Ab9$mZ1\n"); got != "a=%*** b=:***\n" || len(skipped) != 0 {
		t.Errorf("values starting with %% or ':': got %q, skipped %v", got, skipped)
	}
	if m, _ := Compile(nil, Options{}); !m.Empty() || m.MaskString("x") != "x" {
		t.Error("no secrets: want an empty matcher")
	}
}

func TestNameTokens(t *testing.T) {
	m, _ := Compile([]Secret{
		{Name: "DATABASE_URL", Value: "postgres://app:CANARY-pw-1234@db/app"},
		{Name: "API_KEY", Value: "CANARY-api-key-5678"},
	}, Options{NameTokens: true})
	tests := []struct{ in, want string }{
		{"key=CANARY-api-key-5678\n", "key=[API_KEY]\n"},
		{"url=postgres://app:CANARY-pw-1234@db/app\n", "url=[DATABASE_URL]\n"},
		{"pw=CANARY-pw-1234\n", "pw=[DATABASE_URL]\n"},
		// One region, two secrets: the name of the one that starts first.
		{"CANARY-api-key-5678CANARY-pw-1234\n", "[API_KEY]\n"},
		{"CANARY-pw-1234CANARY-api-key-5678\n", "[DATABASE_URL]\n"},
	}
	for _, tt := range tests {
		if got := m.MaskString(tt.in); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLargeWrite: one Write larger than the internal chunk size, with
// occurrences across the chunk boundaries, and a pathological run.
func TestLargeWrite(t *testing.T) {
	needles := []string{"abcab", "bcabc", "cccccccc"}
	r := strings.NewReplacer("x", "abcab", "y", "ccc")
	unit := r.Replace("q xyxyyyx q y qqq ")
	in := []byte(strings.Repeat(unit, 3*maxChunk/len(unit)+7))
	checkStream(t, needles, nil, in, []int{len(in)})
	checkStream(t, needles, nil, in, []int{maxChunk - 3, 7, len(in) - maxChunk - 4})
	m := newMatcher([]string{"aa"}, nil, Options{})
	if got := m.MaskString(strings.Repeat("a", 5*maxChunk) + "b"); got != "***b" {
		t.Errorf("pathological run: got %.40q", got)
	}
}

// TestFormatHidesValues: printing a Secret, a Matcher or a Writer holding
// the start of a secret never shows secret bytes, through fmt, encoding/json,
// encoding/xml or log/slog.
func TestFormatHidesValues(t *testing.T) {
	const value = "hunter2-correct-horse"
	s := Secret{Name: "PW", Value: value}
	m, _ := Compile([]Secret{s}, Options{})
	w := m.NewWriter(io.Discard, 0)
	_, _ = w.Write([]byte("x " + value[:12]))
	shows := func(got string) bool {
		return strings.Contains(got, value[:8]) || strings.Contains(got, fmt.Sprintf("%x", value[:8]))
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		got := fmt.Sprintf(verb+" "+verb+" "+verb+" "+verb, s, []Secret{s}, m, w)
		if shows(got) {
			t.Errorf("%s shows the value: %s", verb, got)
		}
	}
	for _, v := range []any{s, &s, []Secret{s}, struct{ S Secret }{s}, m, w} {
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "v", v)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "v", v)
		j, err := json.Marshal(v)
		if err != nil {
			t.Errorf("json.Marshal(%T): %v", v, err)
		}
		x, _ := xml.Marshal(v)
		if shows(string(j)) || shows(string(x)) || shows(logs.String()) {
			t.Errorf("%T shows the value: json %s, xml %s, slog %s", v, j, x, logs.String())
		}
	}
	if j, _ := json.Marshal(s); string(j) != `{"Name":"PW","Value":"***","NoMask":false}` {
		t.Errorf("json.Marshal(Secret) = %s", j)
	}
}
