package signature

// This file holds the node's own demo and test signer, kept in the data folder.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// Files EnsureLocalSigner keeps in its folder.
const (
	LocalSignerCertFile = "signer-cert.pem"
	LocalSignerKeyFile  = "signer-key.pem"
)

// EnsureLocalSigner returns the signer kept in dir, creating it on the first call: an ECDSA P-256
// key (LocalSignerKeyFile, PEM PKCS#8, mode 0600) and a self-signed certificate for it valid ten
// years (LocalSignerCertFile), with commonName and organization as subject and an organizational
// unit saying it is a demo key.
//
// It is a DEMO AND TEST KEY for a node whose agency has no certificate from a licensed signature
// service provider (the national root CA chain): documents it signs verify as unaltered, but the
// signer is nobody's legal identity and no one trusts the certificate unless they add it to their
// trust store by hand. Configure a real PEM or PKCS#11 key for production.
//
// A folder holding only one of the two files is an error, never overwritten: the key may be the
// only copy of one that signed documents.
func EnsureLocalSigner(dir, commonName, organization string) (Signer, error) {
	certPath := filepath.Join(dir, LocalSignerCertFile)
	keyPath := filepath.Join(dir, LocalSignerKeyFile)
	certOK, keyOK := fileExists(certPath), fileExists(keyPath)
	switch {
	case certOK && keyOK:
		return LoadPEM(certPath, keyPath)
	case certOK || keyOK:
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner(%s): only one of %s and %s exists; restore the other or remove both", dir, LocalSignerCertFile, LocalSignerKeyFile)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:         commonName,
			Organization:       []string{organization},
			OrganizationalUnit: []string{"Khóa thử nghiệm, không có giá trị pháp lý (demo key, no legal value)"},
			Country:            []string{"VN"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true, // its own root, so a trust store can hold it
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	// Both files are written whole under temporary names first. The key is published with a hard
	// link, which fails if another process got there first; the loser then loads the winner's pair.
	keyTmp, err := writeTempFile(dir, LocalSignerKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return Signer{}, err
	}
	defer os.Remove(keyTmp)
	certTmp, err := writeTempFile(dir, LocalSignerCertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	if err != nil {
		return Signer{}, err
	}
	defer os.Remove(certTmp)
	if err := os.Link(keyTmp, keyPath); err != nil {
		if !errors.Is(err, os.ErrExist) {
			return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
		}
		for range 50 { // the winner renames its certificate right after linking its key
			if fileExists(certPath) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		return LoadPEM(certPath, keyPath)
	}
	if err := os.Rename(certTmp, certPath); err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	return LoadPEM(certPath, keyPath)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// writeTempFile writes b to a new 0600 file in dir, synced to disk, and returns its path.
func writeTempFile(dir, name string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	return f.Name(), nil
}
