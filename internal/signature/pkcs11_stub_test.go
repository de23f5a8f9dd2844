//go:build !pkcs11

package signature

import (
	"strings"
	"testing"
)

// TestPKCS11Stub checks that a build without the pkcs11 tag says how to get PKCS#11 support.
func TestPKCS11Stub(t *testing.T) {
	_, closer, err := OpenPKCS11(PKCS11Config{Module: "/usr/lib/softhsm/libsofthsm2.so", TokenLabel: "t", PIN: "1234", KeyLabel: "k"})
	if err == nil || closer != nil || !strings.Contains(err.Error(), "-tags pkcs11") {
		t.Errorf("OpenPKCS11 = closer %v, error %v; want no closer and an error naming -tags pkcs11", closer, err)
	}
}
