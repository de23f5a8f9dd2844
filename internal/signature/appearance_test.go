package signature

import (
	"strings"
	"testing"
	"time"
)

// The leader's signature in the signer's block, then the agency's seal over its left third: both
// verify, the seal's rectangle overlaps the block by a third of its width, times are ISO 8601 +07:00.
func TestDecree30Appearances(t *testing.T) {
	p := getPKI(t)
	trust, _ := trustRoot(t, p)
	at := time.Date(2026, 1, 15, 2, 30, 0, 0, time.UTC)
	if got := ISOTime(at); got != "2026-01-15T09:30:00+07:00" {
		t.Fatalf("ISOTime = %q", got)
	}
	leaderApp, err := LeaderAppearance(nil, "Nguyễn Văn Bình", at)
	if err != nil {
		t.Fatal(err)
	}
	sealApp, err := SealAppearance("UBND xã Đăk Ơ")
	if err != nil {
		t.Fatal(err)
	}
	b, s := SignerBlock(595, 842), SealPlace(595, 842)
	if b[2] > 595 || b[0] < 595/2 || b[1] < 0 || b[3] > 842/2 {
		t.Errorf("signer's block %v is not in the lower right of an A4 page", b)
	}
	if overlap := s[2] - b[0]; overlap < (b[2]-b[0])/3-1 || overlap > (b[2]-b[0])/3+1 || s[0] < 0 {
		t.Errorf("seal %v overlaps block %v by %.1f pt, want a third", s, b, overlap)
	}
	leader, err := SignPDF(testPDF(t), p.rsa, PDFSignOptions{Name: "Nguyễn Văn Bình", Time: at, Approval: true, Appearance: leaderApp})
	if err != nil {
		t.Fatal(err)
	}
	both, err := SignPDF(leader, p.ecdsa, PDFSignOptions{Name: "UBND xã Đăk Ơ", Time: at.Add(time.Minute), Approval: true, Appearance: sealApp})
	if err != nil {
		t.Fatal(err)
	}
	r, err := VerifyPDF(both, trust)
	if err != nil || !r.OK || len(r.Signatures) != 2 || !r.Signatures[1].CoversWholeFile {
		t.Fatalf("VerifyPDF = %+v, %v", r, err)
	}
	if strings.Count(string(both), "/Subtype /Widget") < 2 {
		t.Error("the signatures are not visible")
	}
	if _, err := SignPDF([]byte("not a pdf"), p.rsa, PDFSignOptions{Appearance: leaderApp}); err == nil {
		t.Error("signed something that is not a PDF")
	}
}
