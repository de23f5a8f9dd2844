package office

import (
	"context"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// FormatNumber writes a document number as Decree 30 does: two digits below 10 ("01"), then as is.
func FormatNumber(n int) string {
	if n >= 0 && n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Notation returns the notation (ký hiệu) of a document: type abbreviation, agency abbreviation
// and, when given, the drafting unit's, joined by hyphens, such as "QĐ-UBND" or, for a Công văn
// whose type has no abbreviation, "UBND-VP".
func Notation(typeAbbr, agencyAbbr, unitAbbr string) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{typeAbbr, agencyAbbr, unitAbbr} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "-")
}

// NumberNotation joins number and notation as the document shows them after "Số:": 15/QĐ-UBND.
func NumberNotation(n int, notation string) string {
	return FormatNumber(n) + "/" + notation
}

// nextNumber takes the next number of (agency, year, series) inside tx. The counter row is updated
// in the same transaction as the document that uses the number: a rollback leaves no gap, the row
// lock makes concurrent issuers (and nodes, on PostgreSQL) take turns, and the unique index on the
// documents catches any duplicate.
func nextNumber(ctx context.Context, tx *db.Tx, agency string, year int, series string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO office_counters (agency_code, year, series, last) VALUES (?, ?, ?, 1)
		ON CONFLICT (agency_code, year, series) DO UPDATE SET last = office_counters.last + 1 RETURNING last`,
		agency, year, series).Scan(&n)
	return n, err
}

// LastNumber returns the last number taken in (agency, year, series), 0 when none.
func (s *Service) LastNumber(ctx context.Context, agency string, year int, series string) (int, error) {
	var n int
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT last FROM office_counters WHERE agency_code = ? AND year = ? AND series = ?", agency, year, series).Scan(&n)
		if db.IsNoRows(err) {
			return nil
		}
		return err
	})
	return n, err
}

// resolveType finds one of the 29 document types by its art. 7 number ("18"), abbreviation ("QĐ",
// "QyĐ"; case ignored) or name ("Công văn"; diacritics and case ignored).
func resolveType(s string) (vn.DocumentType, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return vn.DocumentType{}, errs.Reasonf(errs.Invalid, "unknown_document_type", "say which of the 29 document types this is")
	}
	if n, err := strconv.Atoi(s); err == nil {
		if t, ok := vn.DocumentTypeByNumber(n); ok {
			return t, nil
		}
		return vn.DocumentType{}, errs.Reasonf(errs.Invalid, "unknown_document_type", "document type %d: Decree 30 numbers its 29 types 1–29", n)
	}
	if t, ok := vn.DocumentTypeByAbbreviation(s); ok {
		return t, nil
	}
	folded := vn.Fold(s)
	for _, t := range vn.DocumentTypes() {
		name := vn.Fold(t.Name)
		if name == folded || strings.TrimSuffix(name, " (ca biet)") == folded {
			return t, nil
		}
	}
	return vn.DocumentType{}, errs.Reasonf(errs.Invalid, "unknown_document_type",
		"%q is not one of the 29 document types of Decree 30: give its number (1–29), abbreviation (QĐ, TB …) or name (Công văn …)", s)
}

// parseUrgency reads an urgency as its number (0–3), Vietnamese or English name.
func parseUrgency(s string) (vn.Urgency, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return vn.UrgencyNormal, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if u, ok := vn.UrgencyFromPriority(n); ok {
			return u, nil
		}
	}
	f := vn.Fold(s)
	for u := vn.UrgencyNormal; u <= vn.UrgencyImmediate; u++ {
		if f == vn.Fold(u.Vietnamese()) || f == u.String() {
			return u, nil
		}
	}
	return 0, errs.Reasonf(errs.Invalid, "bad_urgency", "urgency %q: want thường, khẩn, thượng khẩn or hỏa tốc (0–3)", s)
}

// parseConfidentiality reads a secrecy grade as its number (0–3), Vietnamese or English name.
func parseConfidentiality(s string) (vn.Confidentiality, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return vn.Unclassified, nil
	}
	if n, err := strconv.Atoi(s); err == nil && vn.Confidentiality(n).Valid() {
		return vn.Confidentiality(n), nil
	}
	f := vn.Fold(s)
	for c := vn.Unclassified; c <= vn.TopSecret; c++ {
		if f == vn.Fold(c.Vietnamese()) || f == c.String() {
			return c, nil
		}
	}
	return 0, errs.Reasonf(errs.Invalid, "bad_confidentiality", "confidentiality %q: want thường, mật, tối mật or tuyệt mật (0–3)", s)
}
