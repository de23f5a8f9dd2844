package payment

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// StatementRow is one line of a gateway statement: date,txn_ref,payment_id,amount,currency,status.
type StatementRow struct {
	Date      time.Time
	TxnRef    string
	PaymentID string
	Amount    int64
	Currency  string
	Status    string
}

// ReconItem is one tracked mismatch.
type ReconItem struct {
	ID            string    `json:"id"`
	Gateway       string    `json:"gateway"`
	Kind          string    `json:"kind"`
	PaymentID     string    `json:"payment_id"`
	TxnRef        string    `json:"txn_ref"`
	GatewayAmount int64     `json:"gateway_amount"`
	OurAmount     int64     `json:"our_amount"`
	Owner         string    `json:"owner"`
	DueAt         time.Time `json:"due_at"`
	Status        string    `json:"status"`
}

// ParseStatement reads the statement CSV as the simulator serves it.
func ParseStatement(r io.Reader) ([]StatementRow, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "the statement is not valid CSV")
	}
	var out []StatementRow
	for i, rec := range recs {
		if i == 0 && len(rec) > 0 && rec[0] == "date" {
			continue
		}
		if len(rec) != 6 {
			e := errs.New(errs.Invalid, "the statement has a malformed line")
			e.Fields = []errs.FieldError{{Field: "statement", Line: i + 1, Message: "want 6 columns"}}
			return nil, e
		}
		d, err1 := time.Parse(time.RFC3339, rec[0])
		amt, err2 := strconv.ParseInt(rec[3], 10, 64)
		if err1 != nil || err2 != nil {
			e := errs.New(errs.Invalid, "the statement has a malformed line")
			e.Fields = []errs.FieldError{{Field: "statement", Line: i + 1, Message: "bad date or amount"}}
			return nil, e
		}
		out = append(out, StatementRow{Date: d, TxnRef: rec[1], PaymentID: rec[2], Amount: amt, Currency: rec[4], Status: rec[5]})
	}
	return out, nil
}

// Reconcile compares a gateway statement covering [from, to) with our succeeded payments of that
// gateway in the same window. Each mismatch becomes an open worklist item for owner, due after
// two days; running it again adds nothing new. It returns the items it opened.
func (s *Service) Reconcile(ctx context.Context, gateway string, rows []StatementRow, from, to time.Time, owner string) ([]ReconItem, error) {
	var opened []ReconItem
	now := s.now().UTC()
	err := s.d.Tx(ctx, func(tx *db.Tx) error {
		opened = nil
		add := func(it ReconItem) error { return openItem(ctx, tx, gateway, owner, now, it, &opened) }
		ours := map[string]int64{}
		rs, err := tx.Query(ctx, `SELECT id, amount FROM payment_payments WHERE gateway = ? AND status = ?
			AND updated_at >= ? AND updated_at < ?`, gateway, Succeeded, from.UTC(), to.UTC())
		if err != nil {
			return err
		}
		for rs.Next() {
			var id string
			var amt int64
			if err := rs.Scan(&id, &amt); err != nil {
				rs.Close()
				return err
			}
			ours[id] = amt
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, row := range rows {
			if row.Status != "success" {
				continue
			}
			it := ReconItem{PaymentID: row.PaymentID, TxnRef: row.TxnRef, GatewayAmount: row.Amount}
			if seen[row.PaymentID] {
				it.Kind = "duplicate"
				if err := add(it); err != nil {
					return err
				}
				continue
			}
			seen[row.PaymentID] = true
			amt, ok := ours[row.PaymentID]
			if !ok {
				// Perhaps succeeded here outside the window: look it up before calling it missing.
				var st string
				err := tx.QueryRow(ctx, `SELECT status, amount FROM payment_payments WHERE id = ? AND gateway = ?`,
					row.PaymentID, gateway).Scan(&st, &amt)
				if err != nil && !db.IsNoRows(err) {
					return err
				}
				if err != nil || st != Succeeded {
					it.Kind = "missing_here"
					if err := add(it); err != nil {
						return err
					}
					continue
				}
			}
			if amt != row.Amount {
				it.Kind, it.OurAmount = "amount_differs", amt
				if err := add(it); err != nil {
					return err
				}
			}
		}
		for id, amt := range ours {
			if !seen[id] {
				if err := add(ReconItem{Kind: "missing_at_gateway", PaymentID: id, OurAmount: amt}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return opened, err
}

// openItem records a mismatch as an open worklist item for owner, due two days from now, unless the
// same mismatch is already recorded; new items are appended to opened.
func openItem(ctx context.Context, tx *db.Tx, gateway, owner string, now time.Time, it ReconItem, opened *[]ReconItem) error {
	it.ID, it.Gateway, it.Owner, it.DueAt, it.Status = newID("M"), gateway, owner, now.Add(48*time.Hour), "open"
	r, err := tx.Exec(ctx, `INSERT INTO payment_recon_items (id, gateway, kind, payment_id, txn_ref,
		gateway_amount, our_amount, owner, due_at, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
		ON CONFLICT DO NOTHING`, it.ID, gateway, it.Kind, it.PaymentID, it.TxnRef, it.GatewayAmount,
		it.OurAmount, owner, it.DueAt, now)
	if err != nil {
		return err
	}
	if k, _ := r.RowsAffected(); k > 0 {
		*opened = append(*opened, it)
	}
	return nil
}

// OpenItems lists the open worklist items, earliest deadline first.
func (s *Service) OpenItems(ctx context.Context) ([]ReconItem, error) {
	var out []ReconItem
	err := s.d.Read(ctx, func(tx *db.Tx) error {
		rs, err := tx.Query(ctx, `SELECT id, gateway, kind, payment_id, txn_ref, gateway_amount, our_amount, owner,
			due_at, status FROM payment_recon_items WHERE status = 'open' ORDER BY due_at, id`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var it ReconItem
			if err := rs.Scan(&it.ID, &it.Gateway, &it.Kind, &it.PaymentID, &it.TxnRef, &it.GatewayAmount,
				&it.OurAmount, &it.Owner, &it.DueAt, &it.Status); err != nil {
				return err
			}
			out = append(out, it)
		}
		return rs.Err()
	})
	return out, err
}

// Resolve closes a worklist item with what was done about it.
func (s *Service) Resolve(ctx context.Context, id, by, resolution string) error {
	if resolution == "" {
		return errs.Reasonf(errs.Invalid, "resolution", "say how the mismatch was resolved")
	}
	return s.d.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE payment_recon_items SET status = 'resolved', resolution = ?, resolved_by = ?
			WHERE id = ? AND status = 'open'`, resolution, by, id)
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k == 0 {
			return errs.New(errs.NotFound, "no open item %q", id)
		}
		return nil
	})
}
