package gatewaysim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/gatewaysim"
	"github.com/lienthong/lienthong/internal/jobs"
	"github.com/lienthong/lienthong/internal/payment"
)

// TestRestartMidStream closes the database and the service in the middle of a stream of
// notifications (the platform answers 503 meanwhile), reopens them, and checks that after the
// simulator's retries every payment succeeded and each was counted once.
func TestRestartMidStream(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() (*db.DB, *payment.Service, http.Handler) {
		d, err := db.Open(ctx, "", dir)
		if err != nil {
			t.Fatal(err)
		}
		s := payment.New(d, payment.Options{Gateways: []payment.Gateway{bank}})
		rr := api.NewRouter(1 << 20)
		rr.Handle((&payment.Handler{Payments: s}).Routes()...)
		return d, s, rr.Mux
	}
	d, s, h := open()
	var mu sync.RWMutex
	up := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.RLock()
		defer mu.RUnlock()
		if !up {
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	sim := gatewaysim.New(bank, srv.URL+"/api/v1/payment/notifications", gatewaysim.Switches{Repeat: 1})
	sim.Retry = 20 * time.Millisecond
	defer sim.Close()

	const total = 40
	var ids []string
	for i := 0; i < total; i++ {
		b, err := s.CreateBill(ctx, payment.BillInput{DossierCode: fmt.Sprintf("H36.99-261127-%04d", i), AgencyCode: "000.00.00.H36",
			PayerName: "Lê Thị C", Lines: []payment.Line{{Kind: payment.KindFee, Name: "Phí", Amount: 10000}}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.CreatePayment(ctx, b.Code, "bank", fmt.Sprint("k", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	for i, id := range ids {
		sim.Decide(id, 10000, "VND", true)
		if i == total/2 { // "crash": stop answering, close everything, reopen
			mu.Lock()
			up = false
			s.Close()
			d.Close()
			mu.Unlock()
			time.Sleep(60 * time.Millisecond) // the simulator meets 503s and retries
			mu.Lock()
			d, s, h = open()
			up = true
			mu.Unlock()
		}
	}
	sim.Wait()
	defer d.Close()
	defer s.Close()
	for _, id := range ids {
		if p, err := s.Payment(ctx, id); err != nil || p.Status != payment.Succeeded {
			t.Fatalf("payment %s: %+v %v", id, p, err)
		}
	}
	m, err := s.MonthlyFigures(ctx)
	if err != nil || len(m) != 1 || m[0].Payments != total || m[0].Value != total*10000 {
		t.Fatalf("figures %+v %v", m, err)
	}
	if n, err := s.RunPaidOnce(ctx, jobs.NewSQL(d)); err != nil || n != total {
		t.Fatalf("paid jobs %d, want %d (%v)", n, total, err)
	}
}
