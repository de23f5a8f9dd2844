package axis_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
)

// testPKI makes a CA and a signing certificate issued by it.
func testPKI(t *testing.T) (*x509.Certificate, signature.Signer) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root CA", Organization: []string{"Ban Cơ yếu Chính phủ (test)"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Sở Nội vụ tỉnh Lâm Đồng", Organization: []string{"UBND tỉnh Lâm Đồng"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return ca, signature.Signer{Key: key, Chain: []*x509.Certificate{leaf}}
}

func sign(t *testing.T, s signature.Signer, pkg []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	err := signature.SignEnveloped(&out, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pkg)), nil }, s, signature.EdXMLSignOptions())
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestSignedPackages(t *testing.T) {
	ctx := context.Background()
	ca, signer := testPKI(t)
	trust := signature.NewTrustStore()
	trust.AddCert(ca)
	for _, policy := range []axis.SignaturePolicy{axis.FlagSignature, axis.RequireSignature} {
		t.Run(string(policy), func(t *testing.T) {
			d := dbtest.SQLite(t)
			reg, _ := agency.NewRegistry(ctx, d)
			rows, _ := agency.ParseCSV(strings.NewReader(registry))
			if _, err := reg.Import(ctx, auth.System, rows); err != nil {
				t.Fatal(err)
			}
			blobs, _ := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
			opt := axis.DefaultOptions()
			opt.Policy = policy
			opt.Verify = axis.SignatureVerifier(trust)
			ax := axis.New(d, blobs, reg, opt)
			defer ax.Close()
			client := &auth.Principal{Kind: auth.KindClient, ID: "c", Agency: "000.00.00.H36", Subtree: true}
			doc := func(id string) []byte {
				return axistest.Document(axistest.Doc{DocumentID: id, From: "000.00.02.H36", To: []string{"000.00.02.H16"}, Attachment: []byte("tệp đính kèm")})
			}
			rc, err := ax.Send(ctx, client, bytes.NewReader(sign(t, signer, doc("A"))))
			if err != nil {
				t.Fatal(err)
			}
			if rc.Signature.State != "valid" || !strings.Contains(rc.Signature.Signer, "Sở Nội vụ") {
				t.Errorf("signed package: %+v", rc.Signature)
			}
			tampered := sign(t, signer, doc("B"))
			i := bytes.Index(tampered, []byte("triển khai"))
			tampered[i] = 'T'
			rc, err = ax.Send(ctx, client, bytes.NewReader(tampered))
			if policy == axis.RequireSignature {
				if e := errs.As(err); e.Reason != "bad_signature" {
					t.Errorf("tampered package under require: %v", err)
				}
			} else if err != nil || rc.Signature.State != "invalid" {
				t.Errorf("tampered package under flag: %+v %v", rc, err)
			}
			rc, err = ax.Send(ctx, client, bytes.NewReader(doc("C")))
			if policy == axis.RequireSignature {
				if e := errs.As(err); e.Reason != "unsigned" {
					t.Errorf("unsigned package under require: %v", err)
				}
			} else if err != nil || rc.Signature.State != "unsigned" {
				t.Errorf("unsigned package under flag: %+v %v", rc, err)
			}
		})
	}
}
