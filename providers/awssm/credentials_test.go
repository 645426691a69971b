package awssm

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TestNoCredentials: with nothing in the chain, every ref fails with ErrDenied, a hint listing
// the chain, and no request to Secrets Manager.
func TestNoCredentials(t *testing.T) {
	endpoint := moto(t)
	cnt := newCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	p := newProvider(t)
	start := time.Now()
	_, err := p.Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "awssm://a"), ref(t, "awssm://b?version_stage=AWSPREVIOUS")})
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("error %v, want ErrDenied", err)
	}
	list := refErrorsList(err)
	if len(list) != 2 {
		t.Fatalf("want one error per ref, got %v", err)
	}
	hint := providers.Hint(list[0])
	for _, want := range []string{"AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "~/.aws/config", "AWS_CONTAINER_CREDENTIALS", "instance metadata"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint %q does not mention %s", hint, want)
		}
	}
	if c := cnt.Actions(); len(c) != 0 {
		t.Errorf("requests = %v, want none", c)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	t.Logf("%v\nhint: %s", err, hint)
}

// TestCredentialErrors runs against a moto that checks credentials and IAM policies:
// an unknown access key, a user without permission, and a user allowed GetSecretValue but not
// BatchGetSecretValue (the provider falls back to single reads).
func TestCredentialErrors(t *testing.T) {
	// Setup actions moto performs without auth: CreateUser x2, CreateAccessKey x2,
	// PutUserPolicy x1, CreateSecret x2.
	const setupActions = 7
	endpoint := authMoto(t, setupActions)
	awsEnv(t, endpoint)
	keys := map[string][2]string{}
	for _, user := range []string{"reader", "nobody"} {
		iamCall(t, endpoint, url.Values{"Action": {"CreateUser"}, "UserName": {user}})
		body := iamCall(t, endpoint, url.Values{"Action": {"CreateAccessKey"}, "UserName": {user}})
		var k struct {
			ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
			Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
		}
		if err := xml.Unmarshal(body, &k); err != nil || k.ID == "" {
			t.Fatalf("CreateAccessKey: %v %s", err, body)
		}
		keys[user] = [2]string{k.ID, k.Secret}
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	iamCall(t, endpoint, url.Values{"Action": {"PutUserPolicy"}, "UserName": {"reader"}, "PolicyName": {"read"}, "PolicyDocument": {policy}})
	adm := admin(endpoint)
	v1, v2 := providertest.Canary(t, "one"), providertest.Canary(t, "two")
	s1 := putString(t, adm, "auth/one", v1)
	s2 := putString(t, adm, "auth/two", fmt.Sprintf(`{"k":%q}`, v2))
	refs := []providers.Ref{ref(t, "awssm://"+s1.Name), ref(t, "awssm://"+s2.ARN+"#k")}

	use := func(id, secret string) {
		t.Setenv("AWS_ACCESS_KEY_ID", id)
		t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	}

	t.Run("unknown_key", func(t *testing.T) {
		use("AKIAUNKNOWNUNKNOWN00", "wrong")
		_, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
		checkDenied(t, err, "credentials from the environment (AWS_ACCESS_KEY_ID", v1, v2)
	})
	t.Run("wrong_secret_key", func(t *testing.T) {
		use(keys["reader"][0], "not-the-secret-key")
		_, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
		checkDenied(t, err, "credentials from the environment", v1, v2)
	})
	t.Run("no_permission", func(t *testing.T) {
		use(keys["nobody"][0], keys["nobody"][1])
		_, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
		checkDenied(t, err, "secretsmanager:GetSecretValue on", v1, v2)
	})
	t.Run("get_but_not_batch", func(t *testing.T) {
		use(keys["reader"][0], keys["reader"][1])
		cnt := newCounter(t, endpoint)
		t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
		got, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
		if err != nil {
			t.Fatalf("Fetch with GetSecretValue only: %v", err)
		}
		if got[0].Reveal() != v1 || got[1].Reveal() != v2 {
			t.Error("wrong values")
		}
		if c := cnt.Actions(); c["BatchGetSecretValue"] != 1 || c["GetSecretValue"] != 2 {
			t.Errorf("requests = %v, want 1 denied batch then 2 single reads", c)
		}
	})
}

func checkDenied(t *testing.T, err error, hintWant string, values ...string) {
	t.Helper()
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("error %v, want ErrDenied", err)
	}
	list := refErrorsList(err)
	if len(list) != 2 {
		t.Fatalf("want one error per ref: %v", err)
	}
	hint := providers.Hint(list[0])
	if !strings.Contains(hint, hintWant) {
		t.Errorf("hint %q does not contain %q", hint, hintWant)
	}
	noValues(t, err, values...)
	t.Logf("%v\nhint: %s", err, hint)
}

