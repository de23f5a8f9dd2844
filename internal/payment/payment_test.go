package payment

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/jobs"
)

var bank = HMACGateway{ID: "bank", Secret: []byte("test-secret")}

func newSvc(t testing.TB, d *db.DB, paid *atomic.Int32) *Service {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	inter := RSAGateway{ID: "inter", Private: key, Public: &key.PublicKey}
	s := New(d, Options{Gateways: []Gateway{bank, inter}, OnPaid: func(ctx context.Context, code string) error {
		if paid != nil {
			paid.Add(1)
		}
		return nil
	}})
	t.Cleanup(s.Close)
	return s
}

func bill(t testing.TB, s *Service) Bill {
	b, err := s.CreateBill(context.Background(), BillInput{DossierCode: "H36.99-261127-0001", AgencyCode: "000.00.00.H36",
		PayerName: "Nguyễn Văn A", Lines: []Line{{Kind: KindFee, Name: "Phí thẩm định", Amount: 150000},
			{Kind: KindCharge, Name: "Lệ phí cấp", Amount: 50000}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signed(t testing.TB, g Gateway, n Notification) Notification {
	n.Gateway = g.Name()
	sig, err := g.Sign(n)
	if err != nil {
		t.Fatal(err)
	}
	n.Signature = sig
	return n
}

func TestFullPaymentAndBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var paidCalls atomic.Int32
		s := newSvc(t, d, &paidCalls)
		b := bill(t, s)
		if b.Total != 200000 || !strings.HasPrefix(b.Reference, "H36.99-261127-0001") || len(b.Reference) != len("H36.99-261127-0001")+14 {
			t.Fatalf("bill %+v", b)
		}
		for _, gw := range []string{"bank", "inter"} {
			b := bill(t, s)
			g := s.gateways[gw]
			p, err := s.CreatePayment(ctx, b.Code, gw, "click-"+gw)
			if err != nil {
				t.Fatal(err)
			}
			// Double click: the same payment.
			p2, err := s.CreatePayment(ctx, b.Code, gw, "click-"+gw)
			if err != nil || p2.ID != p.ID {
				t.Fatalf("double click: %v %v %v", p2.ID, p.ID, err)
			}
			if err := s.MarkRedirected(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			n := Notification{ID: "N1-" + gw, PaymentID: p.ID, Amount: p.Amount, Currency: "VND", Outcome: "success", TxnRef: "T1"}
			// Forged: signed, then changed.
			forged := signed(t, g, n)
			forged.Outcome = "success"
			forged.TxnRef = "T2"
			if _, err := s.ApplyNotification(ctx, forged); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("forged: %v", err)
			}
			// Wrong amount, wrong currency, unknown payment.
			wrong := n
			wrong.Amount = 1000
			if _, err := s.ApplyNotification(ctx, signed(t, g, wrong)); !errs.Is(err, errs.Invalid) {
				t.Fatalf("wrong amount: %v", err)
			}
			wrong = n
			wrong.Currency = "USD"
			if _, err := s.ApplyNotification(ctx, signed(t, g, wrong)); !errs.Is(err, errs.Invalid) {
				t.Fatalf("wrong currency: %v", err)
			}
			wrong = n
			wrong.PaymentID = "Pnope"
			if _, err := s.ApplyNotification(ctx, signed(t, g, wrong)); !errs.Is(err, errs.NotFound) {
				t.Fatalf("unknown payment: %v", err)
			}
			if got, _ := s.Payment(ctx, p.ID); got.Status != Redirected {
				t.Fatalf("bad input changed the payment: %s", got.Status)
			}
			// The real one, then a replay, then a second notification id for the same outcome.
			r, err := s.ApplyNotification(ctx, signed(t, g, n))
			if err != nil || r.Status != Succeeded || !r.BillPaid {
				t.Fatalf("apply: %+v %v", r, err)
			}
			r, err = s.ApplyNotification(ctx, signed(t, g, n))
			if err != nil || !r.Duplicate {
				t.Fatalf("replay: %+v %v", r, err)
			}
			n2 := n
			n2.ID = "N2-" + gw
			if r, err = s.ApplyNotification(ctx, signed(t, g, n2)); err != nil || r.BillPaid {
				t.Fatalf("second id: %+v %v", r, err)
			}
			// A late "failed" after success is refused.
			n3 := n
			n3.ID, n3.Outcome = "N3-"+gw, "failed"
			if _, err := s.ApplyNotification(ctx, signed(t, g, n3)); !errs.Is(err, errs.Conflict) {
				t.Fatalf("failed after success: %v", err)
			}
			got, _ := s.Bill(ctx, b.Code)
			if got.Paid != 200000 || got.Status != "paid" {
				t.Fatalf("bill after: %+v", got)
			}
			// Paid bill takes no new payment.
			if _, err := s.CreatePayment(ctx, b.Code, gw, "click-again-"+gw); !errs.Is(err, errs.Conflict) {
				t.Fatalf("pay a paid bill: %v", err)
			}
		}
		if n, err := s.RunPaidOnce(ctx, jobs.NewSQL(d)); err != nil || n != 2 {
			t.Fatalf("paid jobs %d %v", n, err)
		}
		if n, _ := s.RunPaidOnce(ctx, jobs.NewSQL(d)); n != 0 {
			t.Fatalf("paid jobs left: %d", n)
		}
		if paidCalls.Load() != 2 {
			t.Fatalf("OnPaid called %d times, want 2", paidCalls.Load())
		}
	})
}

func TestRefundRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSvc(t, d, nil)
		b := bill(t, s)
		p, _ := s.CreatePayment(ctx, b.Code, "bank", "k1")
		if _, err := s.Refund(ctx, p.ID, 1000, "", "r0"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("refund before paid: %v", err)
		}
		if _, err := s.ApplyNotification(ctx, signed(t, bank, Notification{ID: "n", PaymentID: p.ID, Amount: p.Amount, Currency: "VND", Outcome: "success"})); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Refund(ctx, p.ID, 200001, "", "r1"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("refund > payment: %v", err)
		}
		for i := 0; i < 2; i++ { // same key twice: once
			got, err := s.Refund(ctx, p.ID, 50000, "", "r2")
			if err != nil || got.Refunded != 50000 || got.Status != Succeeded {
				t.Fatalf("partial refund: %+v %v", got, err)
			}
		}
		if _, err := s.Refund(ctx, p.ID, 150001, "", "r3"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("refund beyond remainder: %v", err)
		}
		got, err := s.Refund(ctx, p.ID, 150000, "", "r4")
		if err != nil || got.Status != Refunded || got.Refunded != 200000 {
			t.Fatalf("full refund: %+v %v", got, err)
		}
		if bb, _ := s.Bill(ctx, b.Code); bb.Paid != 0 || bb.Status != "open" {
			t.Fatalf("bill after refund: %+v", bb)
		}
	})
}

