package signature

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"time"
)

// TrustStore holds the root certificates (CA gốc: the national root CA and the licensed signature
// service providers' CAs a deployment accepts) that signer chains must lead to.
type TrustStore struct {
	pool  *x509.CertPool
	certs []*x509.Certificate
}

// NewTrustStore returns an empty TrustStore.
func NewTrustStore() *TrustStore { return &TrustStore{pool: x509.NewCertPool()} }

// AddCert adds a trusted root.
func (t *TrustStore) AddCert(c *x509.Certificate) {
	t.pool.AddCert(c)
	t.certs = append(t.certs, c)
}

// AddPEM adds every CERTIFICATE block of pemData as a trusted root. It fails if a block does not parse
// or there is none.
func (t *TrustStore) AddPEM(pemData []byte) error {
	n := 0
	for {
		var b *pem.Block
		b, pemData = pem.Decode(pemData)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return fmt.Errorf("signature.TrustStore.AddPEM: certificate %d: %w", n+1, err)
		}
		t.AddCert(c)
		n++
	}
	if n == 0 {
		return fmt.Errorf("signature.TrustStore.AddPEM: no CERTIFICATE block")
	}
	return nil
}

// LoadPEMFile adds the certificates of a PEM file as trusted roots.
func (t *TrustStore) LoadPEMFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("signature.TrustStore.LoadPEMFile: %w", err)
	}
	if err := t.AddPEM(b); err != nil {
		return fmt.Errorf("signature.TrustStore.LoadPEMFile(%s): %w", path, err)
	}
	return nil
}

// Len returns the number of trusted roots.
func (t *TrustStore) Len() int {
	if t == nil {
		return 0
	}
	return len(t.certs)
}

// CertInfo describes a certificate for reports and logs.
type CertInfo struct {
	// Subject is the full distinguished name, CommonName and Organization its CN and first O.
	Subject      string
	CommonName   string
	Organization string
	// SerialNumber is in upper-case hexadecimal, as CAs print it.
	SerialNumber string
	Issuer       string
	NotBefore    time.Time
	NotAfter     time.Time
	// SHA256 is the certificate's fingerprint in hexadecimal.
	SHA256 string
}

func certInfo(c *x509.Certificate) CertInfo {
	info := CertInfo{
		Subject:      c.Subject.String(),
		CommonName:   c.Subject.CommonName,
		SerialNumber: strings.ToUpper(c.SerialNumber.Text(16)),
		Issuer:       c.Issuer.String(),
		NotBefore:    c.NotBefore,
		NotAfter:     c.NotAfter,
		SHA256:       fingerprint(c.Raw),
	}
	if len(c.Subject.Organization) > 0 {
		info.Organization = c.Subject.Organization[0]
	}
	return info
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
