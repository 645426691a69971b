package awssm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

func TestValidate(t *testing.T) {
	p, err := New(awsconf.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	good := []string{
		"awssm://prod/db",
		"awssm://prod/db#password",
		"awssm://prod/db?version_stage=AWSPREVIOUS",
		"awssm://prod/db?version_id=EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE",
		"awssm://prod/db?region=eu-west-1#/a/b",
		"awssm://arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
		"awssm://arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf?region=eu-west-1",
		"awssm://arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x",
		"awssm://x?region=eusc-de-east-1",
		"awssm://x?region=ap-southeast-4",
	}
	for _, s := range good {
		if err := p.Validate(ref(t, s)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", s, err)
		}
	}
	bad := map[string]string{
		"awssm://prod/db?version=3":                         "unknown option version",
		"awssm://prod/db?version_stage=A&version_id=B":      "not both",
		"awssm://prod/db?region=Mars":                       "region",
		"awssm://prod/db?version_stage=":                    "version_stage",
		"awssm://prod db":                                   "not a secret name",
		"awssm://arn:aws:s3:::bucket":                       "not a Secrets Manager ARN",
		"awssm://prod/db?region=eu-west-1&region=us-east-1": "given 2 times",
		"awssm://arn:aws:secretsmanager:eu-west-1:123456789012:secret:x?region=us-east-1": "contradicts",
		"vault://prod/db": "scheme",
	}
	for s, want := range bad {
		err := p.Validate(ref(t, s))
		if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%s) = %v, want ErrInvalidRef mentioning %q", s, err, want)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, c := range []awsconf.Settings{
		{Region: "nowhere"},
		{RoleARN: "arn:aws:iam::123:role/x"},
		{ExternalID: "x"},
		{RoleSessionName: "x"},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) = nil error", c)
		}
	}
	if _, err := New(awsconf.Settings{Region: "eu-west-1", Profile: "p", RoleARN: "arn:aws:iam::123456789012:role/reader", ExternalID: "x", AllowHTTP: true}); err != nil {
		t.Errorf("New with every field: %v", err)
	}
}

func TestEntry(t *testing.T) {
	e := Entry(awsconf.Settings{})
	if e.Scheme != Scheme || !e.Remote || e.Summary == "" || e.Open == nil {
		t.Errorf("Entry = %+v", e)
	}
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if !slices.Contains(e.Credentials, v) {
			t.Errorf("Entry.Credentials lacks %s", v)
		}
	}
	for _, v := range []string{"AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION"} {
		if slices.Contains(e.Credentials, v) {
			t.Errorf("Entry.Credentials has %s, a pointer rather than a credential", v)
		}
	}
	p, err := e.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(providers.Validator); !ok {
		t.Error("the provider is not a Validator")
	}
}

// TestEntryOpenError: a configuration New refuses opens to a nil Provider, not a nil *Provider
// in a non-nil interface (which Registry.Opened would list as opened).
func TestEntryOpenError(t *testing.T) {
	p, err := Entry(awsconf.Settings{Region: "not a region"}).Open()
	if err == nil || p != nil {
		t.Fatalf("Open = %#v, %v; want nil and an error", p, err)
	}
}

// TestLazyConfig shows that neither New nor Open loads the SDK configuration: a broken shared
// config file only matters on the first Fetch, which reports it without a network call.
func TestLazyConfig(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte("[profile broken\nregion = \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	awsEnv(t, "http://127.0.0.1:1") // nothing listens there
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_PROFILE", "nosuchprofile")
	p, err := Entry(awsconf.Settings{}).Open()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := p.Fetch(context.Background(), nil); err != nil {
		t.Fatalf("Fetch(nil): %v", err)
	}
	if p.(*Provider).awsCfg.Credentials != nil {
		t.Fatal("the SDK configuration was loaded without a Fetch of awssm refs")
	}
	start := time.Now()
	_, err = p.Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "awssm://x")})
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("Fetch with a missing profile: %v, want ErrDenied", err)
	}
	re := refErrorsList(err)
	if len(re) != 1 || !strings.Contains(providers.Hint(re[0]), "AWS_PROFILE") || !strings.Contains(err.Error(), "nosuchprofile") {
		t.Errorf("error %v (hint %q) should name the profile and hint at AWS_PROFILE", err, providers.Hint(re[0]))
	}
	if time.Since(start) > time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

// TestPlainHTTPRefused: a plain-http endpoint that is not loopback is refused before any
// request, unless allow_http is set.
func TestPlainHTTPRefused(t *testing.T) {
	awsEnv(t, "http://192.0.2.1:4566") // TEST-NET-1: never routed
	p := newProvider(t)
	start := time.Now()
	_, err := p.Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "awssm://a"), ref(t, "awssm://b?version_stage=AWSCURRENT")})
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("error %v, want ErrDenied refusing plain http", err)
	}
	if h := providers.Hint(refErrorsList(err)[0]); !strings.Contains(h, "allow_http") {
		t.Errorf("hint %q does not mention allow_http", h)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("refusal took %v: it should not touch the network or retry", d)
	}
	// With allow_http the request is attempted (and here fails to connect before the deadline).
	p2, _ := New(awsconf.Settings{AllowHTTP: true}, WithRetry(1, 0))
	_, err = p2.Fetch(fetchCtx(t, 300*time.Millisecond), []providers.Ref{ref(t, "awssm://a")})
	if !errors.Is(err, providers.ErrUnavailable) {
		t.Errorf("allow_http: error %v, want ErrUnavailable (connection attempted)", err)
	}
}
