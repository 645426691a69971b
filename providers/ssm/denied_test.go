package ssm

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TestDenied runs against a moto that checks credentials and IAM policies: an unknown access
// key, a user without any permission, and a user allowed ssm:GetParameter but not the
// ssm:GetParameters that secretrun calls; a user allowed ssm:GetParameters reads. Each refusal
// is ErrDenied with a hint naming the credential source and the permission, and no value. (moto
// checks policies against resource "*" only: per-parameter refusals are TestDeniedSplits'.)
func TestDenied(t *testing.T) {
	// Setup actions moto performs without auth: CreateUser x3, CreateAccessKey x3,
	// PutUserPolicy x2, PutParameter x2.
	const setupActions = 10
	endpoint := awstest.AuthMoto(t, setupActions)
	awstest.Env(t, endpoint)
	keys := map[string][2]string{}
	for _, user := range []string{"reader", "single", "nobody"} {
		awstest.IAMCall(t, endpoint, url.Values{"Action": {"CreateUser"}, "UserName": {user}})
		body := awstest.IAMCall(t, endpoint, url.Values{"Action": {"CreateAccessKey"}, "UserName": {user}})
		var k struct {
			ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
			Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
		}
		if err := xml.Unmarshal(body, &k); err != nil || k.ID == "" {
			t.Fatalf("CreateAccessKey: %v %s", err, body)
		}
		keys[user] = [2]string{k.ID, k.Secret}
	}
	for user, action := range map[string]string{"reader": "ssm:GetParameters", "single": "ssm:GetParameter"} {
		policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
		awstest.IAMCall(t, endpoint, url.Values{"Action": {"PutUserPolicy"}, "UserName": {user}, "PolicyName": {"read"}, "PolicyDocument": {policy}})
	}
	adm := admin(endpoint)
	v1, v2 := providertest.Canary(t, "allowed"), providertest.Canary(t, "other")
	put(t, adm, "/allowed/one", v1, types.ParameterTypeSecureString)
	put(t, adm, "/other/two", v2, types.ParameterTypeSecureString)
	refs := []providers.Ref{ref(t, "ssm:///allowed/one"), ref(t, "ssm:///other/two")}
	use := func(id, secret string) {
		t.Setenv("AWS_ACCESS_KEY_ID", id)
		t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	}
	denied := func(t *testing.T, err error, r providers.Ref, hint string) {
		t.Helper()
		e := refErrors(err)[r.String()]
		if !errors.Is(e, providers.ErrDenied) {
			t.Fatalf("%s: error %v, want ErrDenied", r, e)
		}
		if h := providers.Hint(e); !strings.Contains(h, hint) {
			t.Errorf("%s: hint %q does not mention %q", r, h, hint)
		}
		t.Logf("%v\nhint: %s", e, providers.Hint(e))
	}

	t.Run("unknown_key", func(t *testing.T) {
		use("AKIAUNKNOWNUNKNOWN00", "wrong")
		_, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
		for _, r := range refs {
			denied(t, err, r, "credentials from the environment (AWS_ACCESS_KEY_ID")
		}
		providertest.AssertNoValues(t, err, v1, v2)
	})
	t.Run("no_permission", func(t *testing.T) {
		use(keys["nobody"][0], keys["nobody"][1])
		_, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
		denied(t, err, refs[0], "ssm:GetParameters on arn:aws:ssm:us-east-1:ACCOUNT:parameter/allowed/one")
		denied(t, err, refs[1], "ssm:GetParameters on arn:aws:ssm:us-east-1:ACCOUNT:parameter/other/two")
		providertest.AssertNoValues(t, err, v1, v2)
	})
	t.Run("get_parameter_only", func(t *testing.T) {
		use(keys["single"][0], keys["single"][1])
		_, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
		denied(t, err, refs[1], "that identity needs ssm:GetParameters on arn:aws:ssm:us-east-1:ACCOUNT:parameter/other/two")
		providertest.AssertNoValues(t, err, v1, v2)
	})
	t.Run("allowed", func(t *testing.T) {
		use(keys["reader"][0], keys["reader"][1])
		got, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
		if err != nil || got[0].Reveal() != v1 || got[1].Reveal() != v2 {
			t.Errorf("a user allowed ssm:GetParameters: %v", err)
		}
	})
}

// TestDeniedSplits: when a batch is refused because of one of its parameters (IAM policies are
// per parameter), each name is read on its own, so that the refusal lands on that parameter's
// ref alone and the others are read.
func TestDeniedSplits(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	v1, v2 := providertest.Canary(t, "ok"), providertest.Canary(t, "denied")
	put(t, adm, base+"/ok", v1, types.ParameterTypeSecureString)
	put(t, adm, base+"/denied", v2, types.ParameterTypeSecureString)
	cnt := awstest.NewCounter(t, endpoint)
	cnt.Intercept = func(w http.ResponseWriter, action string, body []byte) bool {
		if action != "GetParameters" || !strings.Contains(string(body), base+"/denied") {
			return false
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/test is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:123456789012:parameter`+base+`/denied"}`)
		return true
	}
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	refs := []providers.Ref{ref(t, "ssm://"+base+"/ok"), ref(t, "ssm://"+base+"/denied")}
	got, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
	if got[0].Reveal() != v1 {
		t.Errorf("the allowed parameter was not read: %v", err)
	}
	errs := refErrors(err)
	if len(errs) != 1 || !errors.Is(errs[refs[1].String()], providers.ErrDenied) {
		t.Errorf("errors %v, want ErrDenied for %s alone", err, refs[1])
	}
	providertest.AssertNoValues(t, err, v1, v2)
	if n := cnt.Count("GetParameters"); n != 3 {
		t.Errorf("GetParameters calls = %d, want 3 (the batch, then each name)", n)
	}
}
