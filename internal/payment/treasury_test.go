package payment

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

// The treasury's credit lines against the bills paid here: each kind of mismatch becomes one
// worklist item, and a second run adds nothing.
func TestReconcileTreasury(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSvc(t, d, nil)
		pay := func(key string) Bill {
			b := bill(t, s)
			p, err := s.CreatePayment(ctx, b.Code, "bank", key)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ApplyNotification(ctx, signed(t, bank, Notification{ID: "N-" + key, PaymentID: p.ID, Amount: p.Amount,
				Currency: "VND", Outcome: "success", TxnRef: "T-" + key})); err != nil {
				t.Fatal(err)
			}
			return b
		}
		good, short, uncredited := pay("a"), pay("b"), pay("c")
		now := time.Now()
		csv := "date,reference,amount\n" +
			now.Format(time.RFC3339) + "," + good.Reference + ",200000\n" +
			now.Format(time.RFC3339) + "," + short.Reference + ",150000\n" +
			now.Format(time.RFC3339) + "," + good.Reference + ",200000\n" +
			now.Format(time.RFC3339) + ",H36.99-261127-0099" + "20261127090000,50000\n"
		lines, err := ParseCreditLines(strings.NewReader(csv))
		if err != nil || len(lines) != 4 {
			t.Fatalf("parse: %d lines, %v", len(lines), err)
		}
		from, to := now.Add(-time.Hour), now.Add(time.Hour)
		items, err := s.ReconcileTreasury(ctx, lines, from, to, "ketoan")
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, it := range items {
			kinds = append(kinds, it.Kind+":"+it.PaymentID)
			if it.Gateway != TreasuryGateway || it.Owner != "ketoan" || it.Status != "open" {
				t.Errorf("item %+v", it)
			}
		}
		sort.Strings(kinds)
		want := []string{"amount_differs:" + short.Code, "duplicate:" + good.Code, "missing_at_gateway:" + uncredited.Code, "missing_here:"}
		sort.Strings(want)
		if strings.Join(kinds, " ") != strings.Join(want, " ") {
			t.Errorf("items: %v, want %v", kinds, want)
		}
		again, err := s.ReconcileTreasury(ctx, lines, from, to, "ketoan")
		if err != nil || len(again) != 0 {
			t.Errorf("second run opened %d items (%v), want none", len(again), err)
		}
		if _, err := ParseCreditLines(strings.NewReader("2026-11-27,x\n")); err == nil {
			t.Error("a line with two columns was accepted")
		}
	})
}
