package signature

// This file is built with and without the pkcs11 tag, so that the configuration exists either way
// (pkcs11.go has the real OpenPKCS11, pkcs11_stub.go the one that refuses).

// PKCS11Config names a signing key in a PKCS#11 token (USB token chữ ký số, or an HSM).
type PKCS11Config struct {
	// Module is the path of the token's PKCS#11 library, for example
	// /usr/lib/softhsm/libsofthsm2.so or the vendor's library that came with a USB token.
	Module string
	// TokenLabel selects the token by its label.
	TokenLabel string
	// PIN is the user PIN that logs in to the token.
	PIN string
	// KeyLabel is the CKA_LABEL of the private key. Empty means the token's only key pair.
	KeyLabel string
}
