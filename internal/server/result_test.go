package server_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/office"
	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/vn"
)

// TestResultIsSigned issues a result through a node: the stored result carries the agency's PAdES
// signature over the whole file, and a non-PDF result is stored as it is, unsigned.
func TestResultIsSigned(t *testing.T) {
	n := newNode(t)
	ctx := context.Background()
	officer := &auth.Principal{Kind: auth.KindUser, ID: "motcua", Name: "Trần Thị Mai", Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}}
	d, err := n.Dossiers.Submit(ctx, officer, dossier.Submission{Instance: "1.001612.000.00.04.H36", Applicant: dossier.Applicant{Name: "Nguyễn Văn An"}, AcceptNow: true})
	if err != nil {
		t.Fatal(err)
	}
	doc := pdf.New(pdf.Meta{Title: "Giấy chứng nhận"})
	doc.Title("Giấy chứng nhận đăng ký doanh nghiệp", "")
	body, err := doc.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d, err = n.Dossiers.Process(ctx, officer, d.Code, "", []dossier.Result{{Name: "giay-chung-nhan.pdf", Body: body}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != vn.DossierProcessed {
		t.Fatalf("status %d", d.Status)
	}
	f := d.Files[len(d.Files)-1]
	if !f.Signed {
		t.Fatalf("the result is not marked signed: %+v", f)
	}
	_, rc, err := n.Dossiers.OpenFile(ctx, officer, d.Code, f.Position)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(rc)
	rc.Close()
	if bytes.Equal(stored, body) {
		t.Fatal("the stored result is the unsigned upload")
	}
	rep, err := signature.VerifyPDF(stored, signature.NewTrustStore())
	if err != nil {
		t.Fatal(err)
	}
	// The demo key is self-signed, so the signature is valid but not trusted.
	if len(rep.Signatures) != 1 || !rep.Signatures[0].Valid || !rep.Signatures[0].CoversWholeFile || rep.HasProblem("altered") {
		t.Errorf("verification report %+v", rep)
	}

	// An already signed PDF (an e-certified copy) is kept byte for byte, not signed again.
	d2, err := n.Dossiers.Submit(ctx, officer, dossier.Submission{Instance: "1.001612.000.00.04.H36", Applicant: dossier.Applicant{Name: "Lê Thị Hoa"}, AcceptNow: true})
	if err != nil {
		t.Fatal(err)
	}
	d2, err = n.Dossiers.Process(ctx, officer, d2.Code, "", []dossier.Result{{Name: "ban-sao.pdf", Body: stored}})
	if err != nil {
		t.Fatal(err)
	}
	f2 := d2.Files[len(d2.Files)-1]
	if f2.SHA256 != f.SHA256 || !f2.Signed {
		t.Errorf("a signed PDF was changed or not recognised: %+v, first %+v", f2, f)
	}
}

// TestOfficeSignsWithPAdES takes a draft through review and approval to the sign step on a node:
// the stored main PDF then carries the agency's PAdES signature over the whole file.
func TestOfficeSignsWithPAdES(t *testing.T) {
	n := newNode(t)
	ctx := context.Background()
	admin := &auth.Principal{Kind: auth.KindUser, ID: "lanhdao", Name: "Phạm Minh Đức", Grants: []auth.Grant{{Role: auth.Admin, Agency: "000.00.00.H36"}}}
	doc := pdf.New(pdf.Meta{Title: "Quyết định"})
	doc.Title("Quyết định", "về việc phê duyệt kế hoạch chuyển đổi số")
	body, err := doc.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	draft, err := n.Office.CreateDraft(ctx, admin, office.DraftInput{Agency: "000.00.00.H36", Type: "QĐ", Subject: "Phê duyệt kế hoạch",
		SignerName: "Phạm Minh Đức", SignerTitle: "Chủ tịch", Main: &office.Upload{Name: "qd.pdf", Body: bytes.NewReader(body)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []office.OutStatus{office.Submitted, office.Approved, office.Signed} {
		if _, err := n.Office.Transition(ctx, admin, draft.ID, office.Change{To: to}); err != nil {
			t.Fatalf("→ %s: %v", to, err)
		}
	}
	rc, _, err := n.Office.OpenFile(ctx, admin, office.KindOutgoing, draft.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := io.ReadAll(rc)
	rc.Close()
	rep, err := signature.VerifyPDF(signed, signature.NewTrustStore())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 1 || !rep.Signatures[0].Valid || !rep.Signatures[0].CoversWholeFile || rep.Signatures[0].Name != "Phạm Minh Đức" {
		t.Errorf("the signed main file: %+v", rep)
	}
}
