// Package signaturetest makes certificates and signers for tests and benchmarks.
package signaturetest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/signature"
)

// PKI returns a test root CA and an ECDSA P-256 signer whose certificate it issued, valid for a day.
func PKI(tb testing.TB, commonName, organization string) (*x509.Certificate, signature.Signer) {
	tb.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root CA", Organization: []string{"Liên Thông test"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: commonName, Organization: []string{organization}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return ca, signature.Signer{Key: key, Chain: []*x509.Certificate{leaf}}
}

// SignEdXML signs an edXML package with an enveloped signature at the end of edXMLHeader.
func SignEdXML(tb testing.TB, s signature.Signer, pkg []byte) []byte {
	tb.Helper()
	var out bytes.Buffer
	err := signature.SignEnveloped(&out, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pkg)), nil }, s, signature.EdXMLSignOptions())
	if err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}
