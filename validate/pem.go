package validate

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"
)

// checkPEM checks the pem format, pem_type, and the key and certificate rules.
func (c *Checker) checkPEM(r *report, value string, rules *Rules) {
	var blocks []*pem.Block
	rest := []byte(value)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	if len(blocks) == 0 || bytes.Contains(rest, []byte("-----BEGIN")) {
		r.fail("format", "PEM data: complete -----BEGIN ...----- / -----END ...----- blocks")
		return
	}
	switch rules.PEMType {
	case PEMPrivateKey:
		key, ok := privateKey(r, blocks)
		if ok {
			checkKey(r, key, rules)
		}
	case PEMPublicKey:
		key, ok := publicKey(r, blocks)
		if ok {
			checkKey(r, key, rules)
		}
	case PEMCertificate:
		c.checkCertificates(r, blocks, rules)
	}
}

// privateKeyTypes are the PEM block types of private keys crypto/x509 parses.
var privateKeyTypes = []string{"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"}

// privateKey finds the one private key among blocks and parses it; it returns its public key.
func privateKey(r *report, blocks []*pem.Block) (crypto.PublicKey, bool) {
	var found []*pem.Block
	for _, b := range blocks {
		switch {
		case contains(privateKeyTypes, b.Type):
			found = append(found, b)
		case b.Type == "ENCRYPTED PRIVATE KEY":
			r.fail("pem_type", "an unencrypted private key (an encrypted key cannot be checked; use format: pem without pem_type)")
			return nil, false
		case b.Type == "OPENSSH PRIVATE KEY":
			r.fail("pem_type", "a PKCS#8, PKCS#1 or SEC 1 private key (OpenSSH keys cannot be checked; use format: pem without pem_type)")
			return nil, false
		}
	}
	if len(found) != 1 {
		r.fail("pem_type", "exactly one private key block (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)")
		return nil, false
	}
	b := found[0]
	if _, encrypted := b.Headers["Proc-Type"]; encrypted {
		r.fail("pem_type", "an unencrypted private key (an encrypted key cannot be checked; use format: pem without pem_type)")
		return nil, false
	}
	var key any
	var err error
	switch b.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(b.Bytes)
	}
	signer, ok := key.(crypto.Signer)
	if err != nil || !ok {
		r.fail("pem_type", "a private key that parses (PKCS#8, PKCS#1 or SEC 1, as crypto/x509 reads them)")
		return nil, false
	}
	return signer.Public(), true
}

// publicKey finds the one public key among blocks and parses it.
func publicKey(r *report, blocks []*pem.Block) (crypto.PublicKey, bool) {
	var found []*pem.Block
	for _, b := range blocks {
		if b.Type == "PUBLIC KEY" || b.Type == "RSA PUBLIC KEY" {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		r.fail("pem_type", "exactly one public key block (PUBLIC KEY or RSA PUBLIC KEY)")
		return nil, false
	}
	var key any
	var err error
	if b := found[0]; b.Type == "PUBLIC KEY" {
		key, err = x509.ParsePKIXPublicKey(b.Bytes)
	} else {
		key, err = x509.ParsePKCS1PublicKey(b.Bytes)
	}
	if err != nil {
		r.fail("pem_type", "a public key that parses (PKIX or PKCS#1, as crypto/x509 reads them)")
		return nil, false
	}
	return key, true
}

// checkCertificates parses every CERTIFICATE block (a chain: the leaf first), checks their
// validity period and the leaf's key.
func (c *Checker) checkCertificates(r *report, blocks []*pem.Block, rules *Rules) {
	var certs []*x509.Certificate
	for _, b := range blocks {
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			r.fail("pem_type", "certificates that parse (X.509 DER in CERTIFICATE blocks)")
			return
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		r.fail("pem_type", "at least one CERTIFICATE block")
		return
	}
	now := c.now()
	window := rules.expiryWarning()
	for i, cert := range certs {
		which := "the certificate"
		if len(certs) > 1 {
			which = fmt.Sprintf("certificate %d of %d in the chain", i+1, len(certs))
		}
		switch left := cert.NotAfter.Sub(now); {
		case left <= 0:
			r.fail("certificate", "%s not to have expired", which)
		case now.Before(cert.NotBefore):
			r.fail("certificate", "%s to be valid already (its validity starts in the future)", which)
		case window > 0 && left <= window:
			r.warn("expiry_warning", "%s expires in %s", which, humanDuration(left))
		}
	}
	checkKey(r, certs[0].PublicKey, rules)
}

// humanDuration says "N days", "N hours" or "less than an hour".
func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 24*time.Hour:
		return "1 day"
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	case d >= time.Hour:
		return "1 hour"
	}
	return "less than an hour"
}

// checkKey checks key_types, min_rsa_bits and curves on a public key.
func checkKey(r *report, key crypto.PublicKey, rules *Rules) {
	kind := "other"
	switch k := key.(type) {
	case *rsa.PublicKey:
		kind = KeyRSA
		if min := rules.minRSABits(); min > 0 && k.N.BitLen() < min {
			r.fail("min_rsa_bits", "an RSA key of at least %d bits", min)
		}
	case *ecdsa.PublicKey:
		kind = KeyECDSA
		if len(rules.Curves) > 0 && !contains(rules.Curves, k.Curve.Params().Name) {
			r.fail("curves", "an EC key on the curve %s", expectations(rules.Curves))
		}
	case ed25519.PublicKey:
		kind = KeyEd25519
	}
	if len(rules.KeyTypes) > 0 && !contains(rules.KeyTypes, kind) {
		r.fail("key_types", "a key of type %s", expectations(rules.KeyTypes))
	}
}
