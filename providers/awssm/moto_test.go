package awssm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// refErrors splits a Fetch error into its RefErrors, by ref string.
func refErrors(t *testing.T, err error) map[string]error {
	t.Helper()
	out := map[string]error{}
	if err == nil {
		return out
	}
	var walk func(error)
	walk = func(e error) {
		var re *providers.RefError
		if x, ok := e.(*providers.RefError); ok {
			out[x.Ref.String()] = x
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if errors.As(e, &re) {
			out[re.Ref.String()] = re
			return
		}
		t.Errorf("Fetch returned an error that is not a RefError: %v", e)
	}
	walk(err)
	return out
}

// noValues fails the test if any value, or the last 8 bytes of a long one, appears in err's text
// or hints.
func noValues(t *testing.T, err error, values ...string) {
	t.Helper()
	providertest.AssertNoValues(t, err, values...)
	var tails []string
	for _, v := range values {
		if len(v) > 12 {
			tails = append(tails, v[len(v)-8:])
		}
	}
	providertest.AssertNoValues(t, err, tails...)
}

func refErrorsList(err error) []error {
	var out []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		out = append(out, j.Unwrap()...)
	}
	return out
}

func TestFetchMoto(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	plainVal := providertest.Canary(t, "plain")
	jsonUser, jsonPass := providertest.Canary(t, "user"), providertest.Canary(t, "pass")
	binVal := []byte{0x00, 0xff, 0x10, 'b', 'i', 'n', 0x00}
	plain := putString(t, adm, base+"/plain", plainVal)
	js := putString(t, adm, base+"/json", fmt.Sprintf(`{"user":%q,"password":%q,"nested":{"port":5432}}`, jsonUser, jsonPass))
	bin := putBinary(t, adm, base+"/bin", binVal)

	// A second version: AWSCURRENT moves to it, the first becomes AWSPREVIOUS.
	v2Val := providertest.Canary(t, "v2")
	o, err := adm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(plain.Name), SecretString: aws.String(v2Val)})
	if err != nil {
		t.Fatal(err)
	}
	v2 := aws.ToString(o.VersionId)

	p := newProvider(t)
	cases := []struct {
		ref, want, version string
	}{
		{"awssm://" + plain.Name, v2Val, v2},
		{"awssm://" + plain.ARN, v2Val, v2},
		{"awssm://" + plain.Name + "?region=" + testRegion, v2Val, v2},
		{"awssm://" + plain.Name + "?version_stage=AWSPREVIOUS", plainVal, plain.VersionID},
		{"awssm://" + plain.Name + "?version_stage=AWSCURRENT", v2Val, v2},
		{"awssm://" + plain.Name + "?version_id=" + plain.VersionID, plainVal, plain.VersionID},
		{"awssm://" + plain.ARN + "?version_id=" + v2, v2Val, v2},
		{"awssm://" + js.Name + "#user", jsonUser, ""},
		{"awssm://" + js.Name + "#password", jsonPass, ""},
		{"awssm://" + js.ARN + "#/nested/port", "5432", ""},
		{"awssm://" + bin.Name, string(binVal), bin.VersionID},
	}
	refs := make([]providers.Ref, len(cases))
	for i, c := range cases {
		refs[i] = ref(t, c.ref)
	}
	got, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for i, c := range cases {
		if got[i].Reveal() != c.want {
			t.Errorf("%s = %q, want %q", c.ref, got[i].Reveal(), c.want)
		}
		if c.version != "" && got[i].Version != c.version {
			t.Errorf("%s: Version = %q, want %q", c.ref, got[i].Version, c.version)
		}
	}

	// Errors: missing secret, missing version, missing key (naming the key, never the document).
	bad := []providers.Ref{
		ref(t, "awssm://"+base+"/missing"),
		ref(t, "awssm://"+plain.Name+"?version_id=00000000-0000-0000-0000-000000000000"),
		ref(t, "awssm://"+plain.Name+"?version_stage=NOPE"),
		ref(t, "awssm://"+js.Name+"#nope"),
	}
	_, err = p.Fetch(fetchCtx(t, 10*time.Second), bad)
	errs := refErrors(t, err)
	for i, want := range []error{providers.ErrNotFound, providers.ErrNotFound, providers.ErrNotFound, providers.ErrKeyNotFound} {
		e := errs[bad[i].String()]
		if !errors.Is(e, want) {
			t.Errorf("%s: error %v, want %v", bad[i], e, want)
		}
	}
	noValues(t, err, plainVal, v2Val, jsonUser, jsonPass)
	if e := errs[bad[3].String()]; e != nil && !strings.Contains(e.Error(), `"nope"`) {
		t.Errorf("key error does not name the key: %v", e)
	}
}

