package gatewaysim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/gatewaysim"
	"github.com/lienthong/lienthong/internal/jobs"
	"github.com/lienthong/lienthong/internal/payment"
)

var bank = payment.HMACGateway{ID: "bank", Secret: []byte("sim-secret")}

type platform struct {
	svc    *payment.Service
	payURL map[string]string // filled in once the simulator listens
	url    string
	onPaid atomic.Int32
}

func newPlatform(t *testing.T, d *db.DB) *platform {
	p := &platform{payURL: map[string]string{}}
	p.svc = payment.New(d, payment.Options{Gateways: []payment.Gateway{bank}, PayURLs: p.payURL,
		OnPaid: func(ctx context.Context, code string) error { p.onPaid.Add(1); return nil }})
	t.Cleanup(p.svc.Close)
	rr := api.NewRouter(1 << 20)
	rr.Handle((&payment.Handler{Payments: p.svc}).Routes()...)
	srv := httptest.NewServer(rr.Mux)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *platform) newPayment(t *testing.T, i int) payment.Payment {
	ctx := context.Background()
	b, err := p.svc.CreateBill(ctx, payment.BillInput{DossierCode: fmt.Sprintf("H36.99-261127-%04d", i), AgencyCode: "000.00.00.H36",
		PayerName: "Trần Văn B", Lines: []payment.Line{{Kind: payment.KindCharge, Name: "Lệ phí", Amount: 30000}}})
	if err != nil {
		t.Fatal(err)
	}
	pay, err := p.svc.CreatePayment(ctx, b.Code, "bank", fmt.Sprint("k", i))
	if err != nil {
		t.Fatal(err)
	}
	return pay
}

func TestPayThroughSimulator(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		p := newPlatform(t, d)
		sim := gatewaysim.New(bank, p.url+"/api/v1/payment/notifications", gatewaysim.Switches{Repeat: 2, Drop: 1})
		sim.Retry = 10 * time.Millisecond
		t.Cleanup(sim.Close)
		gs := httptest.NewServer(sim.Handler())
		t.Cleanup(gs.Close)
		pay := p.newPayment(t, 1)

		// The payer sees the page, approves, and is redirected back; the redirect itself pays nothing.
		// An unsigned (or tampered) request is refused; the platform's signed redirect is served.
		forged, err := http.Get(gs.URL + "/pay?payment=" + pay.ID + "&amount=1")
		if err != nil || forged.StatusCode != http.StatusForbidden {
			t.Fatalf("unsigned page: %v %v", forged.StatusCode, err)
		}
		forged.Body.Close()
		p.payURL["bank"] = gs.URL + "/pay"
		pay, err = p.svc.Redirect(context.Background(), pay, "https://dvc.example/return")
		if err != nil || pay.Status != payment.Redirected || !strings.Contains(pay.RedirectURL, "sig=") {
			t.Fatalf("redirect: %+v %v", pay, err)
		}
		page, err := http.Get(pay.RedirectURL)
		if err != nil || page.StatusCode != 200 {
			t.Fatalf("page: %v %v", page.StatusCode, err)
		}
		page.Body.Close()
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.PostForm(gs.URL+"/pay", url.Values{"payment": {pay.ID}, "amount": {"30000"},
			"decision": {"approve"}, "return": {"https://dvc.example/return"}})
		if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), pay.ID) {
			t.Fatalf("decide: %v %v", resp, err)
		}
		sim.Wait()
		got, _ := p.svc.Payment(context.Background(), pay.ID)
		if got.Status != payment.Succeeded {
			t.Fatalf("status %s", got.Status)
		}
		if _, err := p.svc.RunPaidOnce(context.Background(), jobs.NewSQL(d)); err != nil {
			t.Fatal(err)
		}
		if p.onPaid.Load() != 1 {
			t.Fatalf("OnPaid called %d times", p.onPaid.Load())
		}
		b, _ := p.svc.Bill(context.Background(), got.BillCode)
		if b.Paid != 30000 || b.Status != "paid" {
			t.Fatalf("bill %+v", b)
		}
		rows := sim.Statement()
		if len(rows) != 1 || rows[0].PaymentID != pay.ID {
			t.Fatalf("statement %+v", rows)
		}
	})
}

