package payment

import (
	"context"
	"sort"
	"time"

	"github.com/lienthong/lienthong/internal/db"
)

// Row is a payment with the bill facts the lists show.
type Row struct {
	Payment
	Agency      string    `json:"agency_code"`
	DossierCode string    `json:"dossier_code"`
	PayerName   string    `json:"payer_name"`
	Reference   string    `json:"reference"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Gateways returns the configured gateway ids, sorted.
func (s *Service) Gateways() []string {
	var out []string
	for id := range s.gateways {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// ListFilter selects payments for the lists. Keep, when set, decides which bill agencies the
// caller may see (the access rule stays with the caller).
type ListFilter struct {
	Status string
	Payer  string // bills whose payer_id is this (the citizen's receipts)
	Keep   func(agency string) bool
	Limit  int
}

// List returns payments, the most recently changed first.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Row, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	q := `SELECT p.id, p.bill_code, p.gateway, p.amount, p.currency, p.status, p.refunded, p.updated_at,
		b.agency_code, b.dossier_code, b.payer_name, b.reference
		FROM payment_payments p JOIN payment_bills b ON b.code = p.bill_code WHERE 1 = 1`
	var args []any
	if f.Status != "" {
		q += ` AND p.status = ?`
		args = append(args, f.Status)
	}
	if f.Payer != "" {
		q += ` AND b.payer_id = ?`
		args = append(args, f.Payer)
	}
	q += ` ORDER BY p.updated_at DESC, p.id`
	var out []Row
	err := s.d.Read(ctx, func(tx *db.Tx) error {
		out = nil
		rs, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() && len(out) < f.Limit {
			var r Row
			if err := rs.Scan(&r.ID, &r.BillCode, &r.Gateway, &r.Amount, &r.Currency, &r.Status, &r.Refunded,
				&r.UpdatedAt, &r.Agency, &r.DossierCode, &r.PayerName, &r.Reference); err != nil {
				return err
			}
			if f.Keep == nil || f.Keep(r.Agency) {
				out = append(out, r)
			}
		}
		return rs.Err()
	})
	return out, err
}

// BillsToPay lists a payer's bills that are still open or partly paid, oldest first.
func (s *Service) BillsToPay(ctx context.Context, payerID string) ([]Bill, error) {
	if payerID == "" {
		return nil, nil
	}
	var codes []string
	err := s.d.Read(ctx, func(tx *db.Tx) error {
		rs, err := tx.Query(ctx, `SELECT code FROM payment_bills WHERE payer_id = ? AND status IN ('open', 'partly_paid')
			ORDER BY created_at LIMIT 100`, payerID)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var c string
			if err := rs.Scan(&c); err != nil {
				return err
			}
			codes = append(codes, c)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, err
	}
	bills := make([]Bill, 0, len(codes))
	for _, c := range codes {
		b, err := s.Bill(ctx, c)
		if err != nil {
			return nil, err
		}
		bills = append(bills, b)
	}
	return bills, nil
}
