package dossier

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// canRead reports whether by may see the whole dossier: its parties and the agency's viewers.
func canRead(by *auth.Principal, d *Dossier) bool {
	if _, ok := party(by, d.Agency, d.Applicant.UserID); ok {
		return true
	}
	return by != nil && by.Can(auth.Viewer, d.Agency)
}

// MayView returns an error unless by may see the dossiers and figures of agency's subtree: its
// officers, leaders and viewers, and machine clients acting for it.
func (s *Service) MayView(by *auth.Principal, agency string) error {
	if by == nil {
		return errs.New(errs.Unauthorized, "please log in")
	}
	if agency == "" {
		return errs.Reasonf(errs.Invalid, "agency_required", "say which agency")
	}
	if !by.Can(auth.Viewer, agency) && !by.Can(auth.Officer, agency) && !by.Can(auth.Leader, agency) && !by.ActsFor(agency) {
		return errs.Reasonf(errs.Forbidden, "missing_role", "%s may not see the dossiers of %s", by.Actor(), agency)
	}
	return nil
}

// Get returns a whole dossier to whoever may see it.
func (s *Service) Get(ctx context.Context, by *auth.Principal, code string) (*Dossier, error) {
	if _, err := vn.ParseDossierCode(code); err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_dossier_code", "%v", err)
	}
	if by == nil {
		return nil, errs.New(errs.Unauthorized, "please log in to see the dossier; anyone may look up its status")
	}
	d, err := s.load(ctx, code)
	if err != nil {
		return nil, err
	}
	if !canRead(by, d) {
		return nil, errs.Reasonf(errs.Forbidden, "not_your_dossier", "%s may not see dossier %s", by.Actor(), code)
	}
	return d, nil
}

// Timeliness says where d stands against its appointment at now.
func (s *Service) Timeliness(d *Dossier, now time.Time) Timeliness {
	switch {
	case d.DueAt == nil:
		return NoDeadline
	case d.ProcessedAt != nil:
		if d.ProcessedAt.After(*d.DueAt) {
			return Late
		}
		return OnTime
	case !d.waiting():
		return NoDeadline
	case now.After(*d.DueAt):
		return Overdue
	case !s.cal.AddWorkingDays(now, DueSoonDays).Before(*d.DueAt):
		return DueSoon
	}
	return OnTrack
}

// Public looks a dossier up by its code for anyone: status and dates, no personal data.
func (s *Service) Public(ctx context.Context, code string) (*PublicView, error) {
	code = strings.TrimSpace(code)
	if _, err := vn.ParseDossierCode(code); err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_dossier_code", "%v", err)
	}
	var d *Dossier
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		d, err = get(ctx, tx, code, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &PublicView{Code: d.Code, ProcedureName: d.ProcedureName, Agency: d.Agency, AgencyName: s.agencies.Name(d.Agency),
		Applicant: maskName(d.Applicant.Name), Status: d.Status, StatusName: d.Status.English(), StatusNameVI: d.Status.Vietnamese(),
		SubmittedAt: d.SubmittedAt, AcceptedAt: d.AcceptedAt, DueAt: d.DueAt, FinishedAt: d.FinishedAt,
		Timeliness: s.Timeliness(d, s.db.Now())}, nil
}

// Filter selects dossiers for a list.
type Filter struct {
	// Agency limits the list to an agency and the agencies below it.
	Agency string
	Status []vn.DossierStatus
	// Timeliness, Overdue or DueSoon, limits to running dossiers past or near their appointment.
	Timeliness Timeliness
	// Mine lists the caller's own dossiers as an applicant.
	Mine bool
	// From and To, when set, limit to dossiers submitted in [From, To), oldest first.
	From, To time.Time
	Limit    int
	Offset   int
	// limitMax raises the page size bound (the tracking book lists a whole period).
	limitMax int
}

// subtreePattern is a LIKE pattern for the codes of an agency and those below it: codes are written
// from the lowest level up, so a subtree shares the code's tail without its zero levels.
func subtreePattern(code string) (string, error) {
	if _, err := vn.ParseAgencyCode(code); err != nil {
		return "", err
	}
	parts := strings.Split(code, ".")
	i := 0
	for i < len(parts)-1 && strings.Trim(parts[i], "0") == "" {
		i++
	}
	return "%." + strings.Join(parts[i:], "."), nil
}

