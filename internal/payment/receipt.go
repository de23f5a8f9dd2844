package payment

import (
	"context"
	"fmt"
	"strconv"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/signature"
)

// SignerFunc returns the key the collecting agency signs its receipts with.
type SignerFunc func(ctx context.Context, agency string) (signature.Signer, error)

// Receipt is an issued electronic receipt.
type Receipt struct {
	PaymentID string `json:"payment_id"`
	Agency    string `json:"agency_code"`
	Year      int    `json:"year"`
	Number    int    `json:"number"`
	Label     string `json:"label"` // e.g. BL-2026/000001
	PDF       []byte `json:"-"`
}

// IssueReceipt issues the signed receipt of a succeeded payment, or returns the one already
// issued. The number comes from the agency's counter for the year in the same transaction as
// the receipt row, so a failure leaves no gap.
func (s *Service) IssueReceipt(ctx context.Context, paymentID string, signer SignerFunc) (Receipt, error) {
	var rc Receipt
	err := s.d.Tx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `SELECT payment_id, agency_code, year, number, label, pdf FROM payment_receipts
			WHERE payment_id = ?`, paymentID).Scan(&rc.PaymentID, &rc.Agency, &rc.Year, &rc.Number, &rc.Label, &rc.PDF)
		if err == nil {
			return nil
		} else if !db.IsNoRows(err) {
			return err
		}
		var p Payment
		if err := tx.QueryRow(ctx, `SELECT id, bill_code, amount, status, gateway_txn FROM payment_payments WHERE id = ?`,
			paymentID).Scan(&p.ID, &p.BillCode, &p.Amount, &p.Status, new(string)); db.IsNoRows(err) {
			return errs.New(errs.NotFound, "no payment %q", paymentID)
		} else if err != nil {
			return err
		}
		if p.Status != Succeeded {
			return errs.Reasonf(errs.Conflict, "not_paid", "payment is %s; only a succeeded payment has a receipt", p.Status)
		}
		var b Bill
		if err := tx.QueryRow(ctx, `SELECT agency_code, payer_name, dossier_code, reference FROM payment_bills WHERE code = ?`,
			p.BillCode).Scan(&b.AgencyCode, &b.PayerName, &b.DossierCode, &b.Reference); err != nil {
			return err
		}
		key, err := signer(ctx, b.AgencyCode)
		if err != nil {
			return errs.Wrap(errs.Unavailable, err, "no signing key for %s", b.AgencyCode)
		}
		now := s.now().UTC()
		year := now.In(ict).Year()
		var n int
		if err := tx.QueryRow(ctx, `INSERT INTO payment_receipt_counters (agency_code, year, last_number) VALUES (?, ?, 1)
			ON CONFLICT (agency_code, year) DO UPDATE SET last_number = payment_receipt_counters.last_number + 1
			RETURNING last_number`, b.AgencyCode, year).Scan(&n); err != nil {
			return err
		}
		rc = Receipt{PaymentID: p.ID, Agency: b.AgencyCode, Year: year, Number: n, Label: fmt.Sprintf("BL-%d/%06d", year, n)}
		doc := pdf.New(pdf.Meta{Title: "Biên lai điện tử " + rc.Label, Author: b.AgencyCode, Subject: "Biên lai thu phí, lệ phí", Created: now})
		doc.Title("BIÊN LAI THU PHÍ, LỆ PHÍ", "(Biên lai điện tử) Số: "+rc.Label)
		doc.Field("Đơn vị thu", b.AgencyCode)
		doc.Field("Người nộp", b.PayerName)
		doc.Field("Mã hồ sơ", b.DossierCode)
		doc.Field("Mã tra cứu thanh toán", b.Reference)
		doc.Field("Mã giao dịch", p.ID)
		doc.Field("Số tiền", groupVND(p.Amount)+" đồng")
		doc.Field("Thời điểm", pdf.DateLine("", now))
		unsigned, err := doc.Bytes()
		if err != nil {
			return err
		}
		rc.PDF, err = signature.SignPDF(unsigned, key, signature.PDFSignOptions{Reason: "Biên lai điện tử " + rc.Label,
			Location: b.AgencyCode, Time: now})
		if err != nil {
			return fmt.Errorf("payment.IssueReceipt: signing: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO payment_receipts (payment_id, agency_code, year, number, label, pdf, issued_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, rc.PaymentID, rc.Agency, rc.Year, rc.Number, rc.Label, rc.PDF, now)
		return err
	})
	return rc, err
}

// groupVND writes 1500000 as 1.500.000.
func groupVND(v int64) string {
	s := strconv.FormatInt(v, 10)
	out := ""
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out += "."
		}
		out += string(c)
	}
	return out
}
