package task

import (
	"context"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// The aggregate counters, changed in the same transaction as the task.

func addAssigned(ctx context.Context, tx *db.Tx, agency, authority, month string, n int) error {
	_, err := tx.Exec(ctx, `INSERT INTO task_count_assigned (agency_code, authority, month, n) VALUES (?, ?, ?, ?)
		ON CONFLICT (agency_code, authority, month) DO UPDATE SET n = task_count_assigned.n + excluded.n`, agency, authority, month, n)
	return err
}

func addOpen(ctx context.Context, tx *db.Tx, agency, authority, deadline string, n int) error {
	_, err := tx.Exec(ctx, `INSERT INTO task_count_open (agency_code, authority, deadline, n) VALUES (?, ?, ?, ?)
		ON CONFLICT (agency_code, authority, deadline) DO UPDATE SET n = task_count_open.n + excluded.n`, agency, authority, deadline, n)
	if err == nil && n < 0 {
		_, err = tx.Exec(ctx, `DELETE FROM task_count_open WHERE agency_code = ? AND authority = ? AND deadline = ? AND n = 0`, agency, authority, deadline)
	}
	return err
}

func addDone(ctx context.Context, tx *db.Tx, agency, authority, month string, onTime, late int) error {
	_, err := tx.Exec(ctx, `INSERT INTO task_count_done (agency_code, authority, month, on_time, late) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (agency_code, authority, month) DO UPDATE SET on_time = task_count_done.on_time + excluded.on_time,
		late = task_count_done.late + excluded.late`, agency, authority, month, onTime, late)
	return err
}

// Report is a progress or completion report by the lead agency.
type Report struct {
	Text      string   `json:"text"`
	Documents []string `json:"documents,omitempty"` // ids of files in the blob store
	AxisDoc   string   `json:"axis_doc,omitempty"`  // id of an edXML document sent on the axis
}

// change loads the task for update, checks the rule, runs fn and bumps the version.
func (s *Service) change(ctx context.Context, p *auth.Principal, id int64, allow func(*Task) bool, fn func(tx *db.Tx, t *Task, now time.Time, today string) error) (*Task, error) {
	if p == nil {
		return nil, errs.New(errs.Unauthorized, "please log in")
	}
	now := s.now().UTC()
	today := now.In(ict).Format(time.DateOnly)
	var out *Task
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		t, err := scanTask(tx.QueryRow(ctx, `SELECT `+taskCols+` FROM tasks WHERE id = ?`+tx.ForUpdate(), id), today)
		if err != nil {
			if db.IsNoRows(err) {
				return errs.New(errs.NotFound, "no task %d", id)
			}
			return err
		}
		if !allow(t) {
			if full, err := getTx(ctx, tx, id, today); err == nil {
				t = full
			}
			if !mayRead(p, t) {
				return errs.New(errs.NotFound, "no task %d", id)
			}
			return errs.New(errs.Forbidden, "you may not do this on task %d", id)
		}
		if err := fn(tx, t, now, today); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET version = version + 1 WHERE id = ?`, id); err != nil {
			return err
		}
		out, err = getTx(ctx, tx, id, today)
		return err
	})
	return out, err
}

func (s *Service) lead(p *auth.Principal) func(*Task) bool {
	return func(t *Task) bool { return mayReport(p, t.Lead) }
}

func (s *Service) assigner(p *auth.Principal) func(*Task) bool {
	return func(t *Task) bool { return mayAssign(p, t.Assigner) }
}

func docs(r Report) string {
	d := strings.Join(r.Documents, ",")
	if r.AxisDoc != "" {
		if d != "" {
			d += ","
		}
		d += "axis:" + r.AxisDoc
	}
	return d
}

func stateErr(t *Task, want string) error {
	return errs.Reasonf(errs.Conflict, "bad_state", "task %d is %s; this needs it %s", t.ID, t.Status, want)
}

// Progress records a progress report of the lead agency.
func (s *Service) Progress(ctx context.Context, p *auth.Principal, id int64, r Report) (*Task, error) {
	if strings.TrimSpace(r.Text) == "" {
		return nil, errs.New(errs.Invalid, "the report text is required / cần nội dung báo cáo").WithFields(fieldErr("text", "required"))
	}
	return s.change(ctx, p, id, s.lead(p), func(tx *db.Tx, t *Task, now time.Time, _ string) error {
		if t.State != "open" {
			return stateErr(t, "open")
		}
		return event(ctx, tx, id, "progress", p, now, r.Text, "", docs(r))
	})
}

// Complete records the lead agency's completion report; the task counts as completed on the day
// reported once the assigner accepts it.
func (s *Service) Complete(ctx context.Context, p *auth.Principal, id int64, r Report) (*Task, error) {
	if strings.TrimSpace(r.Text) == "" {
		return nil, errs.New(errs.Invalid, "the report text is required / cần nội dung báo cáo").WithFields(fieldErr("text", "required"))
	}
	return s.change(ctx, p, id, s.lead(p), func(tx *db.Tx, t *Task, now time.Time, today string) error {
		if t.State != "open" {
			return stateErr(t, "open")
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET state = 'submitted', completed_on = ? WHERE id = ?`, today, id); err != nil {
			return err
		}
		return event(ctx, tx, id, "completion_reported", p, now, r.Text, today, docs(r))
	})
}

