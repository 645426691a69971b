package awsconf

import (
	"strings"
	"testing"

	"github.com/secretrun/secretrun/config"
)

func TestAWSSection(t *testing.T) {
	schema := config.Schema{Sections: map[string]func(config.Section) error{"aws": func(s config.Section) error {
		var a Settings
		return s.Decode(&a)
	}}}
	good := "version: 1\nproviders:\n  aws:\n    region: eu-west-1\n    profile: ci\n    role_arn: arn:aws:iam::123456789012:role/reader\n    external_id: x\n    role_session_name: job\n    allow_http: true\n"
	cfg, err := schema.Parse("secretrun.yaml", []byte(good))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var a Settings
	if err := cfg.Providers.Section("aws").Decode(&a); err != nil {
		t.Fatal(err)
	}
	if a.Region != "eu-west-1" || a.Profile != "ci" || a.RoleARN == "" || a.ExternalID != "x" || a.RoleSessionName != "job" || !a.AllowHTTP {
		t.Errorf("AWS = %+v", a)
	}
	if _, err := schema.Parse("secretrun.yaml", []byte("version: 1\nproviders:\n  aws: {agent: \"http://localhost:2773\"}\n")); err != nil {
		t.Errorf("agent: %v", err)
	}
	for _, c := range []struct{ yaml, want string }{
		{"region: Mars", `secretrun.yaml:4: providers.aws: region: "Mars" is not an AWS region name`},
		{"role_arn: arn:aws:iam::1:user/x", `role_arn: "arn:aws:iam::1:user/x" is not an IAM role ARN`},
		{"external_id: x", "external_id needs role_arn"},
		{"role_session_name: x", "role_session_name needs role_arn"},
		{"agent: localhost:2773", `agent: "localhost:2773" is not an http(s)://HOST:PORT address`},
		{"{agent: \"http://localhost:2773\", profile: p}", "agent reads with the agent's own credentials"},
		{"rol_arn: x", `unknown field "rol_arn" (did you mean "role_arn"?)`},
	} {
		doc := "version: 1\nproviders:\n  aws:\n    " + c.yaml + "\n"
		if strings.HasPrefix(c.yaml, "{") {
			doc = "version: 1\nproviders:\n  aws: " + c.yaml + "\n"
		}
		_, err := schema.Parse("secretrun.yaml", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.yaml, err, c.want)
		}
	}
}

// Address settings with user information are refused without quoting the credential.
func TestAgentWithUserinfo(t *testing.T) {
	for name, err := range map[string]error{
		"aws agent":   (&Settings{Agent: "http://me:CANARY-pw@localhost:2773"}).Validate(),
		"aws agent ?": (&Settings{Agent: "http://me:CANARY?pw@localhost:2773"}).Validate(),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "CANARY") || !strings.Contains(err.Error(), "user information") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
