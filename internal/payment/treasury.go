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

// The State Treasury's side of reconciliation: the credit lines of the collecting account, each
// naming the bill's payment reference (MaTraCuuTT), against the bills paid here. Mismatches go to
// the same worklist under the gateway name "treasury", with the bill code in payment_id and the
// reference in txn_ref.
//
// Unverified: the treasury's real statement format was not found; we read the three columns
// date,reference,amount (RFC 3339 date, amount in VND), with an optional header line.

// TreasuryGateway is the worklist's name for the treasury's side.
const TreasuryGateway = "treasury"

// CreditLine is one credit to the collecting account at the State Treasury.
type CreditLine struct {
	Date      time.Time
	Reference string // MaTraCuuTT of the bill
	Amount    int64
}

// ParseCreditLines reads the treasury's credit lines as CSV: date,reference,amount.
func ParseCreditLines(r io.Reader) ([]CreditLine, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "the credit lines are not valid CSV")
	}
	var out []CreditLine
	for i, rec := range recs {
		if i == 0 && len(rec) > 0 && rec[0] == "date" {
			continue
		}
		bad := func(msg string) error {
			e := errs.New(errs.Invalid, "the credit lines have a malformed line")
			e.Fields = []errs.FieldError{{Field: "credit_lines", Line: i + 1, Message: msg}}
			return e
		}
		if len(rec) != 3 {
			return nil, bad("want 3 columns: date,reference,amount")
		}
		d, err1 := time.Parse(time.RFC3339, rec[0])
		amt, err2 := strconv.ParseInt(rec[2], 10, 64)
		if err1 != nil || err2 != nil || amt <= 0 || rec[1] == "" {
			return nil, bad("bad date, reference or amount")
		}
		out = append(out, CreditLine{Date: d, Reference: rec[1], Amount: amt})
	}
	return out, nil
}

// ReconcileTreasury compares the credit lines of [from, to) with what was paid here, through
// payments that succeeded in the same window, bill by bill. Every mismatch (credited but not paid
// here, paid here but not credited, amounts that differ, a reference credited twice) becomes an
// open worklist item; running it again adds nothing new.
func (s *Service) ReconcileTreasury(ctx context.Context, lines []CreditLine, from, to time.Time, owner string) ([]ReconItem, error) {
	var opened []ReconItem
	now := s.now().UTC()
	err := s.d.Tx(ctx, func(tx *db.Tx) error {
		opened = nil
		type paid struct {
			bill   string
			amount int64
		}
		ours := map[string]paid{} // reference → bill and amount paid in the window
		rs, err := tx.Query(ctx, `SELECT b.code, b.reference, SUM(p.amount - p.refunded) FROM payment_payments p
			JOIN payment_bills b ON b.code = p.bill_code
			WHERE p.status = ? AND p.updated_at >= ? AND p.updated_at < ? GROUP BY b.code, b.reference`, Succeeded, from.UTC(), to.UTC())
		if err != nil {
			return err
		}
		for rs.Next() {
			var ref string
			var p paid
			if err := rs.Scan(&p.bill, &ref, &p.amount); err != nil {
				rs.Close()
				return err
			}
			ours[ref] = p
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		add := func(it ReconItem) error { return openItem(ctx, tx, TreasuryGateway, owner, now, it, &opened) }
		seen := map[string]bool{}
		for _, l := range lines {
			it := ReconItem{TxnRef: l.Reference, GatewayAmount: l.Amount}
			if seen[l.Reference] {
				it.Kind, it.PaymentID = "duplicate", ours[l.Reference].bill
				if err := add(it); err != nil {
					return err
				}
				continue
			}
			seen[l.Reference] = true
			p, ok := ours[l.Reference]
			if !ok {
				// Paid outside the window? Look the bill up before calling the credit unknown.
				var code string
				var paidTotal int64
				err := tx.QueryRow(ctx, `SELECT code, paid FROM payment_bills WHERE reference = ?`, l.Reference).Scan(&code, &paidTotal)
				if err != nil && !db.IsNoRows(err) {
					return err
				}
				if err != nil || paidTotal == 0 {
					it.Kind, it.PaymentID = "missing_here", code
					if err := add(it); err != nil {
						return err
					}
					continue
				}
				p = paid{bill: code, amount: paidTotal}
			}
			if p.amount != l.Amount {
				it.Kind, it.PaymentID, it.OurAmount = "amount_differs", p.bill, p.amount
				if err := add(it); err != nil {
					return err
				}
			}
		}
		for ref, p := range ours {
			if !seen[ref] {
				if err := add(ReconItem{Kind: "missing_at_gateway", PaymentID: p.bill, TxnRef: ref, OurAmount: p.amount}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return opened, err
}
