// Package payment is the online payment platform: bills for dossier fees, payments through signed
// gateways, and notifications verified, de-duplicated and applied exactly once.
package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

var ict = vn.ICT

// Fee line kinds.
const (
	KindFee    = "phi"    // phí
	KindCharge = "le_phi" // lệ phí
)

// Line is one fee line of a bill, in integer VND.
type Line struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Amount int64  `json:"amount"`
}

// BillInput is what creates a bill.
type BillInput struct {
	DossierCode   string `json:"dossier_code"`
	ProcedureCode string `json:"procedure_code"`
	AgencyCode    string `json:"agency_code"`
	PayerName     string `json:"payer_name"`
	PayerID       string `json:"payer_id"`
	Lines         []Line `json:"lines"`
	Beneficiary   string `json:"beneficiary"`
	Treasury      string `json:"treasury"`
}

// Bill is a payment obligation.
type Bill struct {
	Code      string    `json:"code"`
	Reference string    `json:"reference"` // MaTraCuuTT
	Total     int64     `json:"total"`
	Paid      int64     `json:"paid"`
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expires_at"`
	BillInput
}

// Due is what is left to pay.
func (b Bill) Due() int64 { return b.Total - b.Paid }

// Payment is one attempt to pay a bill through a gateway.
type Payment struct {
	ID       string `json:"id"`
	BillCode string `json:"bill_code"`
	Gateway  string `json:"gateway"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Status   string `json:"status"`
	Refunded int64  `json:"refunded"`
	// RedirectURL is where to send the payer (the gateway's pay page), set when a payment is created
	// through the API or the pages.
	RedirectURL string `json:"redirect_url,omitempty"`
}

// Options configures the service.
type Options struct {
	Gateways []Gateway
	// OnPaid is called once, after commit, when a bill becomes fully paid (the server passes a
	// function that moves the dossier on from status 6).
	OnPaid func(ctx context.Context, dossierCode string) error
	Now    func() time.Time
	// PayURLs are the gateways' pay pages (gateway id → URL, e.g. the simulator's http://host/pay).
	PayURLs map[string]string
	// StatementURLs are the gateways' statement CSV addresses (gateway id → URL) that Run fetches.
	StatementURLs map[string]string
	// ReconOwner owns the reconciliation items Run opens (default "finance").
	ReconOwner string
}

// Service owns bills and payments.
type Service struct {
	d        *db.DB
	group    *db.Group
	gateways map[string]Gateway
	onPaid   func(context.Context, string) error
	now      func() time.Time
	payURLs  map[string]string
	stmtURLs map[string]string
	owner    string
}

// New returns a Service.
func New(d *db.DB, o Options) *Service {
	s := &Service{d: d, group: d.NewGroup(db.GroupOptions{MaxBatch: 64}), gateways: map[string]Gateway{}, onPaid: o.OnPaid, now: o.Now,
		payURLs: o.PayURLs, stmtURLs: o.StatementURLs, owner: o.ReconOwner}
	if s.owner == "" {
		s.owner = "finance"
	}
	for _, g := range o.Gateways {
		s.gateways[g.Name()] = g
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Close stops the group committer (after the HTTP server has stopped).
func (s *Service) Close() { s.group.Close() }

func newID(prefix string) string {
	b := make([]byte, 10)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// CreateBill validates and stores a bill. MaTraCuuTT is the dossier code followed by the creation
// time yyyyMMddHHmmss (ICT).
func (s *Service) CreateBill(ctx context.Context, in BillInput) (Bill, error) {
	var total int64
	var fields []errs.FieldError
	if strings.TrimSpace(in.PayerName) == "" {
		fields = append(fields, errs.FieldError{Field: "payer_name", Message: "required"})
	}
	if in.AgencyCode == "" {
		fields = append(fields, errs.FieldError{Field: "agency_code", Message: "required"})
	}
	if len(in.Lines) == 0 {
		fields = append(fields, errs.FieldError{Field: "lines", Message: "at least one fee line"})
	}
	for _, l := range in.Lines {
		if l.Amount <= 0 || (l.Kind != KindFee && l.Kind != KindCharge) {
			fields = append(fields, errs.FieldError{Field: "lines", Message: "each line needs kind phi or le_phi and a positive amount in VND"})
			break
		}
		total += l.Amount
	}
	if len(fields) > 0 {
		e := errs.New(errs.Invalid, "the bill is not valid")
		e.Fields = fields
		return Bill{}, e
	}
	now := s.now().UTC()
	base := in.DossierCode
	if base == "" {
		base = "BILL"
	}
	b := Bill{Code: newID("B"), Reference: base + now.In(ict).Format("20060102150405"), Total: total,
		Status: "open", ExpiresAt: now.Add(30 * 24 * time.Hour), BillInput: in}
	lines, _ := json.Marshal(in.Lines)
	err := s.d.Tx(ctx, func(tx *db.Tx) error {
		// MaTraCuuTT must be unique: a second bill for the same dossier in the same second takes the
		// next free second.
		for i := 0; i < 3600; i++ {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM payment_bills WHERE reference = ?`, b.Reference).Scan(&one)
			if db.IsNoRows(err) {
				break
			} else if err != nil {
				return err
			}
			b.Reference = base + now.Add(time.Duration(i+1)*time.Second).In(ict).Format("20060102150405")
		}
		_, err := tx.Exec(ctx, `INSERT INTO payment_bills (code, dossier_code, procedure_code, agency_code,
			payer_name, payer_id, reference, lines_json, total, status, beneficiary, treasury, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)`, b.Code, in.DossierCode, in.ProcedureCode,
			in.AgencyCode, in.PayerName, in.PayerID, b.Reference, string(lines), total, in.Beneficiary,
			in.Treasury, now, b.ExpiresAt)
		return err
	})
	return b, err
}

