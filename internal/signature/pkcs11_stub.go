//go:build !pkcs11

package signature

import (
	"errors"
	"io"
)

// OpenPKCS11 would open a key in a PKCS#11 token, but this build has no PKCS#11 support: it always
// returns an error. Build with cgo and -tags pkcs11 for the real one, which loads the token's module.
func OpenPKCS11(cfg PKCS11Config) (Signer, io.Closer, error) {
	return Signer{}, nil, errors.New("signature.OpenPKCS11: this build has no PKCS#11 support: build with -tags pkcs11")
}
