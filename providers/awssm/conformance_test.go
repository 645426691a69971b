package awssm

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TestConformance runs the shared provider suite against moto through a request-counting proxy.
// Text values are stored as SecretString, other bytes as SecretBinary.
func TestConformance(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	cnt := newCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	base := uniq(t)
	var seq atomic.Int64
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return newProvider(t) },
		Put: func(t *testing.T, value []byte) providers.Ref {
			name := fmt.Sprintf("%s/%d", base, seq.Add(1))
			in := &secretsmanager.CreateSecretInput{Name: aws.String(name)}
			if utf8.Valid(value) && !bytes.ContainsRune(value, 0) {
				in.SecretString = aws.String(string(value))
			} else {
				in.SecretBinary = value
			}
			if _, err := adm.CreateSecret(context.Background(), in); err != nil {
				t.Fatalf("CreateSecret: %v", err)
			}
			return providers.Ref{Scheme: Scheme, Path: name}
		},
		Missing: func(t *testing.T) providers.Ref {
			return providers.Ref{Scheme: Scheme, Path: base + "/does-not-exist"}
		},
		Binary: true,
		Reads: func(t *testing.T) int {
			c := cnt.Actions()
			return c["GetSecretValue"] + c["BatchGetSecretValue"]
		},
	})
}
