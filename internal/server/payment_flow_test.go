package server_test

import (
	"context"
	"testing"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/payment"
	"github.com/lienthong/lienthong/internal/vn"
)

// Paying a dossier's fees moves the dossier on: the officer asks for payment (status 6), the bank's
// signed notification arrives (twice), the paid job runs, and the dossier is back where it was,
// counted once.
func TestPaidBillMovesDossierOn(t *testing.T) {
	n := newNode(t) // gateway "bank" with the access table's secret
	ctx := context.Background()
	officer := &auth.Principal{Kind: auth.KindUser, ID: "motcua", Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}}
	d, err := n.Dossiers.Submit(ctx, officer, dossier.Submission{Instance: "1.001612.000.00.04.H36",
		Applicant: dossier.Applicant{Name: "Nguyễn Văn An"}, AcceptNow: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Dossiers.Transition(ctx, officer, d.Code, dossier.Change{To: vn.DossierPaymentRequested}); err != nil {
		t.Fatal(err)
	}
	bill, err := n.Payments.CreateBill(ctx, payment.BillInput{DossierCode: d.Code, AgencyCode: "000.00.00.H36", PayerName: "Nguyễn Văn An",
		Lines: []payment.Line{{Kind: "le_phi", Name: "Lệ phí đăng ký", Amount: 100000}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.Payments.CreatePayment(ctx, bill.Code, "bank", "click-1")
	if err != nil {
		t.Fatal(err)
	}
	bank := payment.HMACGateway{ID: "bank", Secret: []byte("access-table-bank-secret")}
	note := payment.Notification{Gateway: "bank", ID: "N-1", PaymentID: p.ID, Amount: p.Amount, Currency: "VND", Outcome: "success", TxnRef: "VCB-1"}
	if note.Signature, err = bank.Sign(note); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the bank repeats itself
		if _, err := n.Payments.ApplyNotification(ctx, note); err != nil {
			t.Fatal(err)
		}
	}
	ran, err := n.Payments.RunPaidOnce(ctx, n.Jobs)
	if err != nil || ran != 1 {
		t.Fatalf("paid jobs run: %d, %v; want 1", ran, err)
	}
	after, err := n.Dossiers.Get(ctx, auth.System, d.Code)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != vn.DossierAccepted {
		t.Errorf("dossier status after payment = %d, want %d (back where it was)", after.Status, vn.DossierAccepted)
	}
	b, err := n.Payments.Bill(ctx, bill.Code)
	if err != nil || b.Paid != 100000 || b.Status != "paid" {
		t.Errorf("bill after two notifications: %+v %v; want paid once", b, err)
	}
}
