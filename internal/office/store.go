package office

import (
	"context"
	"database/sql"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

type scanner interface{ Scan(dest ...any) error }

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// nullTime stores a time in UTC: SQLite compares stored times as text, so every stored time and
// every time compared with one must be in the same zone.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// --- outgoing --------------------------------------------------------------------------------

const outgoingColumns = `id, agency_code, status, doc_type, subject, summary, drafting_unit, drafting_unit_abbr, signer_name,
	signer_title, signer_competence, urgency, confidentiality, place, copies, keeper, note, due_date, series, year, number,
	notation, issue_date, issued_at, issued_by, created_by, created_by_name, created_at, approved_by, approved_by_name,
	approved_at, signed, signed_by, signed_by_name, signed_at, signature_method, axis_document_id, axis_id, send_state,
	send_error, send_attempts, package_sha, sent_at, version, updated_at`

func scanOutgoing(row scanner) (*Outgoing, error) {
	var o Outgoing
	var status string
	var urgency, conf int
	var year, number sql.NullInt64
	var issued, approved, signed, sent sql.NullTime
	err := row.Scan(&o.ID, &o.Agency, &status, &o.Type, &o.Subject, &o.Summary, &o.DraftingUnit, &o.DraftingUnitAbbreviation,
		&o.SignerName, &o.SignerTitle, &o.SignerCompetence, &urgency, &conf, &o.Place, &o.Copies, &o.Keeper, &o.Note, &o.DueDate,
		&o.Series, &year, &number, &o.Notation, &o.IssueDate, &issued, &o.IssuedBy, &o.CreatedBy, &o.CreatedByName, &o.CreatedAt,
		&o.ApprovedBy, &o.ApprovedByName, &approved, &o.Signed, &o.SignedBy, &o.SignedByName, &signed, &o.SignatureMethod,
		&o.AxisDocumentID, &o.AxisID, &o.SendState, &o.SendError, &o.sendAttempts, &o.packageSHA, &sent, &o.Version, &o.UpdatedAt)
	if err != nil {
		return nil, err
	}
	o.Status = OutStatus(status)
	o.Urgency, o.Confidentiality = vn.Urgency(urgency), vn.Confidentiality(conf)
	o.UrgencyName, o.ConfidentialityName = o.Urgency.Vietnamese(), o.Confidentiality.Vietnamese()
	if t, ok := vn.DocumentTypeByNumber(o.Type); ok {
		o.TypeName, o.TypeAbbreviation = t.Name, t.Abbreviation
	}
	o.Year, o.Number = int(year.Int64), int(number.Int64)
	if o.Number > 0 {
		o.NumberNotation = NumberNotation(o.Number, o.Notation)
	}
	o.IssuedAt, o.ApprovedAt, o.SignedAt, o.SentAt = timePtr(issued), timePtr(approved), timePtr(signed), timePtr(sent)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	o.Recipients = []Recipient{}
	o.Files = []File{}
	return &o, nil
}

// getOutgoing reads an outgoing document with its recipients (not its files or events) inside tx;
// forUpdate locks the row on PostgreSQL.
func getOutgoing(ctx context.Context, tx *db.Tx, id int64, forUpdate bool) (*Outgoing, error) {
	q := "SELECT " + outgoingColumns + " FROM office_outgoing WHERE id = ?"
	if forUpdate {
		q += tx.ForUpdate()
	}
	o, err := scanOutgoing(tx.QueryRow(ctx, q, id))
	if db.IsNoRows(err) {
		return nil, errs.Reasonf(errs.NotFound, "no_document", "there is no outgoing document %d", id)
	}
	if err != nil {
		return nil, err
	}
	o.Recipients, err = loadRecipients(ctx, tx, id)
	return o, err
}

func loadRecipients(ctx context.Context, tx *db.Tx, id int64) ([]Recipient, error) {
	rows, err := tx.Query(ctx, "SELECT agency_code, name, paper FROM office_recipients WHERE outgoing_id = ? ORDER BY position", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Recipient{}
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.Agency, &r.Name, &r.Paper); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func replaceRecipients(ctx context.Context, tx *db.Tx, id int64, rs []Recipient) error {
	if _, err := tx.Exec(ctx, "DELETE FROM office_recipients WHERE outgoing_id = ?", id); err != nil {
		return err
	}
	for i, r := range rs {
		if _, err := tx.Exec(ctx, "INSERT INTO office_recipients (outgoing_id, position, agency_code, name, paper) VALUES (?, ?, ?, ?, ?)",
			id, i, r.Agency, r.Name, r.Paper); err != nil {
			return err
		}
	}
	return nil
}

// saveOutgoing writes back every field a step may change, checking that nobody changed the document
// since it was read.
func saveOutgoing(ctx context.Context, tx *db.Tx, o *Outgoing) error {
	res, err := tx.Exec(ctx, `UPDATE office_outgoing SET status = ?, doc_type = ?, subject = ?, summary = ?, drafting_unit = ?,
		drafting_unit_abbr = ?, signer_name = ?, signer_title = ?, signer_competence = ?, urgency = ?, confidentiality = ?, place = ?,
		copies = ?, keeper = ?, note = ?, due_date = ?, series = ?, year = ?, number = ?, notation = ?, issue_date = ?, issued_at = ?,
		issued_by = ?, approved_by = ?, approved_by_name = ?, approved_at = ?, signed = ?, signed_by = ?, signed_by_name = ?,
		signed_at = ?, signature_method = ?, axis_document_id = ?, send_state = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		string(o.Status), o.Type, o.Subject, o.Summary, o.DraftingUnit, o.DraftingUnitAbbreviation, o.SignerName, o.SignerTitle,
		o.SignerCompetence, int(o.Urgency), int(o.Confidentiality), o.Place, o.Copies, o.Keeper, o.Note, o.DueDate, o.Series,
		nullInt(o.Year), nullInt(o.Number), o.Notation, o.IssueDate, nullTime(o.IssuedAt), o.IssuedBy, o.ApprovedBy, o.ApprovedByName,
		nullTime(o.ApprovedAt), o.Signed, o.SignedBy, o.SignedByName, nullTime(o.SignedAt), o.SignatureMethod, o.AxisDocumentID,
		o.SendState, tx.Now, o.ID, o.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Reasonf(errs.Conflict, "stale_document", "document %d was changed by someone else meanwhile: reload it and try again", o.ID)
	}
	o.Version++
	o.UpdatedAt = tx.Now
	return nil
}

// loadOutgoing reads a whole outgoing document with its files and events.
func (s *Service) loadOutgoing(ctx context.Context, id int64) (*Outgoing, error) {
	var o *Outgoing
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		if o, err = getOutgoing(ctx, tx, id, false); err != nil {
			return err
		}
		if o.Files, err = loadFiles(ctx, tx, KindOutgoing, id); err != nil {
			return err
		}
		o.Events, err = loadEvents(ctx, tx, KindOutgoing, id)
		o.Relation, o.Superseded = links(o.Events)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.AgencyName = s.agencyName(o.Agency)
	return o, nil
}

// --- incoming --------------------------------------------------------------------------------

const incomingColumns = `id, agency_code, status, source, axis_id, axis_document_id, sender_code, sender_name, doc_type, type_name,
	code_number, code_notation, document_date, subject, summary, signer_name, signer_title, urgency, confidentiality, due_at, note,
	received_at, year, number, registered_at, registered_by, refused_reason, completed_at, created_by, version, updated_at`

func scanIncoming(row scanner) (*Incoming, error) {
	var in Incoming
	var status string
	var urgency, conf int
	var year, number sql.NullInt64
	var due, registered, completed sql.NullTime
	err := row.Scan(&in.ID, &in.Agency, &status, &in.Source, &in.AxisID, &in.AxisDocumentID, &in.Sender, &in.SenderName, &in.Type,
		&in.TypeName, &in.CodeNumber, &in.CodeNotation, &in.DocumentDate, &in.Subject, &in.Summary, &in.SignerName, &in.SignerTitle,
		&urgency, &conf, &due, &in.Note, &in.ReceivedAt, &year, &number, &registered, &in.RegisteredBy, &in.RefusedReason,
		&completed, &in.CreatedBy, &in.Version, &in.UpdatedAt)
	if err != nil {
		return nil, err
	}
	in.Status = InStatus(status)
	in.Urgency, in.Confidentiality = vn.Urgency(urgency), vn.Confidentiality(conf)
	in.UrgencyName, in.ConfidentialityName = in.Urgency.Vietnamese(), in.Confidentiality.Vietnamese()
	in.Year, in.Number = int(year.Int64), int(number.Int64)
	in.DueAt, in.RegisteredAt, in.CompletedAt = timePtr(due), timePtr(registered), timePtr(completed)
	in.ReceivedAt, in.UpdatedAt = in.ReceivedAt.UTC(), in.UpdatedAt.UTC()
	switch {
	case in.CodeNumber != "" && in.CodeNotation != "":
		in.NumberNotation = in.CodeNumber + "/" + in.CodeNotation
	case in.CodeNumber != "":
		in.NumberNotation = in.CodeNumber
	default:
		in.NumberNotation = in.CodeNotation
	}
	in.Files = []File{}
	return &in, nil
}

func getIncoming(ctx context.Context, tx *db.Tx, id int64, forUpdate bool) (*Incoming, error) {
	q := "SELECT " + incomingColumns + " FROM office_incoming WHERE id = ?"
	if forUpdate {
		q += tx.ForUpdate()
	}
	in, err := scanIncoming(tx.QueryRow(ctx, q, id))
	if db.IsNoRows(err) {
		return nil, errs.Reasonf(errs.NotFound, "no_document", "there is no incoming document %d", id)
	}
	return in, err
}

// saveIncoming writes back the fields processing changes, checking the version.
func saveIncoming(ctx context.Context, tx *db.Tx, in *Incoming) error {
	res, err := tx.Exec(ctx, `UPDATE office_incoming SET status = ?, year = ?, number = ?, registered_at = ?, registered_by = ?,
		refused_reason = ?, completed_at = ?, note = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(in.Status), nullInt(in.Year), nullInt(in.Number), nullTime(in.RegisteredAt), in.RegisteredBy, in.RefusedReason,
		nullTime(in.CompletedAt), in.Note, tx.Now, in.ID, in.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Reasonf(errs.Conflict, "stale_document", "document %d was changed by someone else meanwhile: reload it and try again", in.ID)
	}
	in.Version++
	in.UpdatedAt = tx.Now
	return nil
}

const assignmentColumns = `id, incoming_id, agency_code, assignee, assignee_name, department, role, deadline, status, note,
	assigned_by, assigned_at, started_at, forwarded_to, completed_at, result`

func scanAssignment(row scanner) (*Assignment, error) {
	var a Assignment
	var deadline, started, completed sql.NullTime
	var fwd sql.NullInt64
	err := row.Scan(&a.ID, &a.IncomingID, &a.Agency, &a.Assignee, &a.AssigneeName, &a.Department, &a.Role, &deadline, &a.Status,
		&a.Note, &a.AssignedBy, &a.AssignedAt, &started, &fwd, &completed, &a.Result)
	if err != nil {
		return nil, err
	}
	a.Deadline, a.StartedAt, a.CompletedAt = timePtr(deadline), timePtr(started), timePtr(completed)
	a.ForwardedTo = fwd.Int64
	a.AssignedAt = a.AssignedAt.UTC()
	return &a, nil
}

func getAssignment(ctx context.Context, tx *db.Tx, id int64, forUpdate bool) (*Assignment, error) {
	q := "SELECT " + assignmentColumns + " FROM office_assignments WHERE id = ?"
	if forUpdate {
		q += tx.ForUpdate()
	}
	a, err := scanAssignment(tx.QueryRow(ctx, q, id))
	if db.IsNoRows(err) {
		return nil, errs.Reasonf(errs.NotFound, "no_assignment", "there is no assignment %d", id)
	}
	return a, err
}

// loadIncoming reads a whole incoming document.
func (s *Service) loadIncoming(ctx context.Context, id int64) (*Incoming, error) {
	var in *Incoming
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		if in, err = getIncoming(ctx, tx, id, false); err != nil {
			return err
		}
		if in.Files, err = loadFiles(ctx, tx, KindIncoming, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+assignmentColumns+" FROM office_assignments WHERE incoming_id = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			a, err := scanAssignment(rows)
			if err != nil {
				rows.Close()
				return err
			}
			in.Assignments = append(in.Assignments, *a)
		}
		rows.Close()
		rows, err = tx.Query(ctx, "SELECT id, assignment_id, author, author_name, text, at FROM office_opinions WHERE incoming_id = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var op Opinion
			var aid sql.NullInt64
			if err := rows.Scan(&op.ID, &aid, &op.Author, &op.AuthorName, &op.Text, &op.At); err != nil {
				rows.Close()
				return err
			}
			op.AssignmentID, op.At = aid.Int64, op.At.UTC()
			in.Opinions = append(in.Opinions, op)
		}
		rows.Close()
		rows, err = tx.Query(ctx, "SELECT status_code, description, at, sent_at, error FROM office_status_outbox WHERE incoming_id = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st StatusReport
			var sent sql.NullTime
			if err := rows.Scan(&st.Code, &st.Description, &st.At, &sent, &st.Error); err != nil {
				rows.Close()
				return err
			}
			st.At, st.SentAt = st.At.UTC(), timePtr(sent)
			in.Statuses = append(in.Statuses, st)
		}
		rows.Close()
		in.Events, err = loadEvents(ctx, tx, KindIncoming, id)
		in.Relation, in.Superseded = links(in.Events)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	for i := range in.Assignments {
		in.Assignments[i].Timeliness = s.timeliness(&in.Assignments[i], now)
	}
	return in, nil
}
