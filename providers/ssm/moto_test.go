package ssm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TestHundredParameters: a profile of 100 parameters costs exactly 10 GetParameters calls of 10
// names each, and nothing else (no GetParameter, no STS), however the refs are ordered or
// repeated.
func TestHundredParameters(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	var refs []providers.Ref
	values := map[string]string{}
	for i := range 100 {
		name := fmt.Sprintf("%s/svc%d/p%03d", base, i%7, i)
		v := providertest.Canary(t, fmt.Sprint(i))
		put(t, adm, name, v, types.ParameterTypeSecureString)
		values["ssm://"+name] = v
		refs = append(refs, ref(t, "ssm://"+name))
	}
	refs = append(refs, refs[3], refs[42]) // repeated refs cost nothing more
	cnt := awstest.NewCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)

	got, err := newProvider(t).Fetch(fetchCtx(t, 20*time.Second), refs)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for i, r := range refs {
		if got[i].Reveal() != values[r.String()] {
			t.Errorf("%s: wrong value", r)
		}
	}
	if n, total := cnt.Count("GetParameters"), cnt.Total(); n != 10 || total != 10 {
		t.Errorf("requests: %d GetParameters of %d in all, want exactly 10 and 10", n, total)
	}
	seen := map[string]int{}
	for _, b := range cnt.Bodies("GetParameters") {
		var in struct {
			Names          []string
			WithDecryption bool
		}
		if err := json.Unmarshal(b, &in); err != nil {
			t.Fatal(err)
		}
		if len(in.Names) != 10 || !in.WithDecryption {
			t.Errorf("a call asked for %d names, WithDecryption %v; want 10, true", len(in.Names), in.WithDecryption)
		}
		for _, n := range in.Names {
			seen[n]++
		}
	}
	if len(seen) != 100 {
		t.Errorf("the calls named %d distinct parameters, want 100", len(seen))
	}
	t.Logf("100 parameters (102 refs): %d GetParameters requests", cnt.Count("GetParameters"))
}

// TestVersionsAndLabels: ?version= and ?label= read that version (Secret.Version is its number,
// Created its LastModifiedDate), in the same batch as the latest; a missing version or label
// is ErrNotFound for that ref alone.
func TestVersionsAndLabels(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	name := base + "/db/password"
	v1, v2, v3 := providertest.Canary(t, "v1"), providertest.Canary(t, "v2"), providertest.Canary(t, "v3")
	before := time.Now().Add(-time.Minute)
	put(t, adm, name, v1, types.ParameterTypeSecureString)
	put(t, adm, name, v2, types.ParameterTypeSecureString)
	put(t, adm, name, v3, types.ParameterTypeSecureString)
	if _, err := adm.LabelParameterVersion(context.Background(), &ssm.LabelParameterVersionInput{
		Name: aws.String(name), ParameterVersion: aws.Int64(2), Labels: []string{"stable"},
	}); err != nil {
		t.Fatal(err)
	}
	cnt := awstest.NewCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	refs := []providers.Ref{
		ref(t, "ssm://"+name),
		ref(t, "ssm://"+name+"?version=1"),
		ref(t, "ssm://"+name+"?label=stable"),
		ref(t, "ssm://"+name+"?version=9"),
		ref(t, "ssm://"+name+"?label=nolabel"),
	}
	got, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
	errs := refErrors(err)
	for i, want := range []struct{ value, version string }{{v3, "3"}, {v1, "1"}, {v2, "2"}} {
		if e := errs[refs[i].String()]; e != nil {
			t.Errorf("%s: %v", refs[i], e)
			continue
		}
		if got[i].Reveal() != want.value || got[i].Version != want.version {
			t.Errorf("%s: version %q, want %q (value right: %v)", refs[i], got[i].Version, want.version, got[i].Reveal() == want.value)
		}
		if got[i].Created.Before(before) || got[i].Created.After(time.Now().Add(time.Minute)) {
			t.Errorf("%s: Created %v, want about now", refs[i], got[i].Created)
		}
	}
	for _, r := range refs[3:] {
		if e := errs[r.String()]; !errors.Is(e, providers.ErrNotFound) {
			t.Errorf("%s: error %v, want ErrNotFound", r, e)
		}
	}
	if !strings.Contains(errs[refs[3].String()].Error(), "version 9 of parameter") ||
		!strings.Contains(errs[refs[4].String()].Error(), "label nolabel of parameter") {
		t.Errorf("errors do not name the version or label: %v", err)
	}
	providertest.AssertNoValues(t, err, v1, v2, v3)
	// Five selectors of one parameter: an answer entry names the parameter, not the selector,
	// so no call holds two of them.
	if n := cnt.Count("GetParameters"); n != 5 {
		t.Errorf("GetParameters calls = %d, want 5 (one per selector of the one parameter)", n)
	}
}

