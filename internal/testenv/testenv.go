// Package testenv gives tests the addresses of the test servers that scripts/test.sh starts on
// 127.0.0.1 (Vault, PostgreSQL, moto, the GCP Secret Manager emulator, toxiproxy).
//
// A test that needs a server calls [Require]. When the variable is unset the test is skipped, so
// `go test ./...` works on a bare machine; under scripts/test.sh (SECRETRUN_TEST_REQUIRE_SERVERS=1)
// a missing server fails the test instead, so CI can never pass by skipping.
package testenv

import (
	"os"
	"testing"
)

// Names of the variables scripts/testenv/servers.sh exports.
const (
	VaultAddr     = "SECRETRUN_TEST_VAULT_ADDR"      // http://127.0.0.1:PORT of a Vault dev server
	VaultToken    = "SECRETRUN_TEST_VAULT_TOKEN"     // its root token
	VaultBin      = "SECRETRUN_TEST_VAULT_BIN"       // the vault binary, to start more servers
	PGHost        = "SECRETRUN_TEST_PG_HOST"         // PostgreSQL for Vault's database engine
	PGPort        = "SECRETRUN_TEST_PG_PORT"         //
	PGUser        = "SECRETRUN_TEST_PG_USER"         // a superuser
	PGPassword    = "SECRETRUN_TEST_PG_PASSWORD"     //
	AWSEndpoint   = "SECRETRUN_TEST_AWS_ENDPOINT"    // moto_server, for AWS_ENDPOINT_URL
	GCPSMGRPC     = "SECRETRUN_TEST_GCPSM_GRPC"      // host:port of the emulator's gRPC API
	GCPSMREST     = "SECRETRUN_TEST_GCPSM_REST"      // http://host:port of its REST gateway
	Toxiproxy     = "SECRETRUN_TEST_TOXIPROXY"       // http://host:port of toxiproxy's API
	RequireServer = "SECRETRUN_TEST_REQUIRE_SERVERS" // "1": a missing server fails the test
)

// Require returns the value of each named variable, in order. If any is unset it skips the test,
// or fails it when SECRETRUN_TEST_REQUIRE_SERVERS=1.
func Require(t testing.TB, names ...string) []string {
	t.Helper()
	out := make([]string, len(names))
	for i, n := range names {
		v := os.Getenv(n)
		if v == "" {
			if os.Getenv(RequireServer) == "1" {
				t.Fatalf("%s is not set: scripts/test.sh should have started this server", n)
			}
			t.Skipf("%s is not set: run scripts/test.sh to start the test servers", n)
		}
		out[i] = v
	}
	return out
}

// Get is Require for one variable.
func Get(t testing.TB, name string) string {
	t.Helper()
	return Require(t, name)[0]
}
