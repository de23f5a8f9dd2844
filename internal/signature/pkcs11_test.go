//go:build pkcs11

package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ThalesGroup/crypto11"
)

const (
	testPIN   = "1234"
	testSOPIN = "5678"
)

// softHSM is a SoftHSM2 installation whose tokens live in a test's temp dir.
type softHSM struct {
	util, module, dir string
}

// softHSMModules are where Debian, Ubuntu, Fedora and a source build put the SoftHSM2 module.
var softHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

// newSoftHSM points SoftHSM2 at a fresh token directory for the rest of the test. It skips the test
// when SoftHSM2 is missing, unless LIENTHONG_TEST_REQUIRE is set.
func newSoftHSM(t *testing.T) *softHSM {
	t.Helper()
	h := &softHSM{util: tool(t, "softhsm2-util"), dir: t.TempDir()}
	for _, m := range softHSMModules {
		if _, err := os.Stat(m); err == nil {
			h.module = m
			break
		}
	}
	if h.module == "" {
		if os.Getenv("LIENTHONG_TEST_REQUIRE") != "" {
			t.Fatalf("the SoftHSM2 module is required (LIENTHONG_TEST_REQUIRE is set) but is in none of %q", softHSMModules)
		}
		t.Skipf("the SoftHSM2 module is in none of %q", softHSMModules)
	}
	tokens := filepath.Join(h.dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	// Both softhsm2-util and the module, loaded into this process by OpenPKCS11, read SOFTHSM2_CONF;
	// the module reads it when it is initialized, which crypto11 does again once every context using
	// it is closed.
	t.Setenv("SOFTHSM2_CONF", writeTemp(t, h.dir, "softhsm2.conf", []byte(conf)))
	return h
}

func (h *softHSM) initToken(t *testing.T, token string) {
	t.Helper()
	run(t, h.util, "--init-token", "--free", "--label", token, "--pin", testPIN, "--so-pin", testSOPIN)
}

// importKey imports s's private key (softhsm2-util stores the public half beside it) under label and
// the hexadecimal CKA_ID id.
func (h *softHSM) importKey(t *testing.T, token, label, id string, s Signer) {
	t.Helper()
	_, keyFile := writeSigner(t, t.TempDir(), "key", s)
	run(t, h.util, "--import", keyFile, "--token", token, "--label", label, "--id", id, "--pin", testPIN)
}

// importCert stores a certificate object under label and the hexadecimal CKA_ID id.
func (h *softHSM) importCert(t *testing.T, token, label, id string, c *x509.Certificate) {
	t.Helper()
	ctx, err := crypto11.Configure(&crypto11.Config{Path: h.module, TokenLabel: token, Pin: testPIN})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	rawID, err := hex.DecodeString(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctx.ImportCertificateWithLabel(rawID, []byte(label), c); err != nil {
		t.Fatalf("importing the certificate %q: %v", label, err)
	}
}

// open calls OpenPKCS11 and closes the token at the end of the test.
func (h *softHSM) open(t *testing.T, cfg PKCS11Config) Signer {
	t.Helper()
	s, closer, err := OpenPKCS11(cfg)
	if err != nil {
		t.Fatalf("OpenPKCS11: %v", err)
	}
	t.Cleanup(func() {
		if err := closer.Close(); err != nil {
			t.Errorf("closing the token: %v", err)
		}
	})
	return s
}

func newECKey(t *testing.T) Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Signer{Key: k}
}

// TestPKCS11SignEdXML signs an edXML package with ECDSA P-256 and RSA keys held by a SoftHSM2 token and
// checks the signatures with Verify and, where it is installed, xmlsec1.
func TestPKCS11SignEdXML(t *testing.T) {
	h := newSoftHSM(t)
	p := getPKI(t)
	ts, caFile := trustRoot(t, p)
	h.initToken(t, "lt-test")
	h.importKey(t, "lt-test", "signer", "01", p.ecdsa)
	h.importCert(t, "lt-test", "signer", "01", p.ecdsa.Chain[0])
	// The RSA certificate has another label, so it is found by CKA_ID.
	h.importKey(t, "lt-test", "signer-rsa", "02", p.rsa)
	h.importCert(t, "lt-test", "Văn thư UBND tỉnh Kon Tum", "02", p.rsa.Chain[0])

	doc := readTestdata(t, "unsigned.edxml")
	xmlsec, _ := exec.LookPath("xmlsec1")
	for _, tc := range []struct {
		name, keyLabel string
		want           Signer
		alg            string
	}{
		{"ecdsa, certificate by label", "signer", p.ecdsa, "ecdsa-sha256"},
		{"rsa, certificate by ID", "signer-rsa", p.rsa, "rsa-sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := h.open(t, PKCS11Config{Module: h.module, TokenLabel: "lt-test", PIN: testPIN, KeyLabel: tc.keyLabel})
			if len(s.Chain) != 1 || !s.Chain[0].Equal(tc.want.Chain[0]) {
				t.Fatalf("the chain is not the token's certificate %q", tc.want.Chain[0].Subject.CommonName)
			}
			if !tc.want.Key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(s.Key.Public()) {
				t.Fatal("the token key's public key is not the imported key's")
			}
			if _, ok := s.Key.(interface{ Delete() error }); ok {
				t.Error("the key exposes crypto11's Delete")
			}

			signed := mustSign(t, doc, s, EdXMLSignOptions())
			r := mustVerify(t, signed, ts, VerifyOptions{})
			if !r.Valid || !r.Trusted || r.Weak || len(r.Problems) > 0 {
				t.Errorf("Valid %v Trusted %v Weak %v, problems %q", r.Valid, r.Trusted, r.Weak, r.Problems)
			}
			if r.Algorithm != tc.alg || r.Signer.SHA256 != fingerprint(tc.want.Chain[0].Raw) {
				t.Errorf("algorithm %s, signer %s; want %s, %s", r.Algorithm, r.Signer.CommonName, tc.alg, tc.want.Chain[0].Subject.CommonName)
			}
			for _, change := range tamperings {
				if _, err := Verify(bytes.NewReader(change.apply(t, signed)), ts, VerifyOptions{}); ErrorCode(err) != CodeDigestMismatch {
					t.Errorf("%s: Verify error %v, want digest_mismatch", change.name, err)
				}
			}
			if xmlsec != "" {
				if ok, out := xmlsecVerify(t, xmlsec, t.TempDir(), signed, caFile); !ok {
					t.Errorf("xmlsec1 refused the token's signature:\n%s", out)
				}
			} else {
				t.Log("xmlsec1 not installed: checked with Verify only")
			}

			// The key is documented as safe for concurrent use: crypto11 gives each signature its own
			// session.
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() {
					var out bytes.Buffer
					errs[i] = SignEnveloped(&out, bytesSource(doc), s, EdXMLSignOptions())
					if errs[i] == nil {
						_, errs[i] = Verify(&out, ts, VerifyOptions{})
					}
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Errorf("concurrent signing: %v", err)
			}
		})
	}
}

