package awssm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
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

// counter is awstest.Counter, the counting proxy both AWS providers' tests use, with what the
// awssm tests add: the number of secret ids of each BatchGetSecretValue call, and a switch that
// denies BatchGetSecretValue as IAM would (set it before the first request).
type counter struct {
	*awstest.Counter
	denyBatch bool
}

func newCounter(t *testing.T, upstream string) *counter {
	t.Helper()
	c := &counter{Counter: awstest.NewCounter(t, upstream)}
	c.Intercept = func(w http.ResponseWriter, action string, _ []byte) bool {
		if !c.denyBatch || action != "BatchGetSecretValue" {
			return false
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","Message":"User: arn:aws:iam::123456789012:user/test is not authorized to perform: secretsmanager:BatchGetSecretValue on resource: * because no identity-based policy allows the secretsmanager:BatchGetSecretValue action"}`)
		return true
	}
	return c
}

// batchSizes returns the number of secret ids each BatchGetSecretValue call asked for, in order.
func (c *counter) batchSizes() []int {
	var sizes []int
	for _, b := range c.Bodies("BatchGetSecretValue") {
		var in struct{ SecretIdList []string }
		_ = json.Unmarshal(b, &in)
		sizes = append(sizes, len(in.SecretIdList))
	}
	return sizes
}

func fetchCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func configAWS() awsconf.Settings { return awsconf.Settings{} }
