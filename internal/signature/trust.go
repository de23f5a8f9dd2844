package signature

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// TrustStore holds the root certificates (CA gốc: the national root CA and the licensed signature
// service providers' CAs a deployment accepts) that signer chains must lead to.
type TrustStore struct {
	pool  *x509.CertPool
	certs []*x509.Certificate

	// chains caches verified chains by the fingerprints of the leaf and the intermediates offered
	// with it: the same few signers sign most packages, and building a chain costs a signature
	// check per link.
	mu     sync.Mutex
	chains map[string][]*x509.Certificate
}

// chainCacheSize bounds the chain cache; it is emptied when full.
const chainCacheSize = 4096

// NewTrustStore returns an empty TrustStore.
func NewTrustStore() *TrustStore { return &TrustStore{pool: x509.NewCertPool()} }

// AddCert adds a trusted root.
func (t *TrustStore) AddCert(c *x509.Certificate) {
	t.pool.AddCert(c)
	t.certs = append(t.certs, c)
	t.mu.Lock()
	t.chains = nil // a new root may give other chains
	t.mu.Unlock()
}

// VerifyChain returns a chain from leaf to a trusted root, using intermediates, in which every
// certificate is valid at time at (the signing time). A chain verified before for the same leaf
// and intermediates is reused when all its certificates are valid at at; otherwise (and on the
// first sight) the chain is built and checked by crypto/x509, whose errors it returns unchanged.
func (t *TrustStore) VerifyChain(leaf *x509.Certificate, intermediates []*x509.Certificate, at time.Time) ([]*x509.Certificate, error) {
	if at.IsZero() {
		at = time.Now() // as crypto/x509 does
	}
	key := chainKey(leaf, intermediates)
	t.mu.Lock()
	chain, ok := t.chains[key]
	t.mu.Unlock()
	if ok && validAt(chain, at) {
		return chain, nil
	}
	inter := x509.NewCertPool()
	for _, c := range intermediates {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         t.pool,
		Intermediates: inter,
		CurrentTime:   at,
		// Signing certificates carry emailProtection, clientAuth or no extended key usage at all; the
		// default (serverAuth) would refuse them.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if t.chains == nil || len(t.chains) >= chainCacheSize {
		t.chains = make(map[string][]*x509.Certificate)
	}
	t.chains[key] = chains[0]
	t.mu.Unlock()
	return chains[0], nil
}

func chainKey(leaf *x509.Certificate, intermediates []*x509.Certificate) string {
	h := sha256.New()
	h.Write(leaf.Raw)
	for _, c := range intermediates {
		sum := sha256.Sum256(c.Raw)
		h.Write(sum[:])
	}
	return string(h.Sum(nil))
}

// validAt reports whether every certificate of chain is within its validity period at at.
func validAt(chain []*x509.Certificate, at time.Time) bool {
	for _, c := range chain {
		if at.Before(c.NotBefore) || at.After(c.NotAfter) {
			return false
		}
	}
	return true
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

func describeCert(c *x509.Certificate) CertInfo {
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
