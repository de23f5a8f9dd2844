package feedback

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Get looks an item up by its tracking code for anyone holding the code (the sender is given it):
// status, dates and the answer, never the sender's details.
func (s *Service) Get(ctx context.Context, code string) (*PublicView, error) {
	canon, _, err := ParseCode(code)
	if err != nil {
		return nil, err
	}
	it, err := s.load(ctx, canon, false)
	if err != nil {
		return nil, err
	}
	v := it.Public()
	return &v, nil
}

// Detail returns a whole item with its sender and timeline to whoever may see its agency's items.
func (s *Service) Detail(ctx context.Context, by *auth.Principal, code string) (*Item, error) {
	canon, _, err := ParseCode(code)
	if err != nil {
		return nil, err
	}
	if by == nil {
		return nil, errs.New(errs.Unauthorized, "please log in; anyone may look an item up by its code")
	}
	it, err := s.load(ctx, canon, true)
	if err != nil {
		return nil, err
	}
	if err := mayView(by, it.Agency); err != nil {
		return nil, err
	}
	return it, nil
}

// Filter selects items for an agency's list.
type Filter struct {
	// Agency limits the list to an agency and the agencies below it (required).
	Agency string
	Status []Status
	Kind   Kind
	// Timeliness, Overdue or DueSoon, limits the list to open items past or near their deadline.
	Timeliness Timeliness
	// Query matches words of the subject, content, field, procedure and answer, and the code, the
	// sender and the dossier, ignoring case and diacritics.
	Query  string
	Limit  int
	Offset int
}

// likeWords returns LIKE conditions, one per folded word of q, each matching any of cols.
func likeWords(q string, cols ...string) (string, []any) {
	var conds []string
	var args []any
	for _, w := range strings.Fields(vn.Fold(q)) {
		pat := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(w) + "%"
		var ors []string
		for _, c := range cols {
			ors = append(ors, c+` LIKE ? ESCAPE '\'`)
			args = append(args, pat)
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	return strings.Join(conds, " AND "), args
}

// List returns the items of an agency subtree that the filter selects: by deadline when listing
// overdue or due-soon items, newest first otherwise.
func (s *Service) List(ctx context.Context, by *auth.Principal, f Filter) ([]*Item, error) {
	if err := mayView(by, f.Agency); err != nil {
		return nil, err
	}
	lo, hi, err := subtreeRange(f.Agency)
	if err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_agency_code", "%v", err)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	now := s.now()
	var where []string
	var args []any
	switch f.Timeliness {
	case "":
		where, args = append(where, "agency_key >= ?", "agency_key < ?"), append(args, lo, hi)
	case Overdue:
		where = append(where, "is_open = 1", "agency_key >= ?", "agency_key < ?", "due_at < ?")
		args = append(args, lo, hi, now)
	case DueSoon:
		where = append(where, "is_open = 1", "agency_key >= ?", "agency_key < ?", "due_at >= ?", "due_at <= ?")
		args = append(args, lo, hi, now, s.cal.AddWorkingDays(now, DueSoonDays).UTC())
	default:
		return nil, errs.Reasonf(errs.Invalid, "bad_filter", "timeliness is overdue or due_soon, not %q", f.Timeliness)
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			if !st.Valid() {
				return nil, errs.Reasonf(errs.Invalid, "bad_filter", "%q is not a status", st)
			}
			ph[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return nil, errs.Reasonf(errs.Invalid, "bad_filter", "%q is not a kind", f.Kind)
		}
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if cond, a := likeWords(f.Query, "search_text", "sender_search"); cond != "" {
		where, args = append(where, cond), append(args, a...)
	}
	order := "received_at DESC, code"
	if f.Timeliness != "" {
		order = "due_at, code"
	}
	q := "SELECT " + itemColumns + " FROM feedback_items WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + order + fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	out, err := s.query(ctx, q, args, now)
	if err != nil {
		return nil, fmt.Errorf("feedback.List(%s): %w", f.Agency, err)
	}
	return out, nil
}

func (s *Service) query(ctx context.Context, q string, args []any, now time.Time) ([]*Item, error) {
	var out []*Item
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				return err
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, it := range out {
		s.complete(it, now)
	}
	return out, nil
}

// PublishedFilter selects published answers.
type PublishedFilter struct {
	// Query matches words of the subject, content, field, procedure and answer, ignoring diacritics.
	Query string
	Kind  Kind
	// Agency limits the list to an agency and those below it; Field to a field code.
	Agency string
	Field  string
	Limit  int
	Offset int
}

// PublishedAnswers lists published items, newest answer first, for anyone.
func (s *Service) PublishedAnswers(ctx context.Context, f PublishedFilter) ([]PublicView, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	where := []string{"status = ?"}
	args := []any{string(Published)}
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return nil, errs.Reasonf(errs.Invalid, "bad_filter", "%q is not a kind", f.Kind)
		}
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if f.Agency = strings.TrimSpace(f.Agency); f.Agency != "" {
		lo, hi, err := subtreeRange(f.Agency)
		if err != nil {
			return nil, errs.Reasonf(errs.Invalid, "bad_agency_code", "%v", err)
		}
		where, args = append(where, "agency_key >= ?", "agency_key < ?"), append(args, lo, hi)
	}
	if f.Field = strings.ToUpper(strings.TrimSpace(f.Field)); f.Field != "" {
		where, args = append(where, "field_code = ?"), append(args, f.Field)
	}
	if cond, a := likeWords(f.Query, "search_text"); cond != "" {
		where, args = append(where, cond), append(args, a...)
	}
	q := "SELECT " + itemColumns + " FROM feedback_items WHERE " + strings.Join(where, " AND ") +
		" ORDER BY published_at DESC, code" + fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	items, err := s.query(ctx, q, args, s.now())
	if err != nil {
		return nil, fmt.Errorf("feedback.PublishedAnswers: %w", err)
	}
	out := make([]PublicView, 0, len(items))
	for _, it := range items {
		v := it.Public()
		v.Dossier = ""
		out = append(out, v)
	}
	return out, nil
}
