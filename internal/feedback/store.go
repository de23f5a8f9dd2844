package feedback

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

const itemColumns = `code, kind, status, subject, content, field_code, procedure_code, dossier_code, sender_name,
	sender_email, sender_phone, sender_address, agency_code, province_code, assignee, response_days, received_at, due_at,
	deadline_note, answer_text, answer_officer, answer_title, answered_at, published_at, rejected_at, reject_reason,
	transfers, version, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanItem(row scanner) (*Item, error) {
	var it Item
	var answered, published, rejected sql.NullTime
	var text, officer, title string
	err := row.Scan(&it.Code, &it.Kind, &it.Status, &it.Subject, &it.Content, &it.Field, &it.Procedure, &it.Dossier,
		&it.Sender.Name, &it.Sender.Email, &it.Sender.Phone, &it.Sender.Address, &it.Agency, &it.Province, &it.Assignee,
		&it.ResponseDays, &it.ReceivedAt, &it.DueAt, &it.DeadlineNote, &text, &officer, &title, &answered, &published,
		&rejected, &it.RejectReason, &it.Transfers, &it.Version, &it.UpdatedAt)
	if err != nil {
		return nil, err
	}
	it.ReceivedAt, it.DueAt, it.UpdatedAt = it.ReceivedAt.UTC(), it.DueAt.UTC(), it.UpdatedAt.UTC()
	if answered.Valid {
		it.Answer = &Answer{Text: text, Officer: officer, Title: title, At: answered.Time.UTC()}
	}
	it.PublishedAt, it.RejectedAt = timePtr(published), timePtr(rejected)
	return &it, nil
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
	return *t
}

// get reads an item (without its events) inside tx; forUpdate locks it on PostgreSQL.
func get(ctx context.Context, tx *db.Tx, code string, forUpdate bool) (*Item, error) {
	q := "SELECT " + itemColumns + " FROM feedback_items WHERE code = ?"
	if forUpdate {
		q += tx.ForUpdate()
	}
	it, err := scanItem(tx.QueryRow(ctx, q, code))
	if db.IsNoRows(err) {
		return nil, errs.Reasonf(errs.NotFound, "no_item", "there is no feedback, petition or question %s", code)
	}
	return it, err
}

// save writes back what a step may change, checking that nobody changed the item since it was read.
func save(ctx context.Context, tx *db.Tx, it *Item, agencyKey string, now time.Time) error {
	open := 0
	if it.Status.Open() {
		open = 1
	}
	var text, officer, title string
	var answered any
	if it.Answer != nil {
		text, officer, title, answered = it.Answer.Text, it.Answer.Officer, it.Answer.Title, it.Answer.At
	}
	res, err := tx.Exec(ctx, `UPDATE feedback_items SET status = ?, is_open = ?, agency_code = ?, agency_key = ?,
		province_code = ?, assignee = ?, due_at = ?, deadline_note = ?, answer_text = ?, answer_officer = ?, answer_title = ?,
		answered_at = ?, published_at = ?, rejected_at = ?,
		reject_reason = ?, transfers = ?, search_text = ?, version = version + 1, updated_at = ? WHERE code = ? AND version = ?`,
		string(it.Status), open, it.Agency, agencyKey, it.Province, it.Assignee, it.DueAt, it.DeadlineNote, text, officer,
		title, answered, nullTime(it.PublishedAt), nullTime(it.RejectedAt), it.RejectReason, it.Transfers,
		searchText(it.Subject, it.Content, it.Field, it.Procedure, text), now, it.Code, it.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Reasonf(errs.Conflict, "stale_item", "%s was changed by someone else meanwhile: reload it and try again", it.Code)
	}
	it.Version++
	it.UpdatedAt = now
	return nil
}

func addEvent(ctx context.Context, tx *db.Tx, code string, by *auth.Principal, at time.Time, action string, from, to Status, agency, reason, detail string) error {
	name := ""
	if by != nil {
		name = by.Name
	}
	_, err := tx.Exec(ctx, `INSERT INTO feedback_events (item_code, at, actor, actor_name, action, from_status, to_status, agency_code, reason, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, code, at, by.Actor(), name, action, string(from), string(to), agency, reason, detail)
	return err
}

func loadEvents(ctx context.Context, tx *db.Tx, code string) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT at, actor, actor_name, action, from_status, to_status, agency_code, reason, detail
		FROM feedback_events WHERE item_code = ? ORDER BY id`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.Actor, &e.ActorName, &e.Action, &e.From, &e.To, &e.Agency, &e.Reason, &e.Detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// load reads a whole item, with its events when asked, and fills in what is computed on reading.
func (s *Service) load(ctx context.Context, code string, events bool) (*Item, error) {
	var it *Item
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		if it, err = get(ctx, tx, code, false); err != nil {
			return err
		}
		if events {
			it.Events, err = loadEvents(ctx, tx, code)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("feedback %s: %w", code, err)
	}
	s.complete(it, s.now())
	return it, nil
}

// complete fills in the agency's name and the timeliness at now.
func (s *Service) complete(it *Item, now time.Time) {
	it.AgencyName = s.agencies.Name(it.Agency)
	it.Timeliness = s.timeliness(it, now)
}

// timeliness says where it stands against its deadline at now.
func (s *Service) timeliness(it *Item, now time.Time) Timeliness {
	switch {
	case it.Answer != nil:
		if it.Answer.At.After(it.DueAt) {
			return Late
		}
		return OnTime
	case !it.Status.Open():
		return NoDeadline
	case now.After(it.DueAt):
		return Overdue
	case !s.cal.AddWorkingDays(now, DueSoonDays).Before(it.DueAt):
		return DueSoon
	}
	return OnTrack
}

// Public returns what anyone may see of the item.
func (it *Item) Public() PublicView {
	return PublicView{Code: it.Code, Kind: it.Kind, Status: it.Status, Subject: it.Subject, Content: it.Content, Field: it.Field,
		Procedure: it.Procedure, Dossier: it.Dossier, Agency: it.Agency, AgencyName: it.AgencyName, ReceivedAt: it.ReceivedAt,
		DueAt: it.DueAt, DeadlineNote: it.DeadlineNote, Timeliness: it.Timeliness, Transferred: it.Transfers > 0,
		Answer: it.Answer, PublishedAt: it.PublishedAt, RejectReason: it.RejectReason}
}

// paragraphs splits text at blank lines or line breaks, for pages (which do not keep line breaks).
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ContentParagraphs returns the content's paragraphs.
func (it *Item) ContentParagraphs() []string { return paragraphs(it.Content) }

// ContentParagraphs returns the content's paragraphs.
func (v PublicView) ContentParagraphs() []string { return paragraphs(v.Content) }

// Paragraphs returns the answer's paragraphs.
func (a *Answer) Paragraphs() []string { return paragraphs(a.Text) }
