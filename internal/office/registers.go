package office

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// RegisterQuery selects the entries of a register (sổ đăng ký) for a period.
type RegisterQuery struct {
	Agency string
	// From and To are the first and last day (YYYY-MM-DD), by issue date for the outgoing register
	// and by date received for the incoming one; empty means unbounded.
	From, To string
	// Series selects the outgoing register: normal (the default) or secret, kept separately and
	// seen only by clerks and leaders.
	Series string
	Limit  int
	Offset int
}

// OutgoingEntry is a row of the outgoing register (sổ đăng ký văn bản đi, Decree 30 Phụ lục IV).
type OutgoingEntry struct {
	DocumentID     int64  `json:"document_id"`
	Number         int    `json:"number"`
	NumberNotation string `json:"number_notation"`
	Date           string `json:"date"`
	TypeName       string `json:"type_name"`
	Subject        string `json:"subject"`
	Signer         string `json:"signer"`
	Recipients     string `json:"recipients"`
	Keeper         string `json:"keeper"`
	Copies         int    `json:"copies"`
	Note           string `json:"note"`
}

// OutgoingColumns are the column titles of the outgoing register, in order.
var OutgoingColumns = []string{"Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản", "Người ký",
	"Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ghi chú"}

// IncomingEntry is a row of the incoming register (sổ đăng ký văn bản đến, Decree 30 Phụ lục IV).
type IncomingEntry struct {
	DocumentID     int64  `json:"document_id"`
	Number         int    `json:"number"`
	DateReceived   string `json:"date_received"`
	Sender         string `json:"sender"`
	NumberNotation string `json:"number_notation"`
	DocumentDate   string `json:"document_date"`
	TypeName       string `json:"type_name"`
	Subject        string `json:"subject"`
	Handler        string `json:"handler"`
	ReceiptSign    string `json:"receipt_signature"`
	Note           string `json:"note"`
}

// IncomingColumns are the column titles of the incoming register, in order.
var IncomingColumns = []string{"Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu nội dung",
	"Đơn vị hoặc người nhận", "Ký nhận", "Ghi chú"}

// checkRegister checks the caller and the query and returns the SQL conditions on the dates.
func (s *Service) checkRegister(by *auth.Principal, q *RegisterQuery) error {
	if err := needLogin(by); err != nil {
		return err
	}
	if !mayView(by, q.Agency) {
		return notYourAgency(by, q.Agency, "see the registers")
	}
	if q.Series == "" {
		q.Series = SeriesNormal
	}
	switch q.Series {
	case SeriesNormal:
	case SeriesSecret:
		if partiesOf(by, q.Agency)&(ByClerk|ByLeader|BySystem) == 0 {
			return errs.Reasonf(errs.Forbidden, "secret_register", "only the clerks and leaders of %s see the register of secret documents", q.Agency)
		}
	default:
		return errs.Reasonf(errs.Invalid, "bad_parameter", "series %q: want normal or secret", q.Series)
	}
	for _, d := range []*string{&q.From, &q.To} {
		if *d == "" {
			continue
		}
		t, fe := s.parseDate("date", *d)
		if fe != nil {
			return errs.Reasonf(errs.Invalid, "bad_parameter", "%s", fe.Message)
		}
		*d = t.Format(time.DateOnly)
	}
	if q.Limit <= 0 {
		q.Limit = 1000
	}
	return nil
}

// displayDate writes a YYYY-MM-DD date as the registers print it: 23/11/2026.
func displayDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("02/01/2006")
}

