package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testPKI is a throw-away certificate hierarchy: a root CA with an RSA and an ECDSA signer, a signer
// whose certificate expired, a signer under an intermediate CA, and a signer from a CA nobody trusts.
type testPKI struct {
	root, stranger         *x509.Certificate
	rsa, ecdsa, expired    Signer
	viaIntermediate, alien Signer
	sha1Signer             Signer // an RSA signer for legacy signatures (same key as rsa)
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
	pkiErr  error
)

// getPKI builds the hierarchy once per test binary: RSA key generation is slow.
func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = buildPKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

func buildPKI() (*testPKI, error) {
	now := time.Now()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	root, err := issue(nil, nil, rootKey, "Lien Thong Test Root CA", true, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	strangerKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	stranger, err := issue(nil, nil, strangerKey, "Unknown CA", true, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	interKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	inter, err := issue(root, rootKey, interKey, "Lien Thong Test Intermediate CA", true, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p := &testPKI{root: root, stranger: stranger}
	leaf := func(issuer *x509.Certificate, issuerKey crypto.Signer, key crypto.Signer, cn string, from, to time.Time, chain ...*x509.Certificate) (Signer, error) {
		c, err := issue(issuer, issuerKey, key, cn, false, from, to)
		if err != nil {
			return Signer{}, err
		}
		return Signer{Key: key, Chain: append([]*x509.Certificate{c}, chain...)}, nil
	}
	if p.rsa, err = leaf(root, rootKey, rsaKey, "Văn thư UBND tỉnh Kon Tum", now.Add(-time.Hour), now.Add(12*time.Hour)); err != nil {
		return nil, err
	}
	p.sha1Signer = p.rsa
	if p.ecdsa, err = leaf(root, rootKey, ecKey, "Văn thư UBND tỉnh Gia Lai", now.Add(-time.Hour), now.Add(12*time.Hour)); err != nil {
		return nil, err
	}
	if p.expired, err = leaf(root, rootKey, ecKey, "Expired signer", now.Add(-48*time.Hour), now.Add(-24*time.Hour)); err != nil {
		return nil, err
	}
	if p.viaIntermediate, err = leaf(inter, interKey, ecKey, "Signer under an intermediate", now.Add(-time.Hour), now.Add(12*time.Hour), inter); err != nil {
		return nil, err
	}
	if p.alien, err = leaf(stranger, strangerKey, ecKey, "Signer from an unknown CA", now.Add(-time.Hour), now.Add(12*time.Hour)); err != nil {
		return nil, err
	}
	return p, nil
}

var serial int64 = 1000

// issue makes a certificate for key, signed by issuerKey (self-signed when issuer is nil).
func issue(issuer *x509.Certificate, issuerKey, key crypto.Signer, cn string, ca bool, from, to time.Time) (*x509.Certificate, error) {
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Liên Thông Test"}, Country: []string{"VN"}},
		NotBefore:    from,
		NotAfter:     to,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	if ca {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	if issuer == nil {
		issuer, issuerKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), issuerKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func certPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// writeSigner writes a signer's certificate chain and PKCS#8 key as PEM files into dir.
func writeSigner(t testing.TB, dir, name string, s Signer) (certFile, keyFile string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(s.Key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeTemp(t, dir, name+"-cert.pem", certPEM(s.Chain...))
	keyFile = writeTemp(t, dir, name+"-key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	return certFile, keyFile
}

// trustRoot returns a TrustStore holding the test root, loaded the way deployments load theirs.
func trustRoot(t testing.TB, p *testPKI) (*TrustStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	writeTemp(t, filepath.Dir(path), "ca.pem", certPEM(p.root))
	ts := NewTrustStore()
	if err := ts.LoadPEMFile(path); err != nil {
		t.Fatal(err)
	}
	return ts, path
}