// TestAssumeRole: with role_arn, secretrun assumes the role once (sts:AssumeRole against moto's
// STS) and signs every Secrets Manager call with the role's temporary credentials.
func TestAssumeRole(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	v := providertest.Canary(t, "role")
	a := putString(t, adm, base+"/a", v)
	b := putString(t, adm, base+"/b", v)
	cnt := newCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p, err := New(awsconf.Settings{RoleARN: "arn:aws:iam::123456789012:role/secretrun-reader", ExternalID: "ext-1"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err := p.Fetch(fetchCtx(t, 10*time.Second), []providers.Ref{
			ref(t, "awssm://"+a.Name), ref(t, "awssm://"+b.Name+"?version_stage=AWSCURRENT"),
		})
		if err != nil || got[0].Reveal() != v || got[1].Reveal() != v {
			t.Fatalf("Fetch: %v", err)
		}
	}
	c := cnt.Actions()
	if c["AssumeRole"] != 1 {
		t.Errorf("AssumeRole calls = %d, want 1 for the whole run (requests %v)", c["AssumeRole"], c)
	}
	keys := cnt.Keys()
	if keys["AKIDTESTTESTTEST"] != 1 {
		t.Errorf("the base key signed %d requests, want only the AssumeRole call (keys %v)", keys["AKIDTESTTESTTEST"], keys)
	}
	if len(keys) != 2 {
		t.Errorf("keys = %v, want the base key and one assumed-role key", keys)
	}
}

// TestCredentialSourceDescribed: hints name where the chain got credentials, by source.
func TestCredentialSourceDescribed(t *testing.T) {
	awsEnv(t, "http://127.0.0.1:1")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte("[ci]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, c := range []struct {
		cfg  awsconf.Settings
		env  bool
		want string
	}{
		{awsconf.Settings{}, true, "credentials from the environment (AWS_ACCESS_KEY_ID"},
		{awsconf.Settings{RoleARN: "arn:aws:iam::123456789012:role/r"}, true, "credentials from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then role arn:aws:iam::123456789012:role/r assumed"},
		{awsconf.Settings{Profile: "ci"}, false, `static credentials of profile "ci"`},
	} {
		if !c.env {
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		}
		p, err := New(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := p.load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := p.credentialSource(cfg); !strings.Contains(got, c.want) {
			t.Errorf("%+v: source %q, want it to contain %q", c.cfg, got, c.want)
		}
	}
}

// fetchWithProcess fetches one ref with credentials from a profile whose credential_process is
// a shell script with body script, and returns the error, which must wrap ErrDenied.
func fetchWithProcess(t *testing.T, script string) error {
	t.Helper()
	awsEnv(t, "http://127.0.0.1:1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	dir := t.TempDir()
	path := filepath.Join(dir, "creds.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte("[profile proc]\ncredential_process = "+path+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	p, err := New(awsconf.Settings{Profile: "proc"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Fetch(fetchCtx(t, 10*time.Second), []providers.Ref{ref(t, "awssm://a")})
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("error %v, want ErrDenied", err)
	}
	return err
}

// TestCredentialProcessOutputNotShown: a credential_process whose output does not decode makes
// the SDK quote the whole output, secret key included; secretrun's error must not, whatever the
// decoder's error (a bad date, a date that is not a string, a field of the wrong type).
func TestCredentialProcessOutputNotShown(t *testing.T) {
	for name, expiration := range map[string]string{
		"bad date":      `"not-a-date"`,
		"number date":   `12345`,
		"object date":   `{}`,
		"string number": `"1", "Version": "1"`,
	} {
		t.Run(name, func(t *testing.T) {
			secretKey := providertest.Canary(t, "process-secret-key")
			out := fmt.Sprintf(`{"Version":1,"AccessKeyId":"AKIDPROCESS","SecretAccessKey":%q,"Expiration":%s}`, secretKey, expiration)
			err := fetchWithProcess(t, "echo '"+out+"'")
			if !strings.Contains(err.Error(), "credential_process") {
				t.Errorf("error %q does not name the credential_process", err)
			}
			noValues(t, err, secretKey)
			t.Logf("%v\nhint: %s", err, providers.Hint(err))
		})
	}
}

// TestCredentialProcessFailureShown: a credential_process that fails to run is reported as such
// (its exit status), not as output that did not decode.
func TestCredentialProcessFailureShown(t *testing.T) {
	err := fetchWithProcess(t, "exit 3")
	if !strings.Contains(err.Error(), "exit status 3") || strings.Contains(err.Error(), "not valid credentials JSON") {
		t.Errorf("error %q does not report the process's exit status", err)
	}
}
