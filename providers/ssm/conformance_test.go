package ssm

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TestConformance runs the shared provider suite against moto through a request-counting proxy,
// with every value stored as a SecureString under a hierarchical name.
func TestConformance(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	cnt := awstest.NewCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	base := uniq(t)
	var seq atomic.Int64
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return newProvider(t) },
		Put: func(t *testing.T, value []byte) providers.Ref {
			name := fmt.Sprintf("%s/%d", base, seq.Add(1))
			put(t, adm, name, string(value), types.ParameterTypeSecureString)
			return providers.Ref{Scheme: Scheme, Path: name}
		},
		Missing: func(t *testing.T) providers.Ref {
			return providers.Ref{Scheme: Scheme, Path: base + "/does-not-exist"}
		},
		Reads: func(t *testing.T) int { return cnt.Count("GetParameters") },
	})
}
