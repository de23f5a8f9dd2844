package payment

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

func TestTickReconcilesAndExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var clock atomic.Int64
		start := time.Now().UTC().Truncate(time.Second)
		clock.Store(start.Unix())
		now := func() time.Time { return time.Unix(clock.Load(), 0).UTC() }
		var csv atomic.Value
		csv.Store("date,txn_ref,payment_id,amount,currency,status\n")
		stmt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, csv.Load().(string))
		}))
		defer stmt.Close()
		s := New(d, Options{Gateways: []Gateway{bank}, Now: now, StatementURLs: map[string]string{"bank": stmt.URL}, ReconOwner: "kt.h36"})
		defer s.Close()

		b := bill(t, s)
		p, err := s.CreatePayment(ctx, b.Code, "bank", "tick-1")
		if err != nil {
			t.Fatal(err)
		}
		// The gateway took the money but its notification never arrived.
		csv.Store(csv.Load().(string) + start.Format(time.RFC3339) + ",T1," + p.ID + ",200000,VND,success\n")
		if err := s.Tick(ctx, false); err != nil {
			t.Fatal(err)
		}
		if items, _ := s.OpenItems(ctx); len(items) != 0 {
			t.Fatalf("a row younger than 15 minutes was reconciled: %+v", items)
		}
		clock.Add(int64(16 * 60))
		if err := s.Tick(ctx, true); err != nil {
			t.Fatal(err)
		}
		items, _ := s.OpenItems(ctx)
		if len(items) != 1 || items[0].Kind != "missing_here" || items[0].PaymentID != p.ID || items[0].Owner != "kt.h36" {
			t.Fatalf("items %+v", items)
		}
		if err := s.Tick(ctx, true); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.OpenItems(ctx); len(again) != 1 {
			t.Fatalf("a second pass added items: %+v", again)
		}

		// A day later the unfinished payment expires; 31 days later the open bill does.
		clock.Add(int64(25 * 3600))
		open := bill(t, s)
		if n, err := s.Expire(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if got, _ := s.Payment(ctx, p.ID); got.Status != Expired {
			t.Fatalf("payment %s", got.Status)
		}
		clock.Add(int64(31 * 24 * 3600))
		if _, err := s.Expire(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Bill(ctx, open.Code); got.Status != "expired" {
			t.Fatalf("bill %s", got.Status)
		}
	})
}
