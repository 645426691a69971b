// Package awstest is what the AWS providers' tests share: pointing the SDK's default chain at a
// test endpoint (moto) with nothing else in the chain, a private moto that checks signatures and
// IAM policies, and a proxy that counts requests by action. It is for tests only, like package
// providertest.
package awstest

import (
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretrun/secretrun/internal/testenv"
)

// Region is the region the tests' environment names.
const Region = "us-east-1"

// Env points the SDK's default chain at endpoint with static test credentials, and makes sure
// nothing else in the chain (files, metadata services) is consulted.
func Env(t testing.TB, endpoint string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":                       endpoint,
		"AWS_ACCESS_KEY_ID":                      "AKIDTESTTESTTEST",
		"AWS_SECRET_ACCESS_KEY":                  "test-secret-key",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_REGION":                             Region,
		"AWS_DEFAULT_REGION":                     "",
		"AWS_PROFILE":                            "",
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONFIG_FILE":                        dir + "/config",
		"AWS_SHARED_CREDENTIALS_FILE":            dir + "/credentials",
		"AWS_ROLE_ARN":                           "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_MAX_ATTEMPTS":                       "",
		"AWS_RETRY_MODE":                         "",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":       "",
		"AWS_ENDPOINT_URL_SSM":                   "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
	} {
		t.Setenv(k, v)
	}
}

// Moto returns the address of the shared moto server, with the environment set up for it (Env).
func Moto(t testing.TB) string {
	t.Helper()
	endpoint := testenv.Get(t, testenv.AWSEndpoint)
	Env(t, endpoint)
	return endpoint
}

// AuthMoto starts a private moto server that checks signatures and IAM policies after the first
// n actions (INITIAL_NO_AUTH_ACTION_COUNT), and stops it when the test ends.
func AuthMoto(t testing.TB, n int) string {
	t.Helper()
	testenv.Get(t, testenv.AWSEndpoint) // the shared server proves moto is installed and wanted
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatalf("moto_server: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), fmt.Sprintf("INITIAL_NO_AUTH_ACTION_COUNT=%d", n))
	logf, err := os.Create(t.TempDir() + "/moto.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return endpoint
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("moto with auth did not start: %v\n%s", err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// IAMCall makes one IAM query-protocol call to moto during its no-auth phase (moto reads the
// service from the credential scope and does not check the signature then), and returns the
// answer's body.
func IAMCall(t testing.TB, endpoint string, form url.Values) []byte {
	t.Helper()
	form.Set("Version", "2010-05-08")
	req, err := http.NewRequest("POST", endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDADMIN/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("IAM %s: %s: %s", form.Get("Action"), resp.Status, body)
	}
	return body
}

// Counter is a reverse proxy in front of an AWS endpoint that counts the requests it forwards
// by action (X-Amz-Target for JSON protocols, Action= for STS's query protocol) and by the
// access key id that signed them, and keeps their bodies. Intercept, when set, may answer a request itself instead of forwarding it.
type Counter struct {
	URL string

	// Intercept is called with each request's action and body; returning true means it wrote
	// the answer. Set it before the first request.
	Intercept func(w http.ResponseWriter, action string, body []byte) bool

	mu      sync.Mutex
	actions map[string]int
	keys    map[string]int
	bodies  map[string][][]byte
}

// NewCounter starts a counting proxy in front of upstream; it stops when the test ends.
func NewCounter(t testing.TB, upstream string) *Counter {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	c := &Counter{actions: map[string]int{}, keys: map[string]int{}, bodies: map[string][][]byte{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		action := r.Header.Get("X-Amz-Target")
		if i := strings.LastIndexByte(action, '.'); i >= 0 {
			action = action[i+1:]
		}
		if action == "" {
			if q, err := url.ParseQuery(string(body)); err == nil {
				action = q.Get("Action")
			}
		}
		key := ""
		if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
			key, _, _ = strings.Cut(cred, "/")
		}
		c.mu.Lock()
		c.actions[action]++
		c.keys[key]++
		c.bodies[action] = append(c.bodies[action], body)
		c.mu.Unlock()
		if c.Intercept != nil && c.Intercept(w, action, body) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// Reset forgets every request counted so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.actions = map[string]int{}
	c.keys = map[string]int{}
	c.bodies = map[string][][]byte{}
}

// Count returns the number of requests of action counted so far.
func (c *Counter) Count(action string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.actions[action]
}

// Total returns the number of requests of every action counted so far.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.actions {
		n += v
	}
	return n
}

// Actions returns how many requests of each action were counted so far.
func (c *Counter) Actions() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.actions)
}

// Keys returns how many requests each access key id signed so far.
func (c *Counter) Keys() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.keys))
	for k, v := range c.keys {
		out[k] = v
	}
	return out
}

// Bodies returns the bodies of the requests of action counted so far, in order.
func (c *Counter) Bodies(action string) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.bodies[action]...)
}
