package ssm

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
	"github.com/secretrun/secretrun/providers/providertest"
	"github.com/secretrun/secretrun/providers/providertest/toxitest"
)

// TestFaults drives every fault through toxiproxy in front of moto, for two batches (a
// parameter and a version of it) in one Fetch. Each must fail closed within the deadline plus a
// small margin, with ErrUnavailable naming the ref and no value.
func TestFaults(t *testing.T) {
	const deadline = 1500 * time.Millisecond
	const margin = 500 * time.Millisecond
	toxic := func(typ string, attrs toxiproxy.Attributes) func(*testing.T, *toxiproxy.Proxy) {
		return func(t *testing.T, p *toxiproxy.Proxy) { toxitest.Toxic(t, p, typ, "downstream", attrs) }
	}
	for _, f := range []struct {
		name  string
		setup func(t *testing.T, p *toxiproxy.Proxy)
		ok    bool // the fetch succeeds (latency below the deadline)
	}{
		{name: "latency_below_deadline", setup: toxic("latency", toxiproxy.Attributes{"latency": 300}), ok: true},
		{name: "latency_above_deadline", setup: toxic("latency", toxiproxy.Attributes{"latency": 3000})},
		{name: "black_hole", setup: toxic("timeout", toxiproxy.Attributes{"timeout": 0})},
		{name: "reset_peer", setup: toxic("reset_peer", toxiproxy.Attributes{"timeout": 0})},
		{name: "refused", setup: func(t *testing.T, p *toxiproxy.Proxy) {
			if err := p.Disable(); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "truncated_headers", setup: toxic("limit_data", toxiproxy.Attributes{"bytes": 120})},
		// The values are 4 KiB, so 1500 bytes ends inside the JSON body, after the headers.
		{name: "truncated_body", setup: toxic("limit_data", toxiproxy.Attributes{"bytes": 1500})},
	} {
		t.Run(f.name, func(t *testing.T) {
			endpoint := testenv.Require(t, testenv.AWSEndpoint, testenv.Toxiproxy)[0]
			awstest.Env(t, endpoint)
			u, err := url.Parse(endpoint)
			if err != nil {
				t.Fatal(err)
			}
			proxy := toxitest.Proxy(t, "ssm", u.Host)
			t.Setenv("AWS_ENDPOINT_URL", "http://"+proxy.Listen)
			adm := admin(endpoint)
			base := uniq(t)
			pad := strings.Repeat("x", 4096)
			v1, v2 := providertest.Canary(t, "a")+pad, providertest.Canary(t, "b")+pad
			put(t, adm, base+"/a", fmt.Sprintf(`{"k":%q}`, v1), types.ParameterTypeSecureString)
			put(t, adm, base+"/b", v2, types.ParameterTypeSecureString)
			refs := []providers.Ref{ref(t, "ssm://"+base+"/a#k"), ref(t, "ssm://"+base+"/b?version=1")}
			f.setup(t, proxy)
			start := time.Now()
			got, err := newProvider(t).Fetch(fetchCtx(t, deadline), refs)
			elapsed := time.Since(start)
			t.Logf("%s: elapsed %v, error: %v", f.name, elapsed.Round(time.Millisecond), err)
			if elapsed > deadline+margin {
				t.Errorf("took %v, deadline %v", elapsed, deadline)
			}
			if f.ok {
				if err != nil || got[0].Reveal() != v1 || got[1].Reveal() != v2 {
					t.Fatalf("Fetch under latency below the deadline: %v", err)
				}
				return
			}
			errs := refErrors(err)
			for _, r := range refs {
				e := errs[r.String()]
				if !errors.Is(e, providers.ErrUnavailable) {
					t.Errorf("%s: error %v, want ErrUnavailable", r, e)
				} else if !strings.HasPrefix(e.Error(), r.String()+": ") {
					t.Errorf("error does not name the ref: %v", e)
				}
			}
			providertest.AssertNoValues(t, err, v1, v2)
		})
	}
}

// TestThrottlingRetries: a server that always answers ThrottlingException (HTTP 400, as AWS does)
// or 503 is retried with backoff up to the attempt limit, and never past the deadline.
func TestThrottlingRetries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"throttling_400", 400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`},
		{"unavailable_503", 503, `{"__type":"InternalServerError","message":"Service unavailable"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				requests.Add(1)
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			awstest.Env(t, srv.URL)

			p := newProvider(t, WithRetry(4, 20*time.Millisecond))
			_, err := p.Fetch(fetchCtx(t, 5*time.Second), []providers.Ref{ref(t, "ssm:///x")})
			if !errors.Is(err, providers.ErrUnavailable) || !strings.Contains(err.Error(), "after 4 attempts") ||
				!strings.Contains(err.Error(), `GetParameters of parameter "/x" in us-east-1`) {
				t.Errorf("error %v, want ErrUnavailable naming the parameter, after 4 attempts", err)
			}
			if n := requests.Load(); n != 4 {
				t.Errorf("server saw %d requests, want 4", n)
			}

			// Default retry policy against a short deadline: retries stop at the deadline.
			requests.Store(0)
			start := time.Now()
			_, err = newProvider(t).Fetch(fetchCtx(t, 700*time.Millisecond), []providers.Ref{ref(t, "ssm://x"), ref(t, "ssm://y?version=2")})
			elapsed := time.Since(start)
			t.Logf("default policy, 700ms deadline: %d requests, %v, %v", requests.Load(), elapsed.Round(time.Millisecond), err)
			if !errors.Is(err, providers.ErrUnavailable) {
				t.Errorf("error %v, want ErrUnavailable", err)
			}
			// Throttling backs off long enough for the deadline to end the retries.
			if tc.status == 400 && !strings.Contains(err.Error(), "gave up at the deadline") {
				t.Errorf("error %v, want it to say it gave up at the deadline", err)
			}
			if elapsed > 700*time.Millisecond+300*time.Millisecond {
				t.Errorf("took %v with a 700ms deadline", elapsed)
			}
		})
	}
}
