package cimask

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/redact"
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
	}, redact.Options{}, longEnough)
	want := []Value{
		{"A", "CANARY-piece-one"},
		{"KEY", strings.TrimSpace(key)},
		// The key without its armour lines: what the redactor masks in place of the whole key.
		{"KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\r\nshort-but-8"},
		{"KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"},
		{"DSN", "postgres://app:CANARY-dsn-pw@db:5432/app"},
		{"DSN", "CANARY-dsn-pw"},
		{"SA", sa},
		{"SA", "\"type\": \"service_account\","},
		{"SA", "\"nested\": {\"k\": [\"CANARY-leaf-in-list\", 3, true]},"},
		{"SA", "\"private_key\": \"CANARY-leaf-key\""},
		// The JSON leaves, by key (the 3 and true leaves are too weak).
		{"SA", "CANARY-leaf-in-list"},
		{"SA", "CANARY-leaf-key"},
		{"SA", "service_account"},
		// The redactor also reads a multi-line value line by line as YAML ("key: value") and
		// masks each value on its own: for pretty-printed JSON, the text after `"key": `.
		// Registering them keeps the runner's masking the same as secretrun's; each is a
		// secret leaf with JSON punctuation around it.
		{"SA", "\"service_account\","},
		{"SA", "{\"k\": [\"CANARY-leaf-in-list\", 3, true]},"},
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

// TestPiecesStructured checks that the parts secretrun's redactor masks on their own in a
// structured secret are registered too, so that a later step printing one of them alone (the
// runner matches only what it was given) shows it masked.
func TestPiecesStructured(t *testing.T) {
	kubeconfig := `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTi1DQU5BUlktY2EtZGF0YQ==
    server: https://k8s.example.com:6443
  name: prod
users:
- name: deployer
  user:
    token: eyJhbGciOiJSUzI1NiJ9.CANARY-kube-token
`
	awsCredentials := `[default]
aws_access_key_id = AKIACANARYKEYID00001
aws_secret_access_key = CANARYsecretACCESSkey/wJalrXUtnFEMI
region=eu-west-1
`
	saKey := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nCANARY-second-key-line-0123\n-----END PRIVATE KEY-----\n"
	sa := `{"type": "service_account", "private_key": ` + jsonString(saKey) + `}`
	tests := []struct {
		name, value string
		want        []string // among the pieces
		not         []string // not among them
	}{
		{"kubeconfig token (YAML)", kubeconfig,
			[]string{"eyJhbGciOiJSUzI1NiJ9.CANARY-kube-token", "LS0tLS1CRUdJTi1DQU5BUlktY2EtZGF0YQ=="},
			[]string{"apiVersion: v1", "v1", "prod"}},
		{"AWS credentials (INI)", awsCredentials,
			[]string{"CANARYsecretACCESSkey/wJalrXUtnFEMI", "AKIACANARYKEYID00001"},
			[]string{"[default]"}},
		{".netrc password", "machine api.example.com login deploy password CANARY-netrc-pw",
			[]string{"CANARY-netrc-pw"}, []string{"deploy"}},
		{"DSN with password=", "host=db.internal port=5432 user=app password=CANARY-dsn-kv dbname=app",
			[]string{"CANARY-dsn-kv"}, []string{"db.internal", "app"}},
		{"quoted DSN password", "Server=db;User Id=app;Password='CANARY-ado-pw';",
			[]string{"CANARY-ado-pw"}, nil},
		// The lines of a multi-line JSON leaf: the runner matches within one line, so a later
		// step writing the key to a file and printing it needs each line registered.
		{"private key in a JSON leaf", sa,
			[]string{"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "CANARY-second-key-line-0123"},
			[]string{"-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pieces := Pieces([]Value{{"S", tt.value}}, redact.Options{}, longEnough)
			got := map[string]bool{}
			for _, p := range pieces {
				got[p.Value] = true
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("%q is not among the pieces %q", w, pieces)
				}
			}
			for _, n := range tt.not {
				if got[n] {
					t.Errorf("%q is among the pieces, want it left out", n)
				}
			}
		})
	}
}

// TestPiecesPolicy checks that a part the redactor would mask under a lower minimum length is
// still left out when keep (the caller's minimum) rejects it, and that opt's minimum applies.
func TestPiecesPolicy(t *testing.T) {
	dsn := "host=db password=CANARY7 user=app"  // a 7-byte password
	yaml := "a: CANARY-yaml-value1\nb: short\n" // an 18-byte value on a 21-byte line
	got := Pieces([]Value{{"DSN", dsn}, {"Y", yaml}}, redact.Options{MinLength: 4}, longEnough)
	for _, p := range got {
		if len(p.Value) < 8 {
			t.Errorf("piece %q is shorter than keep's minimum", p.Value)
		}
	}
	if len(got) != 4 { // both values, the YAML line and its value
		t.Errorf("Pieces = %q, want 4 pieces", got)
	}
	got = Pieces([]Value{{"Y", yaml}}, redact.Options{MinLength: 20}, longEnough)
	if want := []Value{{"Y", strings.TrimSpace(yaml)}, {"Y", "a: CANARY-yaml-value1"}}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("with a minimum length of 20: Pieces = %q, want %q (the 18-byte value is not masked)", got, want)
	}
}

// jsonString is s as a JSON string literal.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
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
