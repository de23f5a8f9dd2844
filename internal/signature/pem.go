package signature

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// ParsePEM builds a signer from PEM data: certificates (the signer's and optionally its
// intermediates, in any order) and an unencrypted private key (PKCS#8, PKCS#1 or SEC 1). The
// certificate that matches the key is put first.
func ParsePEM(certPEM, keyPEM []byte) (Signer, error) {
	var s Signer
	for rest := certPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return Signer{}, fmt.Errorf("signature.ParsePEM: certificate %d: %w", len(s.Chain)+1, err)
		}
		s.Chain = append(s.Chain, c)
	}
	if len(s.Chain) == 0 {
		return Signer{}, errorf(CodeBadKey, "no CERTIFICATE block in the certificate PEM")
	}
	for rest := keyPEM; s.Key == nil; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return Signer{}, errorf(CodeBadKey, "no private key block in the key PEM")
		}
		var (
			k   any
			err error
		)
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return Signer{}, errorf(CodeBadKey, "encrypted private keys are not supported; decrypt the key or use a token")
		default:
			continue
		}
		if err != nil {
			return Signer{}, fmt.Errorf("signature.ParsePEM: %s: %w", b.Type, err)
		}
		cs, ok := k.(crypto.Signer)
		if !ok {
			return Signer{}, errorf(CodeBadKey, "a %T is not a signing key", k)
		}
		s.Key = cs
	}
	pub, _ := s.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	for i, c := range s.Chain {
		if pub != nil && pub.Equal(c.PublicKey) {
			s.Chain[0], s.Chain[i] = s.Chain[i], s.Chain[0]
			return s, nil
		}
	}
	return Signer{}, errorf(CodeBadKey, "no certificate matches the private key")
}
