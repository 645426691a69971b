package ssm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TestSharedSettings: the providers.aws rules apply to ssm:// as to awssm:// — a region is
// needed (from the settings, the environment or ?region=), and a plain-http endpoint off
// loopback is refused before any request unless allow_http is set.
func TestSharedSettings(t *testing.T) {
	t.Run("no_region", func(t *testing.T) {
		awstest.Env(t, "http://127.0.0.1:1")
		t.Setenv("AWS_REGION", "")
		_, err := newProvider(t).Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "ssm:///a/b")})
		if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error(), "no AWS region") ||
			!strings.Contains(providers.Hint(err), "providers.aws.region") {
			t.Errorf("error %v (hint %q), want ErrInvalidRef: no AWS region, with a hint", err, providers.Hint(err))
		}
	})
	t.Run("region_from_settings", func(t *testing.T) {
		awstest.Env(t, "http://127.0.0.1:1")
		t.Setenv("AWS_REGION", "")
		p, err := New(awsconf.Settings{Region: "eu-central-1"}, WithRetry(1, 0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "ssm:///a/b")})
		if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "in eu-central-1") {
			t.Errorf("error %v, want ErrUnavailable for a read in eu-central-1", err)
		}
	})
	t.Run("plain_http_refused", func(t *testing.T) {
		awstest.Env(t, "http://192.0.2.1:4566")
		_, err := newProvider(t).Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "ssm:///a/b")})
		if !errors.Is(err, providers.ErrDenied) || !strings.Contains(err.Error(), "refusing plain http to 192.0.2.1:4566") ||
			!strings.Contains(providers.Hint(err), "allow_http") {
			t.Errorf("error %v, want ErrDenied refusing plain http, with a hint", err)
		}
	})
}

// TestAssumeRole: with providers.aws.role_arn, ssm:// assumes the role once per run
// (sts:AssumeRole against moto's STS) and signs every GetParameters call with the role's
// temporary credentials, as awssm:// does with the same settings.
func TestAssumeRole(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	v := providertest.Canary(t, "role")
	var refs []providers.Ref
	for i := range 12 {
		name := fmt.Sprintf("%s/p%d", base, i)
		put(t, adm, name, v, types.ParameterTypeSecureString)
		refs = append(refs, ref(t, "ssm://"+name))
	}
	cnt := awstest.NewCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p, err := New(awsconf.Settings{RoleARN: "arn:aws:iam::123456789012:role/secretrun-reader", ExternalID: "ext-1"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
		if err != nil || got[0].Reveal() != v || got[11].Reveal() != v {
			t.Fatalf("Fetch: %v", err)
		}
	}
	if a, g := cnt.Count("AssumeRole"), cnt.Count("GetParameters"); a != 1 || g != 4 {
		t.Errorf("AssumeRole %d, GetParameters %d; want 1 for the whole run and 2 per fetch", a, g)
	}
	keys := cnt.Keys()
	if keys["AKIDTESTTESTTEST"] != 1 || len(keys) != 2 {
		t.Errorf("keys = %v, want the base key on the AssumeRole call only and one assumed-role key on the rest", keys)
	}
}
