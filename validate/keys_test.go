package validate

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"
)

// testKeys are real keys generated once per test binary (RSA generation is slow).
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	keys := map[string]crypto.Signer{}
	for name, bits := range map[string]int{"rsa1024": 1024, "rsa2048": 2048} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		keys[name] = k
	}
	for name, curve := range map[string]elliptic.Curve{"p256": elliptic.P256(), "p384": elliptic.P384()} {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			panic(err)
		}
		keys[name] = k
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	keys["ed25519"] = ed
	return keys
})

func key(t testing.TB, name string) crypto.Signer {
	t.Helper()
	k := testKeys()[name]
	if k == nil {
		t.Fatalf("no test key %q", name)
	}
	return k
}

func pemString(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// pkcs8PEM encodes a private key as a PKCS#8 "PRIVATE KEY" block.
func pkcs8PEM(t testing.TB, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemString("PRIVATE KEY", der)
}

// publicPEM encodes a public key as a PKIX "PUBLIC KEY" block.
func publicPEM(t testing.TB, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pemString("PUBLIC KEY", der)
}

// certPEM returns a self-signed certificate for k, valid from notBefore to notAfter.
func certPEM(t testing.TB, k crypto.Signer, notBefore, notAfter time.Time) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "canary-host.example"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	return pemString("CERTIFICATE", der)
}

// pkcs1 returns an RSA test key as PKCS#1 DER.
func pkcs1(t testing.TB, name string) []byte {
	t.Helper()
	return x509.MarshalPKCS1PrivateKey(key(t, name).(*rsa.PrivateKey))
}

// sec1 returns an EC test key as SEC 1 DER.
func sec1(t testing.TB, name string) []byte {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key(t, name).(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	return der
}