// Bill returns one bill.
func (s *Service) Bill(ctx context.Context, code string) (Bill, error) {
	var b Bill
	var lines string
	err := s.d.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT code, reference, total, paid, status, expires_at, dossier_code,
			procedure_code, agency_code, payer_name, payer_id, lines_json, beneficiary, treasury
			FROM payment_bills WHERE code = ?`, code).Scan(&b.Code, &b.Reference, &b.Total, &b.Paid,
			&b.Status, &b.ExpiresAt, &b.DossierCode, &b.ProcedureCode, &b.AgencyCode, &b.PayerName,
			&b.PayerID, &lines, &b.Beneficiary, &b.Treasury)
	})
	if db.IsNoRows(err) {
		return Bill{}, errs.New(errs.NotFound, "no bill %q", code)
	} else if err != nil {
		return Bill{}, err
	}
	json.Unmarshal([]byte(lines), &b.Lines)
	return b, nil
}

// CreatePayment starts a payment of the bill's outstanding amount through a gateway. The same
// idempotency key returns the same payment (a double click on "pay" makes one payment).
func (s *Service) CreatePayment(ctx context.Context, billCode, gateway, idemKey string) (Payment, error) {
	if _, ok := s.gateways[gateway]; !ok {
		return Payment{}, errs.Reasonf(errs.Invalid, "unknown_gateway", "unknown gateway %q", gateway)
	}
	if idemKey == "" {
		return Payment{}, errs.Reasonf(errs.Invalid, "idempotency_key", "an idempotency key is required")
	}
	var p Payment
	err := s.d.Tx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, bill_code, gateway, amount, currency, status, refunded
			FROM payment_payments WHERE idempotency_key = ?`, idemKey).Scan(&p.ID, &p.BillCode,
			&p.Gateway, &p.Amount, &p.Currency, &p.Status, &p.Refunded)
		if err == nil {
			if p.BillCode != billCode || p.Gateway != gateway {
				return errs.Reasonf(errs.Conflict, "idempotency_key", "idempotency key already used for another payment")
			}
			return nil
		}
		if !db.IsNoRows(err) {
			return err
		}
		var total, paid int64
		var status string
		var expires time.Time
		if err := tx.QueryRow(ctx, `SELECT total, paid, status, expires_at FROM payment_bills WHERE code = ?`,
			billCode).Scan(&total, &paid, &status, &expires); db.IsNoRows(err) {
			return errs.New(errs.NotFound, "no bill %q", billCode)
		} else if err != nil {
			return err
		}
		if status != "open" && status != "partly_paid" {
			return errs.Reasonf(errs.Conflict, "bill_closed", "the bill is %s", status)
		}
		now := s.now().UTC()
		if now.After(expires) {
			return errs.Reasonf(errs.Conflict, "bill_expired", "the bill has expired")
		}
		p = Payment{ID: newID("P"), BillCode: billCode, Gateway: gateway, Amount: total - paid,
			Currency: "VND", Status: Created}
		_, err = tx.Exec(ctx, `INSERT INTO payment_payments (id, bill_code, gateway, amount, currency,
			status, idempotency_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.BillCode, p.Gateway, p.Amount, p.Currency, p.Status, idemKey, now, now)
		return err
	})
	return p, err
}

// Payment returns one payment.
func (s *Service) Payment(ctx context.Context, id string) (Payment, error) {
	var p Payment
	err := s.d.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id, bill_code, gateway, amount, currency, status, refunded
			FROM payment_payments WHERE id = ?`, id).Scan(&p.ID, &p.BillCode, &p.Gateway, &p.Amount,
			&p.Currency, &p.Status, &p.Refunded)
	})
	if db.IsNoRows(err) {
		return Payment{}, errs.New(errs.NotFound, "no payment %q", id)
	}
	return p, err
}
