package ssm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
	"github.com/secretrun/secretrun/providers/providertest"
)

// Every parameter under a path: GetParametersByPath pages (10 parameters each, Parameter
// Store's most), SecureStrings decrypted; deeper names only with recursive; a name that only
// starts like the path (/appx for /app/) is not under it.
func TestImportPath100(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	want := map[string]string{}
	for i := range 100 {
		k := fmt.Sprintf("p%03d", i)
		want[k] = providertest.Canary(t, k)
		typ := types.ParameterTypeString
		if i%2 == 0 {
			typ = types.ParameterTypeSecureString
		}
		put(t, adm, base+"/app/"+k, want[k], typ)
	}
	put(t, adm, base+"/app/sub/deep", "CANARY-deep", types.ParameterTypeSecureString)
	put(t, adm, base+"/appx", "CANARY-not-under-the-path", types.ParameterTypeString)

	cnt := awstest.NewCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p := newProvider(t)
	items, err := p.Import(fetchCtx(t, 30*time.Second), ref(t, "ssm://"+base+"/app/"), providers.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 100 {
		t.Fatalf("got %d items, want 100", len(items))
	}
	var refs []providers.Ref
	for _, it := range items {
		if it.Secret.Reveal() != want[it.Key] || it.Ref.String() != "ssm://"+base+"/app/"+it.Key || it.Secret.Version != "1" {
			t.Errorf("item %q (%s): wrong value, ref or version %q", it.Key, it.Ref, it.Secret.Version)
		}
		refs = append(refs, it.Ref)
	}
	pages, total := cnt.Count("GetParametersByPath"), cnt.Total()
	// 10 full pages of 10, and the empty page that the NextToken after a full page asks for
	// (moto, like Parameter Store, does not know a full page is the last).
	if pages != 11 || total != 11 {
		t.Errorf("100 parameters: %d GetParametersByPath calls, %d requests in all; want 11 (10 pages of 10, 1 empty) and nothing else", pages, total)
	}
	t.Logf("SSM path with 100 parameters: %d GetParametersByPath pages, %d requests in all", pages, total)

	again, err := p.Fetch(fetchCtx(t, 30*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if again[i].Reveal() != items[i].Secret.Reveal() {
			t.Errorf("%s does not read what the import gave", refs[i])
		}
	}

	items, err = p.Import(fetchCtx(t, 30*time.Second), ref(t, "ssm://"+base+"/app/"), providers.ImportOptions{Recursive: true})
	if err != nil || len(items) != 101 || items[100].Key != "sub/deep" || items[100].Secret.Reveal() != "CANARY-deep" {
		t.Fatalf("recursive: got %d items, %v; want 101 ending with sub/deep", len(items), err)
	}
	items, err = p.Import(fetchCtx(t, 30*time.Second), ref(t, "ssm://"+base+"/nothing/"), providers.ImportOptions{})
	if err != nil || len(items) != 0 {
		t.Errorf("an empty path: got %d items, %v; want none and no error (the caller decides)", len(items), err)
	}
}

func TestCheckImportSSM(t *testing.T) {
	p := newProvider(t)
	for _, tt := range []struct {
		src  string
		want string
	}{
		{"ssm:///app/", ""},
		{"ssm:///", ""},
		{"ssm:///app/?region=eu-west-1", ""},
		{"ssm:///app", "ending with /"},
		{"ssm://app/", "from the root"},
		{"ssm:///app/#k", "an import takes no #key"},
		{"ssm:///app/?version=2", "takes only ?region="},
		{"ssm:///a b/", "is not a parameter name"},
	} {
		err := p.CheckImport(ref(t, tt.src), providers.ImportOptions{})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.src, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, providers.ErrInvalidRef)):
			t.Errorf("%s: got %v, want ErrInvalidRef containing %q", tt.src, err, tt.want)
		}
	}
}