func TestBatchCounts(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	const n = 45
	values := make([]string, n)
	var refs []providers.Ref
	for i := range n {
		values[i] = providertest.Canary(t, fmt.Sprint(i))
		name := fmt.Sprintf("%s/s%02d", base, i)
		putString(t, adm, name, fmt.Sprintf(`{"a":%q,"b":"b%d"}`, values[i], i))
		// Two keys and the identical ref twice: still one read per secret.
		refs = append(refs, ref(t, "awssm://"+name+"#a"), ref(t, "awssm://"+name+"#b"), ref(t, "awssm://"+name+"#a"))
	}
	cnt := newCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p := newProvider(t)
	got, err := p.Fetch(fetchCtx(t, 20*time.Second), refs)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for i := range n {
		if got[3*i].Reveal() != values[i] || got[3*i+1].Reveal() != fmt.Sprintf("b%d", i) || got[3*i+2].Reveal() != values[i] {
			t.Fatalf("secret %d: wrong values", i)
		}
	}
	if c := cnt.Actions(); c["BatchGetSecretValue"] != 3 || c["GetSecretValue"] != 0 || len(c) != 1 {
		t.Errorf("requests = %v, want exactly 3 BatchGetSecretValue (45 secrets / 20)", c)
	}
	sizes := fmt.Sprint(cnt.batchSizes())
	if total := strings.Count(sizes, "20") * 20; !strings.Contains(sizes, "5") || total != 40 {
		t.Errorf("batch sizes = %s, want 20, 20 and 5", sizes)
	}
}

func TestBatchMixedFoundMissing(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	a := putString(t, adm, base+"/a", providertest.Canary(t, "a"))
	b := putString(t, adm, base+"/b", providertest.Canary(t, "b"))
	cnt := newCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p := newProvider(t)
	refs := []providers.Ref{
		ref(t, "awssm://"+a.Name),
		ref(t, "awssm://"+base+"/missing1"),
		ref(t, "awssm://"+b.ARN),
		ref(t, "awssm://"+base+"/missing2"),
	}
	got, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
	errs := refErrors(t, err)
	if len(errs) != 2 || !errors.Is(errs[refs[1].String()], providers.ErrNotFound) || !errors.Is(errs[refs[3].String()], providers.ErrNotFound) {
		t.Fatalf("errors = %v, want ErrNotFound for the two missing secrets only", err)
	}
	if got[0].Len() == 0 || got[2].Len() == 0 || got[1].Len() != 0 {
		t.Errorf("values: found secrets empty or missing secret non-empty")
	}
	if c := cnt.Actions(); c["BatchGetSecretValue"] != 1 || c["GetSecretValue"] != 0 {
		t.Errorf("requests = %v, want one BatchGetSecretValue", c)
	}
	noValues(t, err, got[0].Reveal(), got[2].Reveal())
}

func TestBatchDeniedFallsBack(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	var refs []providers.Ref
	var want []string
	for i := range 5 {
		v := providertest.Canary(t, fmt.Sprint(i))
		c := putString(t, adm, fmt.Sprintf("%s/s%d", base, i), v)
		refs = append(refs, ref(t, "awssm://"+c.Name))
		want = append(want, v)
	}
	refs = append(refs, ref(t, "awssm://"+base+"/missing"))
	cnt := newCounter(t, endpoint)
	cnt.denyBatch = true
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p := newProvider(t)
	got, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
	errs := refErrors(t, err)
	if len(errs) != 1 || !errors.Is(errs[refs[5].String()], providers.ErrNotFound) {
		t.Fatalf("errors = %v, want only the missing secret", err)
	}
	for i, v := range want {
		if got[i].Reveal() != v {
			t.Errorf("secret %d: wrong value", i)
		}
	}
	if c := cnt.Actions(); c["BatchGetSecretValue"] != 1 || c["GetSecretValue"] != 6 {
		t.Errorf("requests = %v, want 1 denied BatchGetSecretValue then 6 GetSecretValue", c)
	}
	// The provider remembers: the next Fetch goes straight to GetSecretValue.
	cnt.Reset()
	if _, err := p.Fetch(fetchCtx(t, 10*time.Second), refs[:2]); err != nil {
		t.Fatal(err)
	}
	if c := cnt.Actions(); c["BatchGetSecretValue"] != 0 || c["GetSecretValue"] != 2 {
		t.Errorf("second Fetch requests = %v, want 2 GetSecretValue", c)
	}
}

func TestDeletedSecret(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	val := providertest.Canary(t, "deleted")
	soft := putString(t, adm, base+"/soft", val)
	hard := putString(t, adm, base+"/hard", val)
	if _, err := adm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(soft.Name), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(hard.Name), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	p := newProvider(t)
	for _, r := range []string{"awssm://" + soft.Name, "awssm://" + hard.Name, "awssm://" + soft.Name + "?version_stage=AWSCURRENT"} {
		_, err := p.Fetch(fetchCtx(t, 10*time.Second), []providers.Ref{ref(t, r)})
		if !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("%s: error %v, want ErrNotFound", r, err)
		}
		if !strings.Contains(err.Error(), r) {
			t.Errorf("%s: error does not name the ref: %v", r, err)
		}
		noValues(t, err, val)
		t.Logf("%s: %v (hint: %s)", r, err, providers.Hint(refErrorsList(err)[0]))
	}
}

func TestNoRegion(t *testing.T) {
	endpoint := moto(t)
	t.Setenv("AWS_REGION", "")
	p := newProvider(t)
	_, err := p.Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "awssm://x/y")})
	if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(providers.Hint(refErrorsList(err)[0]), "AWS_REGION") {
		t.Errorf("error %v, want ErrInvalidRef with a region hint", err)
	}
	// ?region= and ARNs carry their own region.
	c := putString(t, admin(endpoint), uniq(t), "v")
	if _, err := p.Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "awssm://"+c.Name+"?region="+testRegion), ref(t, "awssm://"+c.ARN)}); err != nil {
		t.Errorf("Fetch with ?region= and ARN: %v", err)
	}
}