// Accept accepts a completion report (assigner).
func (s *Service) Accept(ctx context.Context, p *auth.Principal, id int64, note string) (*Task, error) {
	return s.change(ctx, p, id, s.assigner(p), func(tx *db.Tx, t *Task, now time.Time, _ string) error {
		if t.State != "submitted" {
			return stateErr(t, "reported as completed")
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET state = 'done' WHERE id = ?`, id); err != nil {
			return err
		}
		if err := addOpen(ctx, tx, t.Lead, t.Authority, t.Deadline, -1); err != nil {
			return err
		}
		on, late := 1, 0
		if derive("done", t.Deadline, t.CompletedOn, "") == Late {
			on, late = 0, 1
		}
		if err := addDone(ctx, tx, t.Lead, t.Authority, t.CompletedOn[:7], on, late); err != nil {
			return err
		}
		return event(ctx, tx, id, "accepted", p, now, note, t.CompletedOn, "")
	})
}

// Return sends a completion report back to the lead agency (assigner), with a reason.
func (s *Service) Return(ctx context.Context, p *auth.Principal, id int64, reason string) (*Task, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, errs.New(errs.Invalid, "a reason is required / cần lý do").WithFields(fieldErr("reason", "required"))
	}
	return s.change(ctx, p, id, s.assigner(p), func(tx *db.Tx, t *Task, now time.Time, _ string) error {
		if t.State != "submitted" {
			return stateErr(t, "reported as completed")
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET state = 'open', completed_on = '' WHERE id = ?`, id); err != nil {
			return err
		}
		return event(ctx, tx, id, "returned", p, now, reason, "", "")
	})
}

// RequestExtension asks for a later deadline (lead agency).
func (s *Service) RequestExtension(ctx context.Context, p *auth.Principal, id int64, deadline, reason string) (*Task, error) {
	if !validDay(deadline) || strings.TrimSpace(reason) == "" {
		return nil, errs.New(errs.Invalid, "a new deadline (YYYY-MM-DD) and a reason are required / cần thời hạn mới và lý do").
			WithFields(fieldErr("deadline", "YYYY-MM-DD"), fieldErr("reason", "required"))
	}
	return s.change(ctx, p, id, s.lead(p), func(tx *db.Tx, t *Task, now time.Time, _ string) error {
		if t.State != "open" || t.Deadline == "" {
			return stateErr(t, "open with a deadline")
		}
		if t.PendingDeadline != "" {
			return errs.Reasonf(errs.Conflict, "pending", "an extension request is already waiting")
		}
		if deadline <= t.Deadline {
			return errs.New(errs.Invalid, "the new deadline must be after %s / thời hạn mới phải sau thời hạn cũ", t.Deadline).
				WithFields(fieldErr("deadline", "after the current deadline"))
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET pending_deadline = ?, pending_reason = ? WHERE id = ?`, deadline, reason, id); err != nil {
			return err
		}
		return event(ctx, tx, id, "extension_requested", p, now, reason, deadline, "")
	})
}

// DecideExtension approves or refuses the waiting extension request (assigner), with a reason.
func (s *Service) DecideExtension(ctx context.Context, p *auth.Principal, id int64, approve bool, reason string) (*Task, error) {
	if strings.TrimSpace(reason) == "" && !approve {
		return nil, errs.New(errs.Invalid, "a reason is required to refuse / cần lý do từ chối").WithFields(fieldErr("reason", "required"))
	}
	return s.change(ctx, p, id, s.assigner(p), func(tx *db.Tx, t *Task, now time.Time, _ string) error {
		if t.PendingDeadline == "" {
			return errs.Reasonf(errs.Conflict, "no_request", "no extension request is waiting")
		}
		kind := "extension_refused"
		if approve {
			kind = "extension_approved"
			if t.State == "open" || t.State == "submitted" {
				if err := addOpen(ctx, tx, t.Lead, t.Authority, t.Deadline, -1); err != nil {
					return err
				}
				if err := addOpen(ctx, tx, t.Lead, t.Authority, t.PendingDeadline, 1); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE tasks SET deadline = pending_deadline WHERE id = ?`, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET pending_deadline = '', pending_reason = '' WHERE id = ?`, id); err != nil {
			return err
		}
		return event(ctx, tx, id, kind, p, now, reason, t.Deadline+" → "+t.PendingDeadline, "")
	})
}

// Cancel marks a task no longer required (assigner), with a reason.
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, id int64, reason string) (*Task, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, errs.New(errs.Invalid, "a reason is required / cần lý do").WithFields(fieldErr("reason", "required"))
	}
	return s.change(ctx, p, id, s.assigner(p), func(tx *db.Tx, t *Task, now time.Time, _ string) error {
		if t.State != "open" && t.State != "submitted" {
			return stateErr(t, "in progress")
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET state = 'cancelled', completed_on = '', pending_deadline = '' WHERE id = ?`, id); err != nil {
			return err
		}
		if err := addOpen(ctx, tx, t.Lead, t.Authority, t.Deadline, -1); err != nil {
			return err
		}
		return event(ctx, tx, id, "cancelled", p, now, reason, "", "")
	})
}

// Event is one entry of a task's history.
type Event struct {
	Kind      string    `json:"kind"`
	Actor     string    `json:"actor"`
	At        time.Time `json:"at"`
	Note      string    `json:"note,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Documents string    `json:"documents,omitempty"`
}

// History returns the events of a task the principal may read, oldest first.
func (s *Service) History(ctx context.Context, p *auth.Principal, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	var out []Event
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT kind, actor, at, note, detail, documents FROM task_events WHERE task_id = ? ORDER BY id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Event
			if err := rows.Scan(&e.Kind, &e.Actor, &e.At, &e.Note, &e.Detail, &e.Documents); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}
