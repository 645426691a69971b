package cimask

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func longEnough(s string) bool { return len(s) >= 8 && s != "localhost" }

func TestDetect(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want System
	}{
		{map[string]string{"GITHUB_ACTIONS": "true"}, GitHub},
		{map[string]string{"TF_BUILD": "True"}, Azure},
		{map[string]string{"BUILDKITE": "true"}, Buildkite},
		{map[string]string{"GITLAB_CI": "true"}, ""},
		{map[string]string{"GITHUB_ACTIONS": "false"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := Detect(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("Detect(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestPieces(t *testing.T) {
	key := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\r\nshort-but-8\n-----END PRIVATE KEY-----\n"
	sa := "{\n  \"type\": \"service_account\",\n  \"nested\": {\"k\": [\"CANARY-leaf-in-list\", 3, true]},\n  \"private_key\": \"CANARY-leaf-key\"\n}"
	got := Pieces([]Value{
		{"A", "  CANARY-piece-one  "},
		{"B", "true"},
		{"C", "CANARY-piece-one"}, // duplicate of A
		{"KEY", key},
		{"HOST", "localhost"},
		{"DSN", "postgres://app:CANARY-dsn-pw@db:5432/app"},
		{"SA", sa},
	}, longEnough)
	want := []Value{
		{"A", "CANARY-piece-one"},
		{"KEY", strings.TrimSpace(key)},
		{"KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"},
		{"DSN", "postgres://app:CANARY-dsn-pw@db:5432/app"},
		{"DSN", "CANARY-dsn-pw"},
		{"SA", sa},
		{"SA", "\"type\": \"service_account\","},
		{"SA", "\"nested\": {\"k\": [\"CANARY-leaf-in-list\", 3, true]},"},
		{"SA", "\"private_key\": \"CANARY-leaf-key\""},
		{"SA", "service_account"},
		{"SA", "CANARY-leaf-in-list"},
		{"SA", "CANARY-leaf-key"},
	}
	if len(got) != len(want) {
		t.Fatalf("Pieces = %d pieces, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("piece %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestGitHubCommand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CANARY-plain-value", "::add-mask::CANARY-plain-value\n"},
		{"100%real%0Avalue", "::add-mask::100%25real%250Avalue\n"},
		{"a\r\nb", "::add-mask::a%0D%0Ab\n"},
		{"::colons:: and spaces", "::add-mask::::colons:: and spaces\n"},
	}
	for _, tt := range tests {
		if got := GitHubCommand(tt.in); got != tt.want {
			t.Errorf("GitHubCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// unescapeGitHub is the runner's ActionCommand data unescaping (%0D, %0A, %25), to check the
// round trip.
func unescapeGitHub(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

func TestGitHubRoundTrip(t *testing.T) {
	for _, v := range []string{"%25%0A%0D", "a%b\nc\rd", "%%%%", "plain"} {
		if got := unescapeGitHub(EscapeGitHubData(v)); got != v {
			t.Errorf("round trip of %q gave %q", v, got)
		}
	}
}

func TestAzureCommand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CANARY-plain-value", "##vso[task.setsecret]CANARY-plain-value\n"},
		{"a;b]c%d", "##vso[task.setsecret]a%3Bb%5Dc%AZP25d\n"},
		{"x%3By", "##vso[task.setsecret]x%AZP253By\n"},
		{"l1\r\nl2", "##vso[task.setsecret]l1%0D%0Al2\n"},
	}
	for _, tt := range tests {
		if got := AzureCommand(tt.in); got != tt.want {
			t.Errorf("AzureCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegisterGitHub(t *testing.T) {
	var b strings.Builder
	r := Registrar{System: GitHub, Out: &b}
	if err := r.Register(context.Background(), []Value{{"A", "CANARY-one-value"}, {"B", "CANARY-two%value"}}); err != nil {
		t.Fatal(err)
	}
	if want := "::add-mask::CANARY-one-value\n::add-mask::CANARY-two%25value\n"; b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
}

func TestRegisterBuildkite(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "stdin.json")
	agent := filepath.Join(dir, "buildkite-agent")
	script := "#!/bin/sh\necho \"$@\" > " + out + ".args\ncat > " + out + "\n"
	if err := os.WriteFile(agent, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := Registrar{System: Buildkite, LookPath: func(string) (string, error) { return agent, nil }}
	if err := r.Register(context.Background(), []Value{{"A", "CANARY-bk-value"}}); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(out + ".args")
	if got := strings.TrimSpace(string(args)); got != "redactor add --format json" {
		t.Errorf("agent args = %q", got)
	}
	data, _ := os.ReadFile(out)
	if got := string(data); got != `{"A_0":"CANARY-bk-value","A_1":"Q0FOQVJZLWJrLXZhbHVl"}` {
		t.Errorf("agent stdin = %q", got)
	}

	missing := Registrar{System: Buildkite, LookPath: func(string) (string, error) { return "", os.ErrNotExist }}
	err := missing.Register(context.Background(), []Value{{"A", "CANARY-bk-value"}})
	if err == nil || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("without the agent: err = %v, want a message without the value", err)
	}

	failing := filepath.Join(dir, "failing-agent")
	os.WriteFile(failing, []byte("#!/bin/sh\ncat; echo \"bad input $(cat)\" >&2; exit 3\n"), 0o755)
	r.LookPath = func(string) (string, error) { return failing, nil }
	err = r.Register(context.Background(), []Value{{"A", "CANARY-bk-value"}})
	if err == nil || strings.Contains(err.Error(), "CANARY") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("failing agent: err = %v", err)
	}
}

func TestEncodedForms(t *testing.T) {
	got := EncodedForms(`CANARY "q"/+ x`)
	want := []string{"Q0FOQVJZICJxIi8rIHg", "Q0FOQVJZICJxIi8rIHg", `CANARY \"q\"/+ x`, "CANARY+%22q%22%2F%2B+x"}
	want = append(want[:1], want[2:]...) // the URL-safe alphabet gives the same text here
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("EncodedForms = %q, want %q", got, want)
	}
	if got := EncodedForms("CANARY-plain"); len(got) != 1 {
		t.Errorf("a value with nothing to escape has one encoded form (base64), got %q", got)
	}
}
