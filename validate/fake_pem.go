package validate

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"time"
)

// pem makes PEM data for the rules: a private key (PKCS#8), a public key (PKIX) or a
// self-signed certificate, of the first type in key_types (RSA when none is listed: of
// min_rsa_bits, at least 2048), on the first curve in curves (P-256 when none is listed).
// Keys are derived from the deterministic stream, so the same seed and name give the same key;
// a certificate is valid from a day before the Faker's time to a year after the warning window.
// `format: pem` alone gets an ECDSA P-256 private key, the cheapest to make.
func (g *fakeGen) pem() (string, error) {
	kind := KeyRSA
	if len(g.rules.KeyTypes) > 0 {
		kind = g.rules.KeyTypes[g.attempt%len(g.rules.KeyTypes)]
	} else if g.rules.PEMType == "" {
		kind = KeyECDSA
	}
	key, err := g.key(kind)
	if err != nil {
		return "", err
	}
	var block *pem.Block
	switch g.rules.PEMType {
	case PEMPublicKey:
		der, err := x509.MarshalPKIXPublicKey(key.Public())
		if err != nil {
			return "", err
		}
		block = &pem.Block{Type: "PUBLIC KEY", Bytes: der}
	case PEMCertificate:
		der, err := g.certificate(key)
		if err != nil {
			return "", err
		}
		block = &pem.Block{Type: "CERTIFICATE", Bytes: der}
	default:
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return "", err
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return string(pem.EncodeToMemory(block)), nil
}

// key derives a private key of the kind from the stream.
func (g *fakeGen) key(kind string) (crypto.Signer, error) {
	switch kind {
	case KeyEd25519:
		return ed25519.NewKeyFromSeed(g.stream.bytes(ed25519.SeedSize)), nil
	case KeyECDSA:
		curve := elliptic.P256()
		if len(g.rules.Curves) > 0 {
			switch g.rules.Curves[0] {
			case "P-384":
				curve = elliptic.P384()
			case "P-521":
				curve = elliptic.P521()
			}
		}
		// A scalar in [1, N-1], as crypto/ecdsa's raw encoding wants it: fixed-length big-endian.
		n := curve.Params().N
		size := (n.BitLen() + 7) / 8
		d := new(big.Int).SetBytes(g.stream.bytes(size + 8))
		d.Mod(d, new(big.Int).Sub(n, big.NewInt(1)))
		d.Add(d, big.NewInt(1))
		return ecdsa.ParseRawPrivateKey(curve, d.FillBytes(make([]byte, size)))
	}
	return g.rsaKey(max(g.rules.minRSABits(), DefaultMinRSABits))
}

// rsaKey derives an RSA key of bits bits from the stream. crypto/rsa.GenerateKey adds
// randomness of its own on purpose, so the primes are searched here: odd numbers with their two
// top bits set (so that the product has exactly bits bits), tested with Miller-Rabin and
// Baillie-PSW (big.Int.ProbablyPrime).
func (g *fakeGen) rsaKey(bits int) (crypto.Signer, error) {
	e := big.NewInt(65537)
	one := big.NewInt(1)
	prime := func(bits int) *big.Int {
		b := g.stream.bytes((bits + 7) / 8)
		p := new(big.Int).SetBytes(b)
		p.Rsh(p, uint(len(b)*8-bits))
		p.SetBit(p, bits-1, 1)
		p.SetBit(p, bits-2, 1)
		p.SetBit(p, 0, 1)
		for {
			pm1 := new(big.Int).Sub(p, one)
			if p.ProbablyPrime(20) && new(big.Int).GCD(nil, nil, pm1, e).Cmp(one) == 0 {
				return p
			}
			p.Add(p, big.NewInt(2))
		}
	}
	for try := 0; try < 4; try++ {
		p := prime(bits - bits/2)
		q := prime(bits / 2)
		if p.Cmp(q) == 0 {
			continue
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: int(e.Int64())}, D: d, Primes: []*big.Int{p, q}}
		key.Precompute()
		if err := key.Validate(); err != nil {
			continue
		}
		return key, nil
	}
	return nil, errors.New("no RSA key found")
}

// certificate makes a self-signed certificate for fake.invalid with key.
func (g *fakeGen) certificate(key crypto.Signer) ([]byte, error) {
	day := g.now.Truncate(24 * time.Hour)
	serial := new(big.Int).SetBytes(g.stream.bytes(16))
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               pkix.Name{CommonName: "fake.invalid", Organization: []string{"secretrun fake value"}},
		DNSNames:              []string{"fake.invalid"},
		NotBefore:             day.Add(-24 * time.Hour),
		NotAfter:              day.Add(g.rules.expiryWarning() + 366*24*time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if _, ok := key.(*rsa.PrivateKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	return x509.CreateCertificate(g.stream, tmpl, tmpl, key.Public(), key)
}
