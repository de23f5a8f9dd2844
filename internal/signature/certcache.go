package signature

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
)

// certCache keeps parsed certificates and their descriptions by the SHA-256 of their DER bytes. An
// axis checks the same few hundred signing certificates over and over, and parsing one and writing
// out its names cost more than the hash that finds it. Certificates are immutable once parsed, so
// they are shared. The cache is bounded; when full it starts again empty.
var certCache struct {
	sync.Mutex
	m map[[sha256.Size]byte]*cachedCert
}

const certCacheMax = 4096

type cachedCert struct {
	cert *x509.Certificate
	info CertInfo
}

func lookupCert(sum [sha256.Size]byte) *cachedCert {
	certCache.Lock()
	defer certCache.Unlock()
	return certCache.m[sum]
}

func storeCert(sum [sha256.Size]byte, c *cachedCert) {
	certCache.Lock()
	defer certCache.Unlock()
	if certCache.m == nil || len(certCache.m) >= certCacheMax {
		certCache.m = make(map[[sha256.Size]byte]*cachedCert)
	}
	certCache.m[sum] = c
}

// parseCertificate parses der, or returns the certificate parsed from the same bytes before.
func parseCertificate(der []byte) (*x509.Certificate, error) {
	sum := sha256.Sum256(der)
	if c := lookupCert(sum); c != nil {
		return c.cert, nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	storeCert(sum, &cachedCert{cert: cert, info: describeCert(cert)})
	return cert, nil
}

// certInfo describes c, from the cache when c's bytes were seen before.
func certInfo(c *x509.Certificate) CertInfo {
	sum := sha256.Sum256(c.Raw)
	if cc := lookupCert(sum); cc != nil {
		return cc.info
	}
	info := describeCert(c)
	storeCert(sum, &cachedCert{cert: c, info: info})
	return info
}