func TestStateMachine(t *testing.T) {
	if CanMove(Failed, Succeeded) || CanMove(Refunded, Succeeded) || !CanMove(Pending, Succeeded) || !CanMove(Succeeded, Refunded) {
		t.Fatal("transition table wrong")
	}
	for from, tos := range transitions {
		for _, to := range tos {
			if _, ok := transitions[to]; !ok {
				t.Fatalf("%s -> unknown %s", from, to)
			}
		}
	}
}

// BenchmarkNotifications measures notifications verified (HMAC-SHA512) and applied, one
// transaction each (group-committed), on SQLite, with 16 concurrent senders on 2 cores.
func BenchmarkNotifications(b *testing.B) {
	d := dbtest.SQLite(b)
	s := newSvc(b, d, nil)
	ctx := context.Background()
	ns := make([]Notification, b.N)
	for i := range ns {
		bl := bill(b, s)
		p, err := s.CreatePayment(ctx, bl.Code, "bank", fmt.Sprint("k", i))
		if err != nil {
			b.Fatal(err)
		}
		ns[i] = signed(b, bank, Notification{ID: fmt.Sprint("n", i), PaymentID: p.ID, Amount: p.Amount, Currency: "VND", Outcome: "success"})
	}
	var next atomic.Int64
	b.ResetTimer()
	b.SetParallelism(8) // gateways post notifications concurrently
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.ApplyNotification(ctx, ns[next.Add(1)-1]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
}

func TestMonthlyFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSvc(t, d, nil)
		for i := 0; i < 3; i++ {
			b := bill(t, s)
			p, _ := s.CreatePayment(ctx, b.Code, "bank", fmt.Sprint("m", i))
			n := signed(t, bank, Notification{ID: fmt.Sprint("m", i), PaymentID: p.ID, Amount: p.Amount, Currency: "VND", Outcome: "success"})
			for j := 0; j < 2; j++ { // the repeat counts once
				if _, err := s.ApplyNotification(ctx, n); err != nil {
					t.Fatal(err)
				}
			}
		}
		m, err := s.MonthlyFigures(ctx)
		if err != nil || len(m) != 1 || m[0].Province != "H36" || m[0].Payments != 3 || m[0].Value != 600000 {
			t.Fatalf("figures %+v %v", m, err)
		}
	})
}
