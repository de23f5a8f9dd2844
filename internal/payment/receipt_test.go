package payment

import (
	"context"
	"fmt"
	"testing"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
)

func TestReceiptsSignedAndNumbered(t *testing.T) {
	key, err := signature.EnsureLocalSigner(t.TempDir(), "UBND tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
	if err != nil {
		t.Fatal(err)
	}
	trust := signature.NewTrustStore()
	trust.AddCert(key.Chain[len(key.Chain)-1])
	signer := func(ctx context.Context, agency string) (signature.Signer, error) { return key, nil }
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSvc(t, d, nil)
		var labels []string
		for i := 0; i < 3; i++ {
			b := bill(t, s)
			p, _ := s.CreatePayment(ctx, b.Code, "bank", fmt.Sprint("r", i))
			if i == 0 {
				if _, err := s.IssueReceipt(ctx, p.ID, signer); !errs.Is(err, errs.Conflict) {
					t.Fatalf("receipt before payment: %v", err)
				}
			}
			if _, err := s.ApplyNotification(ctx, signed(t, bank, Notification{ID: fmt.Sprint("n", i), PaymentID: p.ID, Amount: p.Amount, Currency: "VND", Outcome: "success"})); err != nil {
				t.Fatal(err)
			}
			rc, err := s.IssueReceipt(ctx, p.ID, signer)
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.IssueReceipt(ctx, p.ID, signer)
			if err != nil || again.Number != rc.Number {
				t.Fatalf("second issue: %+v %v", again.Label, err)
			}
			rep, err := signature.VerifyPDF(rc.PDF, trust)
			if err != nil || !rep.OK {
				t.Fatalf("VerifyPDF: %v %+v", err, rep)
			}
			labels = append(labels, rc.Label)
		}
		if labels[0][len(labels[0])-6:] != "000001" || labels[2][len(labels[2])-6:] != "000003" {
			t.Fatalf("numbers not gapless: %v", labels)
		}
	})
}
