package certcopy

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

const copyColumns = `code, agency_code, register_year, register_number, register_label, book, applicant_name,
	applicant_id_number, original_description, pages, fee, officer_login, officer_name, officer_title, issued_at,
	pdf_sha256, pdf_size, scans, revoked_at, revoked_by, revoke_reason`

type scanner interface{ Scan(dest ...any) error }

func scanCopy(row scanner) (*Copy, error) {
	var c Copy
	var scans string
	var revoked sql.NullTime
	err := row.Scan(&c.Code, &c.Agency, &c.RegisterYear, &c.RegisterNumber, &c.RegisterLabel, &c.Book, &c.ApplicantName,
		&c.ApplicantIDNumber, &c.OriginalDescription, &c.Pages, &c.Fee, &c.OfficerLogin, &c.OfficerName, &c.OfficerTitle,
		&c.IssuedAt, &c.PDF.SHA256, &c.PDF.Size, &scans, &revoked, &c.RevokedBy, &c.RevokeReason)
	if err != nil {
		return nil, err
	}
	c.IssuedAt = c.IssuedAt.UTC()
	c.PDF.ContentType = "application/pdf"
	if revoked.Valid {
		t := revoked.Time.UTC()
		c.RevokedAt = &t
	}
	if err := json.Unmarshal([]byte(scans), &c.Scans); err != nil {
		return nil, fmt.Errorf("certcopy: scans of %s: %w", c.Code, err)
	}
	return &c, nil
}

// nextNumber takes the agency's next register number of the year. The counter row is updated in
// the caller's transaction, so a copy that is not stored gives its number back.
func nextNumber(ctx context.Context, tx *db.Tx, agency string, year int) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO certcopy_counters (agency_code, year, last) VALUES (?, ?, 1)
		ON CONFLICT (agency_code, year) DO UPDATE SET last = certcopy_counters.last + 1 RETURNING last`, agency, year).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("certcopy: register number: %w", err)
	}
	return n, nil
}

func insertCopy(ctx context.Context, tx *db.Tx, c *Copy) error {
	scans, err := json.Marshal(c.Scans)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO certified_copies (`+copyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', '')`,
		c.Code, c.Agency, c.RegisterYear, c.RegisterNumber, c.RegisterLabel, c.Book, c.ApplicantName, c.ApplicantIDNumber,
		c.OriginalDescription, c.Pages, c.Fee, c.OfficerLogin, c.OfficerName, c.OfficerTitle, c.IssuedAt.UTC(),
		c.PDF.SHA256, c.PDF.Size, string(scans))
	if err != nil {
		return fmt.Errorf("certcopy: storing %s: %w", c.Code, err)
	}
	return nil
}

func getCopy(ctx context.Context, tx *db.Tx, code string, forUpdate bool) (*Copy, error) {
	q := "SELECT " + copyColumns + " FROM certified_copies WHERE code = ?"
	if forUpdate {
		q += tx.ForUpdate()
	}
	c, err := scanCopy(tx.QueryRow(ctx, q, code))
	if db.IsNoRows(err) {
		return nil, errs.Reasonf(errs.NotFound, "no_copy", "there is no certified copy %s", code)
	}
	return c, err
}

func revokeCopy(ctx context.Context, tx *db.Tx, code, by, reason string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE certified_copies SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE code = ?`,
		at.UTC(), by, reason, code)
	return err
}

func listCopies(ctx context.Context, tx *db.Tx, f Filter) ([]*Copy, error) {
	q := "SELECT " + copyColumns + " FROM certified_copies WHERE agency_code = ?"
	args := []any{f.Agency}
	if f.Year > 0 {
		q += " AND register_year = ?"
		args = append(args, f.Year)
	}
	q += " ORDER BY register_year DESC, register_number DESC LIMIT ? OFFSET ?"
	args = append(args, f.Limit, f.Offset)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Copy{}
	for rows.Next() {
		c, err := scanCopy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
