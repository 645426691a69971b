package awssm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
	"github.com/secretrun/secretrun/providers/providertest"
)

func importAll(t *testing.T, p *Provider, src string, recursive bool) ([]providers.Imported, error) {
	t.Helper()
	return p.Import(fetchCtx(t, 30*time.Second), ref(t, src), providers.ImportOptions{Recursive: recursive})
}

// Every secret under a name prefix: ListSecrets pages, then BatchGetSecretValue 20 names a
// call. Names that only share the prefix without regard to case, or that sit deeper without
// recursive, or that are scheduled for deletion, are not imported.
func TestImportPrefix100(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	want := map[string]string{}
	for i := range 100 {
		k := fmt.Sprintf("s%03d", i)
		want[k] = providertest.Canary(t, k)
		putString(t, adm, base+"/app/"+k, want[k])
	}
	putString(t, adm, base+"/app/sub/deep", "CANARY-deep-value")
	putString(t, adm, base+"/appx", "CANARY-not-under-the-prefix")
	putString(t, adm, strings.ToUpper(base)+"/app/other-case", "CANARY-other-case")
	putString(t, adm, base+"/app/doomed", "CANARY-doomed")
	if _, err := adm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(base + "/app/doomed"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}

	cnt := newCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p := newProvider(t)
	items, err := importAll(t, p, "awssm://"+base+"/app/", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 100 {
		t.Fatalf("got %d items, want 100", len(items))
	}
	for _, it := range items {
		if it.Secret.Reveal() != want[it.Key] || it.Ref.String() != "awssm://"+base+"/app/"+it.Key || it.Secret.Version == "" {
			t.Errorf("item %q (%s): wrong value, ref or no version", it.Key, it.Ref)
		}
	}
	c := cnt.Actions()
	// A batch the SDK sent again (moto timing out under load) is the same request retried, not
	// a sixth batch: count the distinct ones, and say how many were retries.
	retries := c["BatchGetSecretValue"] - len(distinct(cnt.Bodies("BatchGetSecretValue")))
	c["BatchGetSecretValue"] -= retries
	sizes := fmt.Sprint(distinctSizes(cnt))
	// 101 names below the prefix (and the other-case one, where the filter ignores case, as
	// AWS's does) match the name filter: two pages of up to 100.
	if c["ListSecrets"] != 2 || c["BatchGetSecretValue"] != 5 || c["GetSecretValue"] != 0 || len(c) != 2 {
		t.Errorf("requests = %v, want exactly 2 ListSecrets pages and 5 BatchGetSecretValue", c)
	}
	if sizes != "[20 20 20 20 20]" {
		t.Errorf("batch sizes = %s, want five of 20", sizes)
	}
	if retries > 0 {
		t.Logf("%d batch call(s) retried by the SDK", retries)
	}
	t.Logf("AWS prefix with 100 secrets: %v, batch sizes %s", c, sizes)

	items, err = importAll(t, p, "awssm://"+base+"/app/", true)
	if err != nil || len(items) != 101 || items[100].Key != "sub/deep" {
		t.Fatalf("recursive: got %d items, %v; want 101 ending with sub/deep", len(items), err)
	}
}

// Every key of one JSON secret is one read; a secret that is not a JSON object has no keys,
// and the error does not show it.
func TestImportJSONKeys(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	putString(t, adm, base+"/json", `{"db_password":"CANARY-json-db","port":5432,"nested":{"a":"b"}}`)
	putString(t, adm, base+"/plain", "CANARY-plain-value")
	cnt := newCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p := newProvider(t)
	items, err := importAll(t, p, "awssm://"+base+"/json", false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range items {
		got[it.Key] = it.Secret.Reveal()
		again, err := p.Fetch(fetchCtx(t, 10*time.Second), []providers.Ref{it.Ref})
		if err != nil || again[0].Reveal() != it.Secret.Reveal() {
			t.Errorf("%s does not read what the import gave (%v)", it.Ref, err)
		}
	}
	if fmt.Sprint(got) != `map[db_password:CANARY-json-db nested:{"a":"b"} port:5432]` {
		t.Errorf("keys: got %d (%v)", len(got), len(items))
	}
	cnt.Reset()
	if _, err := importAll(t, p, "awssm://"+base+"/json", false); err != nil {
		t.Fatal(err)
	}
	if c := cnt.Actions(); c["BatchGetSecretValue"]+c["GetSecretValue"] != 1 || len(c) != 1 {
		t.Errorf("3 keys of one secret: requests = %v, want one read", c)
	}

	_, err = importAll(t, p, "awssm://"+base+"/plain", false)
	if !errors.Is(err, providers.ErrInvalidRef) || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("a plain secret: got %v, want ErrInvalidRef without the value", err)
	}
	_, err = importAll(t, p, "awssm://"+base+"/missing", false)
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("a missing secret: got %v, want ErrNotFound", err)
	}
	items, err = importAll(t, p, "awssm://"+base+"/nothing-here/", false)
	if err != nil || len(items) != 0 {
		t.Errorf("an empty prefix: got %d items, %v; want none and no error (the caller decides)", len(items), err)
	}
}

func TestCheckImportAWS(t *testing.T) {
	p := newProvider(t)
	agent, err := New(awsconf.Settings{Agent: "http://localhost:2773"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		p         *Provider
		src       string
		recursive bool
		want      string
	}{
		{p, "awssm://prod/app", false, ""},
		{p, "awssm://prod/app?version_stage=AWSPREVIOUS", false, ""},
		{p, "awssm://prod/app/", true, ""},
		{p, "awssm://prod/app/?region=eu-west-1", false, ""},
		{p, "awssm://prod/app#key", false, "an import takes no #key"},
		{p, "awssm://prod/app", true, "recursive applies to a name prefix"},
		{p, "awssm://prod/app/?version_stage=AWSCURRENT", false, "takes only ?region="},
		{p, "awssm://prod app/", false, "is not a secret name"},
		{agent, "awssm://prod/app/", false, "the Secrets Manager Agent cannot list secrets"},
		{agent, "awssm://prod/app", false, ""},
	} {
		err := tt.p.CheckImport(ref(t, tt.src), providers.ImportOptions{Recursive: tt.recursive})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.src, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, providers.ErrInvalidRef)):
			t.Errorf("%s: got %v, want ErrInvalidRef containing %q", tt.src, err, tt.want)
		}
	}
}

// distinct returns the request bodies without repeats, in first-seen order.
func distinct(bodies [][]byte) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for _, b := range bodies {
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	return out
}

// distinctSizes is batchSizes without the calls the SDK retried.
func distinctSizes(c *counter) []int {
	var sizes []int
	for _, b := range distinct(c.Bodies("BatchGetSecretValue")) {
		var in struct{ SecretIdList []string }
		_ = json.Unmarshal(b, &in)
		sizes = append(sizes, len(in.SecretIdList))
	}
	return sizes
}