func TestReorderAndDecline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		p := newPlatform(t, d)
		sim := gatewaysim.New(bank, p.url+"/api/v1/payment/notifications", gatewaysim.Switches{Reorder: true, Repeat: 1})
		sim.Retry = 10 * time.Millisecond
		t.Cleanup(sim.Close)
		var pays []payment.Payment
		for i := 0; i < 5; i++ {
			pays = append(pays, p.newPayment(t, i))
			sim.Decide(pays[i].ID, pays[i].Amount, "VND", i != 3)
		}
		sim.Flush()
		sim.Wait()
		for i, pay := range pays {
			got, _ := p.svc.Payment(context.Background(), pay.ID)
			want := payment.Succeeded
			if i == 3 {
				want = payment.Failed
			}
			if got.Status != want {
				t.Fatalf("payment %d: %s, want %s", i, got.Status, want)
			}
		}
		if _, err := p.svc.RunPaidOnce(context.Background(), jobs.NewSQL(d)); err != nil {
			t.Fatal(err)
		}
		if p.onPaid.Load() != 4 {
			t.Fatalf("OnPaid %d, want 4", p.onPaid.Load())
		}
	})
}

func TestForgedSimulatorIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		p := newPlatform(t, d)
		forger := payment.HMACGateway{ID: "bank", Secret: []byte("wrong")}
		sim := gatewaysim.New(forger, p.url+"/api/v1/payment/notifications", gatewaysim.Switches{})
		sim.Retry = 10 * time.Millisecond
		t.Cleanup(sim.Close)
		pay := p.newPayment(t, 1)
		n := sim.Decide(pay.ID, pay.Amount, "VND", true)
		sim.Wait()
		if sim.Acks(n.ID) != 0 {
			t.Fatal("forged notification acknowledged")
		}
		if got, _ := p.svc.Payment(context.Background(), pay.ID); got.Status != payment.Created || p.onPaid.Load() != 0 {
			t.Fatalf("forged notification changed the payment: %s", got.Status)
		}
	})
}

func TestReconciliationFindsInjectedMismatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := newPlatform(t, d)
		sim := gatewaysim.New(bank, p.url+"/api/v1/payment/notifications", gatewaysim.Switches{})
		sim.Retry = 10 * time.Millisecond
		t.Cleanup(sim.Close)
		gs := httptest.NewServer(sim.Handler())
		t.Cleanup(gs.Close)
		var pays []payment.Payment
		for i := 0; i < 5; i++ {
			pays = append(pays, p.newPayment(t, i))
		}
		for _, pay := range pays[:3] {
			sim.Decide(pay.ID, pay.Amount, "VND", true)
		}
		sim.Wait()
		// Payments 3 and 4 succeed here through notifications the statement does not show.
		for i, pay := range pays[3:] {
			n := payment.Notification{Gateway: "bank", ID: fmt.Sprint("direct", i), PaymentID: pay.ID, Amount: pay.Amount, Currency: "VND", Outcome: "success"}
			n.Signature, _ = bank.Sign(n)
			if _, err := p.svc.ApplyNotification(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		sim.Inject(gatewaysim.Row{TxnRef: "X1", PaymentID: "Pghost", Amount: 99000, Currency: "VND", Status: "success"})
		sim.Inject(gatewaysim.Row{TxnRef: "X2", PaymentID: pays[0].ID, Amount: pays[0].Amount, Currency: "VND", Status: "success"})
		sim.Inject(gatewaysim.Row{TxnRef: "X3", PaymentID: pays[4].ID, Amount: 31000, Currency: "VND", Status: "success"})

		resp, err := http.Get(gs.URL + "/statement.csv")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := payment.ParseStatement(resp.Body)
		resp.Body.Close()
		if err != nil || len(rows) != 6 {
			t.Fatalf("statement: %d rows, %v", len(rows), err)
		}
		from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		items, err := p.svc.Reconcile(ctx, "bank", rows, from, to, "ketoan.h36")
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]string{}
		for _, it := range items {
			kinds[it.Kind] = it.PaymentID
		}
		want := map[string]string{"missing_here": "Pghost", "duplicate": pays[0].ID, "amount_differs": pays[4].ID, "missing_at_gateway": pays[3].ID}
		if len(items) != 4 || fmt.Sprint(kinds) != fmt.Sprint(want) {
			t.Fatalf("items %v, want %v", kinds, want)
		}
		// Running it again opens nothing new; resolving closes an item.
		again, err := p.svc.Reconcile(ctx, "bank", rows, from, to, "ketoan.h36")
		if err != nil || len(again) != 0 {
			t.Fatalf("re-run opened %d, %v", len(again), err)
		}
		if err := p.svc.Resolve(ctx, items[0].ID, "ketoan.h36", "hoàn tiền trùng"); err != nil {
			t.Fatal(err)
		}
		if open, _ := p.svc.OpenItems(ctx); len(open) != 3 || open[0].Owner != "ketoan.h36" {
			t.Fatalf("open items %d", len(open))
		}
	})
}
