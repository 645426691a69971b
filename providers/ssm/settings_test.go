package ssm

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
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
		p, err := New(config.AWS{Region: "eu-central-1"}, WithRetry(1, 0))
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
