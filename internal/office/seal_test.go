package office_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/office"
	pdfdoc "github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/signature/signaturetest"
)

// TestLeaderThenAgencySignature wires the hooks as the server does: the leader's personal visible
// signature at the sign step, the agency's seal signature at issue. The issued PDF carries both, in
// that order, the second covering the whole file; a main file that is not a PDF cannot be signed.
func TestLeaderThenAgencySignature(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, agencyKey := signaturetest.PKI(t, "UBND tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
		f := newFixture(t, d, office.Options{
			Keys: office.FileKeys{Dir: t.TempDir()},
			SignPDF: func(ctx context.Context, r office.SignRequest) ([]byte, error) {
				if r.Personal == nil {
					return nil, errs.New(errs.Invalid, "no personal key")
				}
				s, err := signature.ParsePEM(r.Personal.CertPEM, r.Personal.KeyPEM)
				if err != nil {
					return nil, err
				}
				app, err := signature.LeaderAppearance(r.Personal.Image, r.SignerName, r.At)
				if err != nil {
					return nil, err
				}
				return signature.SignPDF(r.PDF, s, signature.PDFSignOptions{Name: r.SignerName, Reason: r.SignerTitle, Time: r.At, Approval: true, Appearance: app})
			},
			SealPDF: func(ctx context.Context, r office.SignRequest) ([]byte, error) {
				app, err := signature.SealAppearance(r.AgencyName)
				if err != nil {
					return nil, err
				}
				return signature.SignPDF(r.PDF, agencyKey, signature.PDFSignOptions{Name: r.AgencyName, Time: r.At, Approval: true, Appearance: app})
			},
		})
		ctx := context.Background()
		cert, key := personalCert(t, "Trần Văn Bình", monday.AddDate(0, -1, 0), monday.AddDate(1, 0, 0))
		if _, err := f.svc.RegisterSigningKey(ctx, leaderLD, office.KeyRegistration{Agency: ubndLD, CertPEM: cert, KeyPEM: key}); err != nil {
			t.Fatal(err)
		}

		doc := pdfdoc.New(pdfdoc.Meta{Title: "Quyết định", Author: "UBND tỉnh Lâm Đồng", Created: monday})
		doc.Title("QUYẾT ĐỊNH", "Về việc phê duyệt kế hoạch")
		doc.Paragraph("Phê duyệt kế hoạch chuyển đổi số năm 2027.")
		body, err := doc.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		in := decision("Về việc phê duyệt kế hoạch")
		in.Main = &office.Upload{Name: "qd.pdf", Body: bytes.NewReader(body)}
		o := signed(t, f, in)
		o, err = f.svc.Issue(ctx, clerkLD, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Issue(ctx, clerkLD, o.ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("issued twice: %v", err)
		}
		rc, _, err := f.svc.OpenFile(ctx, clerkLD, office.KindOutgoing, o.ID, o.Files[0].Position)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(rc)
		rc.Close()
		rep, err := signature.VerifyPDF(out, nil)
		if err != nil || len(rep.Signatures) != 2 {
			t.Fatalf("VerifyPDF = %+v, %v", rep, err)
		}
		if rep.Signatures[0].Name != "Trần Văn Bình" || rep.Signatures[1].Name != o.AgencyName || !rep.Signatures[1].CoversWholeFile {
			t.Fatalf("signatures: %+v", rep.Signatures)
		}
		if strings.Count(string(out), "/Subtype /Widget") < 2 {
			t.Error("the signatures are not visible")
		}

		// Figures: one document signed digitally, one on paper; one leader with a valid certificate.
		p, err := f.svc.CreateDraft(ctx, drafterLD, paperOnly("Ký tay"))
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []struct {
			by *auth.Principal
			c  office.Change
		}{{drafterLD, office.Change{To: office.Submitted}}, {leaderLD, office.Change{To: office.Approved}}, {leaderLD, office.Change{To: office.Signed, Method: office.SignedOnPaper}}, {clerkLD, office.Change{To: office.Issued}}} {
			if p, err = f.svc.Transition(ctx, st.by, p.ID, st.c); err != nil {
				t.Fatalf("%s: %v", st.c.To, err)
			}
		}
		fig, err := f.svc.SignatureFigures(ctx, leaderLD, ubndLD, 2026)
		if err != nil || len(fig.Agencies) != 1 || len(fig.Levels) != 1 || len(fig.Provinces) != 1 {
			t.Fatalf("SignatureFigures = %+v, %v", fig, err)
		}
		if a := fig.Agencies[0]; a.Agency != ubndLD || a.Issued != 2 || a.Signed != 1 || a.Percent != 50 || a.Leaders != 1 || fig.Provinces[0].Province != ubndLD || fig.Levels[0].Issued != 2 {
			t.Fatalf("figures: %+v", fig)
		}
		if _, err := f.svc.SignatureFigures(ctx, leaderDL, ubndLD, 2026); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("another province read the figures: %v", err)
		}
		if _, err := f.svc.RevokeSigningKey(ctx, leaderLD, leaderLD.ID, "thôi giữ chức vụ"); err != nil {
			t.Fatal(err)
		}
		if fig, _ = f.svc.SignatureFigures(ctx, leaderLD, ubndLD, 2026); fig.Agencies[0].Leaders != 0 {
			t.Fatalf("a revoked certificate still counts: %+v", fig.Agencies[0])
		}
		if _, err := f.svc.RegisterSigningKey(ctx, leaderLD, office.KeyRegistration{Agency: ubndLD, CertPEM: cert, KeyPEM: key}); err != nil {
			t.Fatal(err)
		}

		// A main file that is not a PDF (only its name says so) is refused at the sign step.
		bad := decision("Tệp không phải PDF")
		bad.Main = &office.Upload{Name: "gia.pdf", Body: strings.NewReader("%PDF-1.7\nthis is not really a pdf\n")}
		x, err := f.svc.CreateDraft(ctx, drafterLD, bad)
		if err != nil {
			t.Skipf("the upload check already refuses it: %v", err)
		}
		x, _ = f.svc.Transition(ctx, drafterLD, x.ID, office.Change{To: office.Submitted})
		x, _ = f.svc.Transition(ctx, leaderLD, x.ID, office.Change{To: office.Approved})
		if _, err := f.svc.Transition(ctx, leaderLD, x.ID, office.Change{To: office.Signed, Method: office.SignedDigitally}); err == nil {
			t.Fatal("signed a file that is not a PDF")
		}
		if after, _ := f.svc.GetOutgoing(ctx, leaderLD, x.ID); after.Status != office.Approved {
			t.Fatalf("status after a failed signature: %s", after.Status)
		}
	})
}
