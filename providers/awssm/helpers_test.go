package awssm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
)

const testRegion = awstest.Region

// The environment and the moto server the AWS providers' tests share (awstest).
var (
	awsEnv = awstest.Env
	moto   = awstest.Moto
	// a private moto that checks signatures and IAM policies, and IAM calls to it
	authMoto = awstest.AuthMoto
	iamCall  = awstest.IAMCall
)

// admin is a Secrets Manager client that talks to endpoint directly, to set up test data.
func admin(endpoint string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDADMIN", "admin-secret", ""),
	})
}

// uniq returns a name prefix unique to this test run, so tests can share one moto server.
func uniq(t *testing.T) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return "t/" + name + "-" + hex.EncodeToString(b[:])
}

type created struct {
	Name, ARN, VersionID string
}

func putString(t *testing.T, c *secretsmanager.Client, name, value string) created {
	t.Helper()
	o, err := c.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return created{Name: name, ARN: aws.ToString(o.ARN), VersionID: aws.ToString(o.VersionId)}
}

func putBinary(t *testing.T, c *secretsmanager.Client, name string, value []byte) created {
	t.Helper()
	o, err := c.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretBinary: value})
	if err != nil {
		t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return created{Name: name, ARN: aws.ToString(o.ARN), VersionID: aws.ToString(o.VersionId)}
}

func ref(t *testing.T, s string) providers.Ref {
	t.Helper()
	r, err := providers.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newProvider(t *testing.T, opts ...Option) *Provider {
	t.Helper()
	p, err := New(configAWS(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// counter is a reverse proxy in front of an AWS endpoint that counts the requests it forwards
// by action (X-Amz-Target for JSON protocols, Action= for STS's query protocol), and records
// the access key ids that signed them. It can deny BatchGetSecretValue as IAM would.
type counter struct {
	URL string

	mu         sync.Mutex
	actions    map[string]int
	batchSizes []int
	keys       map[string]int
	denyBatch  bool
}

func newCounter(t *testing.T, upstream string) *counter {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{actions: map[string]int{}, keys: map[string]int{}}
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
		if action == "BatchGetSecretValue" {
			var in struct{ SecretIdList []string }
			_ = json.Unmarshal(body, &in)
			c.batchSizes = append(c.batchSizes, len(in.SecretIdList))
		}
		deny := c.denyBatch && action == "BatchGetSecretValue"
		c.mu.Unlock()
		if deny {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","Message":"User: arn:aws:iam::123456789012:user/test is not authorized to perform: secretsmanager:BatchGetSecretValue on resource: * because no identity-based policy allows the secretsmanager:BatchGetSecretValue action"}`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.actions = map[string]int{}
	c.keys = map[string]int{}
	c.batchSizes = nil
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.actions {
		out[k] = v
	}
	return out
}

func fetchCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func configAWS() config.AWS { return config.AWS{} }