// eachOutgoing streams the register's entries in number order to fn.
func (s *Service) eachOutgoing(ctx context.Context, q RegisterQuery, limit int, fn func(OutgoingEntry) error) error {
	where, args := "o.agency_code = ? AND o.number IS NOT NULL AND o.series = ?", []any{q.Agency, q.Series}
	if q.From != "" {
		where += " AND o.issue_date >= ?"
		args = append(args, q.From)
	}
	if q.To != "" {
		where += " AND o.issue_date <= ?"
		args = append(args, q.To)
	}
	page := ""
	if limit > 0 {
		page = " LIMIT ? OFFSET ?"
		args = append(args, limit, q.Offset)
	}
	return s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT o.id, o.number, o.notation, o.issue_date, o.doc_type, o.subject, o.signer_name, o.keeper,
			o.copies, o.note, COALESCE((SELECT STRING_AGG(r.name, '; ' ORDER BY r.position) FROM office_recipients r WHERE r.outgoing_id = o.id), '')
			FROM office_outgoing o WHERE `+where+` ORDER BY o.year, o.number`+page, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e OutgoingEntry
			var notation, date string
			var typ int
			if err := rows.Scan(&e.DocumentID, &e.Number, &notation, &date, &typ, &e.Subject, &e.Signer, &e.Keeper, &e.Copies, &e.Note, &e.Recipients); err != nil {
				return err
			}
			e.NumberNotation, e.Date = NumberNotation(e.Number, notation), displayDate(date)
			if t, ok := vn.DocumentTypeByNumber(typ); ok {
				e.TypeName = t.Name
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// OutgoingRegister returns the outgoing register's entries of a period in number order.
func (s *Service) OutgoingRegister(ctx context.Context, by *auth.Principal, q RegisterQuery) ([]OutgoingEntry, error) {
	if err := s.checkRegister(by, &q); err != nil {
		return nil, err
	}
	out := []OutgoingEntry{}
	err := s.eachOutgoing(ctx, q, q.Limit, func(e OutgoingEntry) error { out = append(out, e); return nil })
	return out, err
}

// WriteOutgoingCSV streams the outgoing register of a period as CSV (UTF-8 with a byte-order mark,
// so spreadsheet programs read the Vietnamese letters), every entry of the period.
func (s *Service) WriteOutgoingCSV(ctx context.Context, by *auth.Principal, q RegisterQuery, w io.Writer) error {
	if err := s.checkRegister(by, &q); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	io.WriteString(w, "\uFEFF")
	cw.Write(OutgoingColumns)
	err := s.eachOutgoing(ctx, q, 0, func(e OutgoingEntry) error {
		return cw.Write([]string{e.NumberNotation, e.Date, strings.TrimSpace(e.TypeName + ": " + e.Subject), e.Signer, e.Recipients, e.Keeper,
			strconv.Itoa(e.Copies), e.Note})
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// eachIncoming streams the incoming register's entries in number order to fn.
func (s *Service) eachIncoming(ctx context.Context, q RegisterQuery, limit int, fn func(IncomingEntry) error) error {
	where, args := "i.agency_code = ? AND i.number IS NOT NULL", []any{q.Agency}
	loc := s.cal.Location()
	if q.From != "" {
		t, _ := time.ParseInLocation(time.DateOnly, q.From, loc)
		where += " AND i.registered_at >= ?"
		args = append(args, t.UTC())
	}
	if q.To != "" {
		t, _ := time.ParseInLocation(time.DateOnly, q.To, loc)
		where += " AND i.registered_at < ?"
		args = append(args, t.AddDate(0, 0, 1).UTC())
	}
	page := ""
	if limit > 0 {
		page = " LIMIT ? OFFSET ?"
		args = append(args, limit, q.Offset)
	}
	return s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT i.id, i.number, i.registered_at, i.sender_name, i.code_number, i.code_notation, i.document_date,
			i.type_name, i.subject, i.note, i.source, COALESCE((SELECT STRING_AGG(CASE WHEN a.assignee_name <> '' THEN a.assignee_name
			WHEN a.assignee <> '' THEN a.assignee ELSE a.department END, '; ' ORDER BY a.id) FROM office_assignments a
			WHERE a.incoming_id = i.id AND a.role = 'lead' AND a.status <> 'forwarded'), ''), i.registered_by
			FROM office_incoming i WHERE `+where+` ORDER BY i.year, i.number`+page, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e IncomingEntry
			var registered sql.NullTime
			var cn, notation, date, source, registeredBy string
			if err := rows.Scan(&e.DocumentID, &e.Number, &registered, &e.Sender, &cn, &notation, &date, &e.TypeName, &e.Subject, &e.Note,
				&source, &e.Handler, &registeredBy); err != nil {
				return err
			}
			if registered.Valid {
				e.DateReceived = registered.Time.In(loc).Format("02/01/2006")
			}
			e.NumberNotation, e.DocumentDate = strings.Trim(cn+"/"+notation, "/"), displayDate(date)
			if source == FromAxis {
				// An electronic document is received by the system, not signed for on paper.
				e.ReceiptSign = "Nhận qua trục liên thông"
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// IncomingRegister returns the incoming register's entries of a period in number order.
func (s *Service) IncomingRegister(ctx context.Context, by *auth.Principal, q RegisterQuery) ([]IncomingEntry, error) {
	q.Series = ""
	if err := s.checkRegister(by, &q); err != nil {
		return nil, err
	}
	out := []IncomingEntry{}
	err := s.eachIncoming(ctx, q, q.Limit, func(e IncomingEntry) error { out = append(out, e); return nil })
	return out, err
}

// WriteIncomingCSV streams the incoming register of a period as CSV.
func (s *Service) WriteIncomingCSV(ctx context.Context, by *auth.Principal, q RegisterQuery, w io.Writer) error {
	q.Series = ""
	if err := s.checkRegister(by, &q); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	io.WriteString(w, "\uFEFF")
	cw.Write(IncomingColumns)
	err := s.eachIncoming(ctx, q, 0, func(e IncomingEntry) error {
		return cw.Write([]string{e.DateReceived, strconv.Itoa(e.Number), e.Sender, e.NumberNotation, e.DocumentDate,
			strings.TrimSpace(strings.TrimPrefix(e.TypeName+": "+e.Subject, ": ")), e.Handler, e.ReceiptSign, e.Note})
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
