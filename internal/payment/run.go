package payment

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/lienthong/lienthong/internal/db"
)

// Reconciliation and expiry timing.
const (
	ReconEvery     = 15 * time.Minute // the short pass, for payments pending longer than this
	PaymentTimeout = 24 * time.Hour   // an unfinished payment older than this expires
)

// Run reconciles and expires until ctx ends: every 15 minutes today's statement up to 15 minutes
// ago, and once a day (the first pass of a new day) the whole previous day. A restart runs the
// daily pass again, which adds nothing new (items have a natural key).
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(ReconEvery)
	defer t.Stop()
	lastDay := ""
	for {
		now := s.now()
		day := now.In(ict).Format(time.DateOnly)
		if err := s.Tick(ctx, day != lastDay); err != nil && ctx.Err() == nil {
			slog.Error("payment: reconciliation pass failed", "err", err)
		} else {
			lastDay = day
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick is one pass of Run: expire what is past its time, then reconcile every gateway that has a
// statement URL (and the previous day too when daily is set).
func (s *Service) Tick(ctx context.Context, daily bool) error {
	if _, err := s.Expire(ctx); err != nil {
		return err
	}
	now := s.now()
	y, m, d := now.In(ict).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, ict)
	var firstErr error
	for _, gw := range s.Gateways() {
		u := s.stmtURLs[gw]
		if u == "" {
			continue
		}
		rows, err := fetchStatement(ctx, u)
		if err == nil {
			// Rows newer than 15 minutes may still have their notification in flight.
			cut := now.Add(-ReconEvery)
			_, err = s.Reconcile(ctx, gw, within(rows, today, cut), today, cut, s.owner)
		}
		if err == nil && daily {
			_, err = s.Reconcile(ctx, gw, within(rows, today.AddDate(0, 0, -1), today), today.AddDate(0, 0, -1), today, s.owner)
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("payment: reconciling %s: %w", gw, err)
		}
	}
	return firstErr
}

func within(rows []StatementRow, from, to time.Time) []StatementRow {
	var out []StatementRow
	for _, r := range rows {
		if !r.Date.Before(from) && r.Date.Before(to) {
			out = append(out, r)
		}
	}
	return out
}

func fetchStatement(ctx context.Context, u string) ([]StatementRow, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("statement %s: %s", u, resp.Status)
	}
	return ParseStatement(resp.Body)
}

// Expire closes open bills past their date and payments left unfinished longer than
// PaymentTimeout. It returns how many bills and payments it expired.
func (s *Service) Expire(ctx context.Context) (int64, error) {
	now := s.now().UTC()
	var n int64
	err := s.d.Tx(ctx, func(tx *db.Tx) error {
		n = 0
		r, err := tx.Exec(ctx, `UPDATE payment_payments SET status = ?, updated_at = ?, version = version + 1
			WHERE status IN (?, ?, ?) AND created_at < ?`, Expired, now, Created, Redirected, Pending, now.Add(-PaymentTimeout))
		if err != nil {
			return err
		}
		k, _ := r.RowsAffected()
		n += k
		r, err = tx.Exec(ctx, `UPDATE payment_bills SET status = 'expired', version = version + 1
			WHERE status = 'open' AND expires_at < ?`, now)
		if err != nil {
			return err
		}
		k, _ = r.RowsAffected()
		n += k
		return nil
	})
	return n, err
}
