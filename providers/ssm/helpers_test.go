package ssm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
	"github.com/secretrun/secretrun/providers/providertest"
)

// admin is a Parameter Store client that talks to endpoint directly, to set up test data.
func admin(endpoint string) *ssm.Client {
	return ssm.New(ssm.Options{
		Region:       awstest.Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDADMIN", "admin-secret", ""),
	})
}

// uniq returns a hierarchy root unique to this test run, so tests can share one moto server.
func uniq(t *testing.T) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return "/t/" + name + "-" + hex.EncodeToString(b[:])
}

// put stores value as a parameter of type typ (a new version when it exists) and returns the
// version Parameter Store gave it.
func put(t *testing.T, c *ssm.Client, name, value string, typ types.ParameterType) int64 {
	t.Helper()
	o, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("PutParameter %s: %v", name, err)
	}
	return o.Version
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
	p, err := New(awsconf.Settings{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fetchCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// refErrors returns the error of each failed ref, by the ref's string.
func refErrors(err error) map[string]error {
	out := map[string]error{}
	for _, re := range providertest.RefErrors(err) {
		out[re.Ref.String()] = re
	}
	return out
}
