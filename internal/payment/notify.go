package payment

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/jobs"
)

// Result says what a notification did.
type Result struct {
	Duplicate bool   `json:"duplicate"` // this notification id was already applied
	Status    string `json:"status"`    // payment status after it
	BillPaid  bool   `json:"bill_paid"` // this notification made the bill fully paid
}

// ApplyNotification verifies a gateway notification and applies it exactly once, in one
// transaction: the notification id is recorded (a repeat is answered as a duplicate and changes
// nothing), the payment moves through the state machine, and the bill's paid amount grows. A
// notification with a bad signature, an unknown payment, or an amount or currency differing from the
// payment is refused and changes nothing.
func (s *Service) ApplyNotification(ctx context.Context, n Notification) (Result, error) {
	g, ok := s.gateways[n.Gateway]
	if !ok {
		return Result{}, errs.Reasonf(errs.Invalid, "unknown_gateway", "unknown gateway %q", n.Gateway)
	}
	if err := g.Verify(n); err != nil {
		return Result{}, err
	}
	if n.ID == "" || (n.Outcome != "success" && n.Outcome != "failed") {
		return Result{}, errs.Reasonf(errs.Invalid, "bad_notification", "notification id and outcome success|failed are required")
	}
	var res Result
	var dossier string
	// Group commit: concurrent notifications share one transaction (each in its own savepoint when
	// one fails), so one fsync acknowledges many.
	err := s.group.Do(ctx, func(tx *db.Tx) error {
		res, dossier = Result{}, ""
		var p Payment
		err := tx.QueryRow(ctx, `SELECT id, bill_code, gateway, amount, currency, status
			FROM payment_payments WHERE id = ?`+tx.ForUpdate(), n.PaymentID).Scan(&p.ID, &p.BillCode,
			&p.Gateway, &p.Amount, &p.Currency, &p.Status)
		if db.IsNoRows(err) {
			return errs.Reasonf(errs.NotFound, "unknown_payment", "no payment %q", n.PaymentID)
		} else if err != nil {
			return err
		}
		if p.Gateway != n.Gateway {
			return errs.Reasonf(errs.Invalid, "wrong_gateway", "payment %s was not made through %s", p.ID, n.Gateway)
		}
		if n.Amount != p.Amount || n.Currency != p.Currency {
			return errs.Reasonf(errs.Invalid, "amount_mismatch", "notification says %d %s, payment is %d %s",
				n.Amount, n.Currency, p.Amount, p.Currency)
		}
		now := s.now().UTC()
		r, err := tx.Exec(ctx, `INSERT INTO payment_notifications (gateway, notification_id, payment_id,
			outcome, amount, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			n.Gateway, n.ID, n.PaymentID, n.Outcome, n.Amount, now)
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k == 0 {
			res = Result{Duplicate: true, Status: p.Status}
			return nil
		}
		to := Succeeded
		if n.Outcome == "failed" {
			to = Failed
		}
		res.Status = p.Status
		if p.Status == to {
			return nil // a second notification (new id) for the same outcome: nothing more to count
		}
		if !CanMove(p.Status, to) {
			return errs.Reasonf(errs.Conflict, "bad_transition", "payment %s is %s and cannot become %s", p.ID, p.Status, to)
		}
		if _, err := tx.Exec(ctx, `UPDATE payment_payments SET status = ?, gateway_txn = ?, updated_at = ?,
			version = version + 1 WHERE id = ?`, to, n.TxnRef, now, p.ID); err != nil {
			return err
		}
		res.Status = to
		if to != Succeeded {
			return nil
		}
		var total, paid int64
		var agency string
		if err := tx.QueryRow(ctx, `SELECT total, paid, dossier_code, agency_code FROM payment_bills WHERE code = ?`,
			p.BillCode).Scan(&total, &paid, &dossier, &agency); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO payment_monthly (province_code, month, payments, value) VALUES (?, ?, 1, ?)
			ON CONFLICT (province_code, month) DO UPDATE SET payments = payment_monthly.payments + 1,
			value = payment_monthly.value + excluded.value`, provinceOf(agency), now.In(ict).Format("2006-01"), p.Amount); err != nil {
			return err
		}
		paid += p.Amount
		status := "partly_paid"
		if paid >= total {
			status, res.BillPaid = "paid", true
		}
		if _, err := tx.Exec(ctx, `UPDATE payment_bills SET paid = ?, status = ?, version = version + 1
			WHERE code = ?`, paid, status, p.BillCode); err != nil {
			return err
		}
		if res.BillPaid && dossier != "" {
			// Outbox: the dossier is moved on by a job committed with the payment, retried until done.
			payload, _ := json.Marshal(paidJob{Bill: p.BillCode, Dossier: dossier})
			return jobs.EnqueueTx(ctx, tx, PaidQueue, payload, jobs.DedupeKey("paid:"+p.BillCode), jobs.MaxAttempts(20))
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// PaidQueue is the jobs queue that tells the dossier (and through it the province) a bill is paid.
const PaidQueue = "payment.paid"

type paidJob struct {
	Bill    string `json:"bill"`
	Dossier string `json:"dossier"`
}

// NotifyPaid is the PaidQueue job handler (run it with jobs.NewRunner): it calls the OnPaid hook.
// The hook must be idempotent, since a job interrupted after the hook ran runs again.
func (s *Service) NotifyPaid(ctx context.Context, j jobs.Job) error {
	var m paidJob
	if err := json.Unmarshal(j.Payload, &m); err != nil {
		return err
	}
	if s.onPaid == nil {
		return nil
	}
	return s.onPaid(ctx, m.Dossier)
}

// RunPaidOnce claims the due PaidQueue jobs and runs them once (tests, and a node without runners).
func (s *Service) RunPaidOnce(ctx context.Context, q jobs.Queue) (int, error) {
	js, err := q.Claim(ctx, PaidQueue, "payment", 100, time.Minute)
	if err != nil {
		return 0, err
	}
	for _, j := range js {
		if err := s.NotifyPaid(ctx, j); err != nil {
			if ferr := q.Fail(ctx, j, err, time.Time{}); ferr != nil {
				return 0, ferr
			}
			continue
		}
		if err := q.Complete(ctx, j); err != nil {
			return 0, err
		}
	}
	return len(js), nil
}

// MarkRedirected records that the payer was sent to the gateway. The return redirect from the
// gateway never marks a payment paid; only a verified notification does.
func (s *Service) MarkRedirected(ctx context.Context, id string) error {
	return s.move(ctx, id, Redirected)
}

func (s *Service) move(ctx context.Context, id, to string) error {
	return s.d.Tx(ctx, func(tx *db.Tx) error {
		var st string
		if err := tx.QueryRow(ctx, `SELECT status FROM payment_payments WHERE id = ?`+tx.ForUpdate(), id).Scan(&st); db.IsNoRows(err) {
			return errs.New(errs.NotFound, "no payment %q", id)
		} else if err != nil {
			return err
		}
		if st == to {
			return nil
		}
		if !CanMove(st, to) {
			return errs.Reasonf(errs.Conflict, "bad_transition", "payment is %s and cannot become %s", st, to)
		}
		_, err := tx.Exec(ctx, `UPDATE payment_payments SET status = ?, updated_at = ?, version = version + 1
			WHERE id = ?`, to, s.now().UTC(), id)
		return err
	})
}

// Refund returns part or all of a succeeded payment. The same idempotency key is applied once;
// the total refunded never exceeds the payment. A full refund moves the payment to refunded and
// takes the amount off the bill.
func (s *Service) Refund(ctx context.Context, paymentID string, amount int64, reason, idemKey string) (Payment, error) {
	if amount <= 0 || idemKey == "" {
		return Payment{}, errs.Reasonf(errs.Invalid, "bad_refund", "a positive amount and an idempotency key are required")
	}
	err := s.d.Tx(ctx, func(tx *db.Tx) error {
		var prev string
		err := tx.QueryRow(ctx, `SELECT payment_id FROM payment_refunds WHERE idempotency_key = ?`, idemKey).Scan(&prev)
		if err == nil {
			if prev != paymentID {
				return errs.Reasonf(errs.Conflict, "idempotency_key", "idempotency key already used for another refund")
			}
			return nil
		} else if !db.IsNoRows(err) {
			return err
		}
		var p Payment
		if err := tx.QueryRow(ctx, `SELECT status, amount, refunded, bill_code FROM payment_payments
			WHERE id = ?`+tx.ForUpdate(), paymentID).Scan(&p.Status, &p.Amount, &p.Refunded, &p.BillCode); db.IsNoRows(err) {
			return errs.New(errs.NotFound, "no payment %q", paymentID)
		} else if err != nil {
			return err
		}
		if p.Status != Succeeded && p.Status != Disputed {
			return errs.Reasonf(errs.Conflict, "not_refundable", "payment is %s, only a succeeded payment can be refunded", p.Status)
		}
		if p.Refunded+amount > p.Amount {
			return errs.Reasonf(errs.Invalid, "refund_too_large", "refund of %d VND exceeds the %d VND still refundable",
				amount, p.Amount-p.Refunded)
		}
		now := s.now().UTC()
		if _, err := tx.Exec(ctx, `INSERT INTO payment_refunds (id, payment_id, amount, reason, idempotency_key,
			created_at) VALUES (?, ?, ?, ?, ?, ?)`, newID("R"), paymentID, amount, reason, idemKey, now); err != nil {
			return err
		}
		status := p.Status
		if p.Refunded+amount == p.Amount {
			status = Refunded
		}
		if _, err := tx.Exec(ctx, `UPDATE payment_payments SET refunded = refunded + ?, status = ?, updated_at = ?,
			version = version + 1 WHERE id = ?`, amount, status, now, paymentID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE payment_bills SET paid = paid - ?, status = CASE WHEN paid - ? <= 0
			THEN 'open' ELSE 'partly_paid' END, version = version + 1 WHERE code = ?`, amount, amount, p.BillCode)
		return err
	})
	if err != nil {
		return Payment{}, err
	}
	return s.Payment(ctx, paymentID)
}
