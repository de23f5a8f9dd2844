//go:build pkcs11

package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ThalesGroup/crypto11"
)

// OpenPKCS11 logs in to a PKCS#11 token and returns a Signer for the private key cfg names, with the
// certificate stored on the token under the key's label or, failing that, its CKA_ID. The key never
// leaves the token: Signer.Key asks the token for each signature (RSA PKCS#1 v1.5 or ECDSA). The
// Chain holds only that certificate; a caller with intermediate CA certificates appends them.
//
// The io.Closer logs out and unloads the module when it is the last user; the Signer must not be used
// after it is closed. The Signer is safe for concurrent use.
//
// This function needs cgo and the build tag pkcs11; without the tag it only returns an error.
func OpenPKCS11(cfg PKCS11Config) (Signer, io.Closer, error) {
	if cfg.Module == "" || cfg.TokenLabel == "" {
		return Signer{}, nil, fmt.Errorf("signature.OpenPKCS11: the module path and the token label are required")
	}
	if strings.ContainsRune(cfg.Module, os.PathSeparator) {
		// The module loader reports a missing or unloadable library without saying why.
		if _, err := os.Stat(cfg.Module); err != nil {
			return Signer{}, nil, fmt.Errorf("signature.OpenPKCS11: PKCS#11 module: %w", err)
		}
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.PIN})
	if err != nil {
		return Signer{}, nil, fmt.Errorf("signature.OpenPKCS11(%s, token %q): %w", cfg.Module, cfg.TokenLabel, err)
	}
	s, err := tokenSigner(ctx, cfg.KeyLabel)
	if err != nil {
		ctx.Close()
		return Signer{}, nil, fmt.Errorf("signature.OpenPKCS11(token %q): %w", cfg.TokenLabel, err)
	}
	return s, ctx, nil
}

// tokenKey is a key in a token, reduced to crypto.Signer so that no caller can reach crypto11's
// Delete through a type assertion.
type tokenKey struct{ crypto.Signer }

// tokenSigner finds the key pair labelled label (the only one when label is empty) and its certificate.
func tokenSigner(ctx *crypto11.Context, label string) (Signer, error) {
	var (
		keys []crypto11.Signer
		err  error
	)
	if label != "" {
		keys, err = ctx.FindKeyPairs(nil, []byte(label))
	} else {
		keys, err = ctx.FindAllKeyPairs()
	}
	if err != nil {
		return Signer{}, fmt.Errorf("finding the key: %w", err)
	}
	switch {
	case len(keys) == 0 && label == "":
		return Signer{}, errorf(CodeBadKey, "the token holds no key pair")
	case len(keys) == 0:
		// crypto11 leaves out a private key with neither a public key object nor a certificate of the
		// same CKA_ID, since it cannot tell its public key.
		return Signer{}, errorf(CodeBadKey, "no key pair labelled %q on the token (a private key needs its public key or certificate beside it)", label)
	case len(keys) > 1 && label == "":
		return Signer{}, errorf(CodeBadKey, "the token holds %d key pairs: set the key label", len(keys))
	case len(keys) > 1:
		return Signer{}, errorf(CodeBadKey, "%d key pairs on the token are labelled %q", len(keys), label)
	}
	key := keys[0]
	switch key.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return Signer{}, errorf(CodeUnsupportedAlgorithm, "%T keys are not supported; use RSA or ECDSA", key.Public())
	}
	attrs, err := ctx.GetAttributes(key, []crypto11.AttributeType{crypto11.CkaId, crypto11.CkaLabel})
	if err != nil {
		return Signer{}, fmt.Errorf("reading the key's attributes: %w", err)
	}
	var id, keyLabel []byte
	if a := attrs[crypto11.CkaId]; a != nil {
		id = a.Value
	}
	if a := attrs[crypto11.CkaLabel]; a != nil {
		keyLabel = a.Value
	}
	cert, err := tokenCertificate(ctx, key.Public(), id, keyLabel)
	if err != nil {
		return Signer{}, err
	}
	return Signer{Key: tokenKey{key}, Chain: []*x509.Certificate{cert}}, nil
}

// tokenCertificate returns the certificate object with the key's label, or else with its CKA_ID, whose
// public key is pub.
func tokenCertificate(ctx *crypto11.Context, pub crypto.PublicKey, id, label []byte) (*x509.Certificate, error) {
	type lookup struct{ id, label []byte }
	var lookups []lookup
	if len(label) > 0 {
		lookups = append(lookups, lookup{label: label})
	}
	if len(id) > 0 {
		lookups = append(lookups, lookup{id: id})
	}
	var mismatch *x509.Certificate
	for _, l := range lookups {
		c, err := ctx.FindCertificate(l.id, l.label, nil)
		if err != nil {
			return nil, fmt.Errorf("finding the certificate: %w", err)
		}
		if c == nil {
			continue
		}
		if k, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); ok && k.Equal(c.PublicKey) {
			return c, nil
		}
		mismatch = c
	}
	if mismatch != nil {
		return nil, errorf(CodeBadKey, "the certificate %q stored with the key does not match it", mismatch.Subject.CommonName)
	}
	return nil, errorf(CodeBadKey, "no certificate on the token with the key's label %q or ID %x", label, id)
}
