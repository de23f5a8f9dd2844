package dossier

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

const dossierColumns = `code, agency_code, procedure_code, instance_code, procedure_name, status, resume_status, channel,
	applicant_user_id, applicant_kind, applicant_name, applicant_id, applicant_email, applicant_phone, applicant_address,
	subject, processing_days, fee_total, submitted_at, accepted_at, due_at, deadline_note, department_code, assignee,
	processed_at, finished_at, rating, rating_comment, version, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanDossier(row scanner) (*Dossier, error) {
	var d Dossier
	var status, resume int
	var userID, rating sql.NullInt64
	var accepted, due, processed, finished sql.NullTime
	err := row.Scan(&d.Code, &d.Agency, &d.Procedure, &d.Instance, &d.ProcedureName, &status, &resume, &d.Channel,
		&userID, &d.Applicant.Kind, &d.Applicant.Name, &d.Applicant.ID, &d.Applicant.Email, &d.Applicant.Phone,
		&d.Applicant.Address, &d.Subject, &d.ProcessingDays, &d.FeeTotal, &d.SubmittedAt, &accepted, &due,
		&d.DeadlineNote, &d.Department, &d.Assignee, &processed, &finished, &rating, &d.RatingComment, &d.Version, &d.UpdatedAt)
	if err != nil {
		return nil, err
	}
	d.Status, d.ResumeStatus = vn.DossierStatus(status), vn.DossierStatus(resume)
	d.StatusName = d.Status.English()
	d.Applicant.UserID = userID.Int64
	d.Rating = int(rating.Int64)
	d.AcceptedAt, d.DueAt, d.ProcessedAt, d.FinishedAt = timePtr(accepted), timePtr(due), timePtr(processed), timePtr(finished)
	d.SubmittedAt, d.UpdatedAt = d.SubmittedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// get reads a dossier row (without files and events) inside tx; forUpdate locks it on PostgreSQL.
func get(ctx context.Context, tx *db.Tx, code string, forUpdate bool) (*Dossier, error) {
	q := "SELECT " + dossierColumns + " FROM dossiers WHERE code = ?"
	if forUpdate {
		q += tx.ForUpdate()
	}
	d, err := scanDossier(tx.QueryRow(ctx, q, code))
	if db.IsNoRows(err) {
		return nil, errs.Reasonf(errs.NotFound, "no_dossier", "there is no dossier %s", code)
	}
	return d, err
}

// save writes back the fields a transition may change, checking that nobody changed the dossier
// since it was read.
func save(ctx context.Context, tx *db.Tx, d *Dossier) error {
	var rating any
	if d.Rating != 0 {
		rating = d.Rating
	}
	res, err := tx.Exec(ctx, `UPDATE dossiers SET status = ?, resume_status = ?, accepted_at = ?, due_at = ?, deadline_note = ?,
		department_code = ?, assignee = ?, processed_at = ?, finished_at = ?, rating = ?, rating_comment = ?,
		version = version + 1, updated_at = ? WHERE code = ? AND version = ?`,
		int(d.Status), int(d.ResumeStatus), nullTime(d.AcceptedAt), nullTime(d.DueAt), d.DeadlineNote, d.Department,
		d.Assignee, nullTime(d.ProcessedAt), nullTime(d.FinishedAt), rating, d.RatingComment, tx.Now, d.Code, d.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Reasonf(errs.Conflict, "stale_dossier", "dossier %s was changed by someone else meanwhile: reload it and try again", d.Code)
	}
	d.Version++
	d.UpdatedAt = tx.Now
	return nil
}

func insertFiles(ctx context.Context, tx *db.Tx, code string, first int, files []File, now time.Time) error {
	for i, f := range files {
		if _, err := tx.Exec(ctx, `INSERT INTO dossier_files (dossier_code, position, kind, component, name, content_type,
			sha256, size, signed, uploaded_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			code, first+i, f.Kind, f.Component, f.Name, f.ContentType, f.SHA256, f.Size, f.Signed, now, f.UploadedBy); err != nil {
			return err
		}
	}
	return nil
}

func nextFilePosition(ctx context.Context, tx *db.Tx, code string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position) + 1, 0) FROM dossier_files WHERE dossier_code = ?", code).Scan(&n)
	return n, err
}

func addEvent(ctx context.Context, tx *db.Tx, code string, by *auth.Principal, action string, from, to vn.DossierStatus, reason, detail string) error {
	name := ""
	if by != nil {
		name = by.Name
	}
	_, err := tx.Exec(ctx, `INSERT INTO dossier_events (dossier_code, at, actor, actor_name, action, from_status, to_status, reason, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, code, tx.Now, by.Actor(), name, action, int(from), int(to), reason, detail)
	return err
}

func loadFiles(ctx context.Context, tx *db.Tx, code string) ([]File, error) {
	rows, err := tx.Query(ctx, `SELECT position, kind, component, name, content_type, sha256, size, signed, uploaded_at, uploaded_by
		FROM dossier_files WHERE dossier_code = ? ORDER BY position`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Position, &f.Kind, &f.Component, &f.Name, &f.ContentType, &f.SHA256, &f.Size, &f.Signed, &f.UploadedAt, &f.UploadedBy); err != nil {
			return nil, err
		}
		f.UploadedAt = f.UploadedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

func loadEvents(ctx context.Context, tx *db.Tx, code string) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT at, actor, actor_name, action, from_status, to_status, reason, detail
		FROM dossier_events WHERE dossier_code = ? ORDER BY id`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var from, to int
		if err := rows.Scan(&e.At, &e.Actor, &e.ActorName, &e.Action, &from, &to, &e.Reason, &e.Detail); err != nil {
			return nil, err
		}
		e.At, e.From, e.To = e.At.UTC(), vn.DossierStatus(from), vn.DossierStatus(to)
		out = append(out, e)
	}
	return out, rows.Err()
}

// load reads a whole dossier with its files and events.
func (s *Service) load(ctx context.Context, code string) (*Dossier, error) {
	var d *Dossier
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		if d, err = get(ctx, tx, code, false); err != nil {
			return err
		}
		if d.Files, err = loadFiles(ctx, tx, code); err != nil {
			return err
		}
		d.Events, err = loadEvents(ctx, tx, code)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dossier %s: %w", code, err)
	}
	return d, nil
}