// List returns the dossiers the filter selects, newest first, that the caller may see.
func (s *Service) List(ctx context.Context, by *auth.Principal, f Filter) ([]*Dossier, error) {
	if by == nil {
		return nil, errs.New(errs.Unauthorized, "please log in")
	}
	if f.limitMax == 0 {
		f.limitMax = 500
	}
	if f.Limit <= 0 || f.Limit > f.limitMax {
		f.Limit = 100
	}
	var where []string
	var args []any
	if f.Mine {
		where, args = append(where, "applicant_user_id = ?"), append(args, by.UserID)
	} else {
		if f.Agency == "" {
			return nil, errs.Reasonf(errs.Invalid, "agency_required", "say which agency's dossiers to list")
		}
		if err := s.MayView(by, f.Agency); err != nil {
			return nil, err
		}
		pat, err := subtreePattern(f.Agency)
		if err != nil {
			return nil, errs.Reasonf(errs.Invalid, "bad_agency_code", "%v", err)
		}
		where, args = append(where, "agency_code LIKE ?"), append(args, pat)
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			ph[i] = "?"
			args = append(args, int(st))
		}
		where = append(where, "status IN ("+strings.Join(ph, ",")+")")
	}
	now := s.db.Now().UTC()
	running := "status IN (2, 4, 5, 6)"
	switch f.Timeliness {
	case "":
	case Overdue:
		where, args = append(where, running, "due_at < ?"), append(args, now)
	case DueSoon:
		where, args = append(where, running, "due_at >= ?", "due_at <= ?"), append(args, now, s.cal.AddWorkingDays(now, DueSoonDays).UTC())
	default:
		return nil, errs.Reasonf(errs.Invalid, "bad_filter", "timeliness is overdue or due_soon, not %q", f.Timeliness)
	}
	order := "submitted_at DESC, code DESC"
	if !f.From.IsZero() || !f.To.IsZero() {
		where, args = append(where, "submitted_at >= ?", "submitted_at < ?"), append(args, f.From.UTC(), f.To.UTC())
		order = "submitted_at, code"
	}
	if f.Timeliness != "" {
		order = "due_at, code"
	}
	q := "SELECT " + dossierColumns + " FROM dossiers WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + order + fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	var out []*Dossier
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDossier(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.List: %w", err)
	}
	return out, nil
}

// OpenFile returns a file of a dossier with its content, for whoever may see the dossier.
func (s *Service) OpenFile(ctx context.Context, by *auth.Principal, code string, position int) (File, io.ReadCloser, error) {
	d, err := s.Get(ctx, by, code)
	if err != nil {
		return File{}, nil, err
	}
	for _, f := range d.Files {
		if f.Position == position {
			rc, err := s.blobs.Open(ctx, f.SHA256)
			return f, rc, err
		}
	}
	return File{}, nil, errs.Reasonf(errs.NotFound, "no_file", "dossier %s has no file %d", code, position)
}

// Document is a paper in an applicant's electronic data store (kho dữ liệu điện tử): a result an
// agency issued, reusable in later dossiers instead of being asked for again.
type Document struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Dossier     string    `json:"dossier,omitempty"`
	Issuer      string    `json:"issuer,omitempty"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	Signed      bool      `json:"signed"`
	CreatedAt   time.Time `json:"created_at"`
}

const documentColumns = "id, name, kind, dossier_code, issuer_code, content_type, sha256, size, signed, created_at"

func scanDocument(row scanner) (Document, error) {
	var d Document
	err := row.Scan(&d.ID, &d.Name, &d.Kind, &d.Dossier, &d.Issuer, &d.ContentType, &d.SHA256, &d.Size, &d.Signed, &d.CreatedAt)
	d.CreatedAt = d.CreatedAt.UTC()
	return d, err
}

// keepResults puts a returned dossier's results into its applicant's data store.
func (s *Service) keepResults(ctx context.Context, tx *db.Tx, d *Dossier) error {
	files, err := loadFiles(ctx, tx, d.Code)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Kind != FileResult {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO applicant_documents (user_id, name, kind, dossier_code, issuer_code, content_type, sha256, size, signed, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.Applicant.UserID, f.Name, FileResult, d.Code, d.Agency, f.ContentType, f.SHA256, f.Size, f.Signed, tx.Now); err != nil {
			return err
		}
	}
	return nil
}

// Documents lists the caller's data store, newest first.
func (s *Service) Documents(ctx context.Context, by *auth.Principal) ([]Document, error) {
	if by == nil || by.Kind != auth.KindUser {
		return nil, errs.New(errs.Unauthorized, "please log in to see your data store")
	}
	var out []Document
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+documentColumns+" FROM applicant_documents WHERE user_id = ? ORDER BY id DESC", by.UserID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDocument(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// Document returns one document of the caller's data store.
func (s *Service) Document(ctx context.Context, by *auth.Principal, id int64) (Document, error) {
	if by == nil || by.Kind != auth.KindUser {
		return Document{}, errs.New(errs.Unauthorized, "please log in to use your data store")
	}
	var d Document
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		d, err = scanDocument(tx.QueryRow(ctx, "SELECT "+documentColumns+" FROM applicant_documents WHERE id = ? AND user_id = ?", id, by.UserID))
		return err
	})
	if db.IsNoRows(err) {
		return Document{}, errs.Reasonf(errs.NotFound, "no_document", "your data store has no document %d", id)
	}
	return d, err
}

// OpenDocument returns a data store document's content.
func (s *Service) OpenDocument(ctx context.Context, by *auth.Principal, id int64) (Document, io.ReadCloser, error) {
	d, err := s.Document(ctx, by, id)
	if err != nil {
		return d, nil, err
	}
	rc, err := s.blobs.Open(ctx, d.SHA256)
	return d, rc, err
}
