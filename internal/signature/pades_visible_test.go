package signature

import (
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/vn"
)

// A leader's visible approval signature followed by the agency's visible signature: both verify,
// the later one covers the whole file, and pdfsig agrees.
func TestSignPDFVisibleLeaderThenAgency(t *testing.T) {
	p := getPKI(t)
	trust, _ := trustRoot(t, p)
	leaderImg, err := pdf.SignatureStamp(nil, []string{"Nguyễn Văn Bình", "2026-01-15T09:30:00+07:00"}, 170, 70)
	if err != nil {
		t.Fatal(err)
	}
	sealImg, err := pdf.SealStamp("UBND xã Đăk Ơ", 90)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 15, 9, 30, 0, 0, vn.ICT)
	var placedW, placedH float64
	leader, err := SignPDF(testPDF(t), p.rsa, PDFSignOptions{Name: "Nguyễn Văn Bình", Time: at, Approval: true,
		Appearance: &Appearance{Image: leaderImg, Place: func(w, h float64) [4]float64 {
			placedW, placedH = w, h
			return [4]float64{w - 250, 80, w - 80, 150}
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if placedW < 590 || placedW > 600 || placedH < 840 || placedH > 845 {
		t.Errorf("page size seen by Place = %.1f × %.1f, want A4 (595 × 842)", placedW, placedH)
	}
	both, err := SignPDF(leader, p.ecdsa, PDFSignOptions{Name: "UBND xã Đăk Ơ", Time: at.Add(time.Minute), Approval: true,
		Appearance: &Appearance{Image: sealImg, Place: func(w, h float64) [4]float64 { return [4]float64{w - 280, 70, w - 190, 160} }}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(both), string(leader)) {
		t.Fatal("the agency's signature rewrote the leader's signed bytes")
	}
	r, err := VerifyPDF(both, trust)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || len(r.Signatures) != 2 {
		t.Fatalf("VerifyPDF: %+v", r)
	}
	if r.Signatures[0].Name != "Nguyễn Văn Bình" || r.Signatures[1].Name != "UBND xã Đăk Ơ" || !r.Signatures[1].CoversWholeFile {
		t.Errorf("signatures: %+v", r.Signatures)
	}
	if strings.Count(string(both), "/Subtype /Widget") < 2 || !strings.Contains(string(both), "/AP <<") {
		t.Error("the signatures have no visible widgets")
	}
	out, err := pdfsig(t, both)
	if err != nil || strings.Count(out, "Signature is Valid.") != 2 {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}

	if _, err := SignPDF(testPDF(t), p.rsa, PDFSignOptions{Appearance: &Appearance{Image: leaderImg, Page: 9,
		Place: func(w, h float64) [4]float64 { return [4]float64{0, 0, 10, 10} }}}); err == nil {
		t.Error("a signature on page 9 of a one-page document was accepted")
	}
}
