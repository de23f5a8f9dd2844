package axis_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/signature/signaturetest"
)

func TestSignedPackages(t *testing.T) {
	ctx := context.Background()
	ca, signer := signaturetest.PKI(t, "Sở Nội vụ tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
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
			rc, err := ax.Send(ctx, client, bytes.NewReader(signaturetest.SignEdXML(t, signer, doc("A"))))
			if err != nil {
				t.Fatal(err)
			}
			if rc.Signature.State != "valid" || !strings.Contains(rc.Signature.Signer, "Sở Nội vụ") {
				t.Errorf("signed package: %+v", rc.Signature)
			}
			tampered := signaturetest.SignEdXML(t, signer, doc("B"))
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
