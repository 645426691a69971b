package gcpsm

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/secretrun/secretrun/providers"
)

// serviceAccountKey writes a service-account key file (a fresh RSA key) and returns its path and
// the public key.
func serviceAccountKey(t *testing.T, project, email string) (string, *rsa.PublicKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     project,
		"private_key_id": "test-key-1",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   email,
		"client_id":      "1",
		"token_uri":      "http://127.0.0.1:1/token", // never used: the client signs its own JWTs
	})
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, &key.PublicKey
}

// testTLS returns server credentials for 127.0.0.1 and a pool trusting them.
func testTLS(t *testing.T) (credentials.TransportCredentials, *x509.CertPool) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}), pool
}

// TestADCServiceAccount reads over TLS with Application Default Credentials from
// GOOGLE_APPLICATION_CREDENTIALS: every request carries a bearer token signed by that key, the
// same token for the whole run (one authentication, not one per secret), and a denial names
// the credentials used and the role needed.
func TestADCServiceAccount(t *testing.T) {
	const email = "runner@adc-project.iam.gserviceaccount.com"
	keyFile, pub := serviceAccountKey(t, "adc-project", email)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", keyFile)
	t.Setenv("GOOGLE_CLOUD_PROJECT", "")

	serverCreds, pool := testTLS(t)
	f, addr := startFake(t, grpc.Creds(serverCreds))
	for _, s := range []string{"a", "b", "c"} {
		f.put("adc-project", s, []byte("value-"+s))
	}
	// TLS to the test server; authentication is left to ADC (no WithoutAuthentication).
	p := newTestProvider(t, Settings{Project: "adc-project"}, WithClientOptions(option.WithEndpoint(addr),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))))
	refs := []providers.Ref{mustRef(t, "gcpsm://a"), mustRef(t, "gcpsm://b"), mustRef(t, "gcpsm://projects/adc-project/secrets/c")}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := p.Fetch(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Reveal() != "value-a" || got[2].Reveal() != "value-c" {
		t.Fatal("wrong values")
	}
	f.mu.Lock()
	auth := append([]string(nil), f.auth...)
	f.mu.Unlock()
	if len(auth) != 3 || auth[0] == "" || auth[0] != auth[1] || auth[1] != auth[2] {
		t.Fatalf("authorization headers: %d, same=%v", len(auth), len(auth) == 3 && auth[0] == auth[1] && auth[1] == auth[2])
	}
	claims := verifyJWT(t, strings.TrimPrefix(auth[0], "Bearer "), pub)
	if claims["iss"] != email {
		t.Fatalf("token issuer %v, want %s", claims["iss"], email)
	}

	// A denial names the credentials and the role.
	f.setFault(func(context.Context, string, int64) error {
		return status.Error(codes.PermissionDenied, "Permission 'secretmanager.versions.access' denied for resource")
	})
	_, err = p.Fetch(ctx, []providers.Ref{mustRef(t, "gcpsm://a")})
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("err = %v", err)
	}
	hint := providers.Hint(err)
	for _, want := range []string{"GOOGLE_APPLICATION_CREDENTIALS=" + keyFile, "roles/secretmanager.secretAccessor", "projects/adc-project/secrets/a"} {
		if !strings.Contains(hint, want) {
			t.Fatalf("hint %q lacks %q", hint, want)
		}
	}
	t.Logf("%v\nhint: %s", err, hint)

	// The ADC project (the key's project_id) serves gcpsm://SECRET when none is configured.
	if got := adcProject(ctx); got != "adc-project" {
		t.Fatalf("adcProject = %q", got)
	}
}

// verifyJWT checks an RS256 token's signature with pub and returns its claims.
func verifyJWT(t *testing.T, token string, pub *rsa.PublicKey) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT (%d parts)", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("token not signed by the service account key: %v", err)
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// Without any Application Default Credentials the client cannot be made: every ref fails with
// ErrDenied and a hint on how to provide credentials, at once.
func TestNoADC(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("CLOUDSDK_CONFIG", "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("GCE_METADATA_HOST", "")
	p := newTestProvider(t, Settings{Project: "p", Endpoint: "127.0.0.1:1"})
	// Off Google Cloud the library may probe the metadata server for up to 5 s (once per
	// process) before it gives up on credentials.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	refs := []providers.Ref{mustRef(t, "gcpsm://projects/p/secrets/s"), mustRef(t, "gcpsm://s")}
	_, err := p.Fetch(ctx, refs)
	if len(refErrors(err)) != 2 || !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("err = %v", err)
	}
	if h := providers.Hint(err); !strings.Contains(h, "gcloud auth application-default login") {
		t.Fatalf("hint = %q", h)
	}

	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(t.TempDir(), "absent.json"))
	p = newTestProvider(t, Settings{Project: "p", Endpoint: "127.0.0.1:1"})
	_, err = p.Fetch(ctx, refs[:1])
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), "absent.json") {
		t.Fatalf("err = %v, hint %q", err, providers.Hint(err))
	}
}