// TestPKCS11OnlyKey checks that an empty KeyLabel picks a token's only key pair.
func TestPKCS11OnlyKey(t *testing.T) {
	h := newSoftHSM(t)
	p := getPKI(t)
	h.initToken(t, "lt-single")
	h.importKey(t, "lt-single", "chu-ky-so", "0a", p.ecdsa)
	h.importCert(t, "lt-single", "chu-ky-so", "0a", p.ecdsa.Chain[0])
	s := h.open(t, PKCS11Config{Module: h.module, TokenLabel: "lt-single", PIN: testPIN})
	if !s.Chain[0].Equal(p.ecdsa.Chain[0]) {
		t.Errorf("certificate %q, want %q", s.Chain[0].Subject.CommonName, p.ecdsa.Chain[0].Subject.CommonName)
	}
}

// TestPKCS11Errors checks that OpenPKCS11 says what is wrong with a configuration or a token.
func TestPKCS11Errors(t *testing.T) {
	h := newSoftHSM(t)
	p := getPKI(t)
	h.initToken(t, "lt-test")
	h.importKey(t, "lt-test", "signer", "01", p.ecdsa)
	h.importCert(t, "lt-test", "signer", "01", p.ecdsa.Chain[0])
	h.importKey(t, "lt-test", "no-cert", "03", newECKey(t))
	// A certificate that belongs to another key, stored under this key's label and ID.
	h.importKey(t, "lt-test", "wrong-cert", "04", newECKey(t))
	h.importCert(t, "lt-test", "wrong-cert", "04", p.ecdsa.Chain[0])

	good := PKCS11Config{Module: h.module, TokenLabel: "lt-test", PIN: testPIN, KeyLabel: "signer"}
	for _, tc := range []struct {
		name   string
		change func(*PKCS11Config)
		code   string // the *Error code, or "" for an operational error
		text   string // a part of the message
	}{
		{"no module", func(c *PKCS11Config) { c.Module = "" }, "", "module path and the token label are required"},
		{"missing module", func(c *PKCS11Config) { c.Module = filepath.Join(h.dir, "nope.so") }, "", "no such file"},
		{"unknown token", func(c *PKCS11Config) { c.TokenLabel = "nope" }, "", "could not find PKCS#11 token"},
		{"wrong PIN", func(c *PKCS11Config) { c.PIN = "0000" }, "", "CKR_PIN_INCORRECT"},
		{"unknown key", func(c *PKCS11Config) { c.KeyLabel = "nope" }, CodeBadKey, `no key pair labelled "nope"`},
		{"several keys, no label", func(c *PKCS11Config) { c.KeyLabel = "" }, CodeBadKey, "holds 3 key pairs"},
		{"no certificate", func(c *PKCS11Config) { c.KeyLabel = "no-cert" }, CodeBadKey, "no certificate on the token"},
		{"certificate of another key", func(c *PKCS11Config) { c.KeyLabel = "wrong-cert" }, CodeBadKey, "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			s, closer, err := OpenPKCS11(cfg)
			if err == nil {
				closer.Close()
				t.Fatalf("OpenPKCS11 opened %q", s.Chain[0].Subject.CommonName)
			}
			if closer != nil {
				t.Error("a closer came with the error")
			}
			if ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q (code %q), want code %q and %q", err, ErrorCode(err), tc.code, tc.text)
			}
			if tc.name == "missing module" && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %v is not fs.ErrNotExist", err)
			}
			if strings.Contains(err.Error(), cfg.PIN) {
				t.Errorf("the error shows the PIN: %v", err)
			}
		})
	}
	// Every failed open closed what it had opened: the token still opens and signs.
	s := h.open(t, good)
	if _, err := s.Key.Sign(rand.Reader, make([]byte, 32), crypto.SHA256); err != nil {
		t.Errorf("signing after the failed opens: %v", err)
	}
}