// TestValueTypes: a SecureString comes decrypted, a StringList as written, #key selects from a
// JSON value, and top-level and hierarchical names both resolve.
func TestValueTypes(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	secure, list := providertest.Canary(t, "secure"), "a,b,"+providertest.Canary(t, "list")
	jsonKey := providertest.Canary(t, "json")
	flat := "flat-" + strings.TrimPrefix(strings.ReplaceAll(base, "/", "-"), "-")
	put(t, adm, base+"/secure", secure, types.ParameterTypeSecureString)
	put(t, adm, base+"/list", list, types.ParameterTypeStringList)
	put(t, adm, base+"/json", fmt.Sprintf(`{"db":{"password":%q}}`, jsonKey), types.ParameterTypeString)
	put(t, adm, flat, secure, types.ParameterTypeString)

	raw, err := adm.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(base + "/secure")})
	if err != nil || aws.ToString(raw.Parameter.Value) == secure {
		t.Fatalf("moto did not store the SecureString encrypted (err %v): the test would prove nothing", err)
	}

	refs := []providers.Ref{
		ref(t, "ssm://"+base+"/secure"),
		ref(t, "ssm://"+base+"/list"),
		ref(t, "ssm://"+base+"/json#/db/password"),
		ref(t, "ssm://"+flat),
		ref(t, "ssm://"+base+"/secure?region="+awstest.Region),
	}
	got, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{secure, list, jsonKey, secure, secure} {
		if got[i].Reveal() != want {
			t.Errorf("%s: wrong value (%d bytes, want %d)", refs[i], got[i].Len(), len(want))
		}
		if _, err := strconv.Atoi(got[i].Version); err != nil {
			t.Errorf("%s: version %q is not the parameter's version number", refs[i], got[i].Version)
		}
	}
}

// TestMissing: a missing parameter is ErrNotFound for its ref alone; the others of its batch
// are read by the same call.
func TestMissing(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	v := providertest.Canary(t, "present")
	put(t, adm, base+"/present", v, types.ParameterTypeSecureString)
	cnt := awstest.NewCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	refs := []providers.Ref{ref(t, "ssm://"+base+"/present"), ref(t, "ssm://"+base+"/absent"), ref(t, "ssm://"+base+"/absent#k")}
	got, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
	if got[0].Reveal() != v {
		t.Errorf("present parameter: wrong value")
	}
	errs := refErrors(err)
	if len(errs) != 2 {
		t.Fatalf("want one error per missing ref, got %v", err)
	}
	for _, r := range refs[1:] {
		e := errs[r.String()]
		if !errors.Is(e, providers.ErrNotFound) || !strings.Contains(e.Error(), `parameter "`+base+`/absent" in us-east-1`) {
			t.Errorf("%s: error %v, want ErrNotFound naming the parameter and region", r, e)
		}
	}
	providertest.AssertNoValues(t, err, v)
	if n := cnt.Total(); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}
