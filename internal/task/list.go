package task

import (
	"context"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// Query filters the task board. Agency matches the lead agency or, with Province, the province.
type Query struct {
	Authority string `json:"authority,omitempty"`
	Agency    string `json:"agency,omitempty"`
	Province  string `json:"province,omitempty"`
	Status    Status `json:"status,omitempty"`
	Period    Period `json:"period,omitempty"` // by assignment month
	Limit     int    `json:"limit,omitempty"`  // default 100, at most 500
}

// statusSQL turns a derived status into a condition on state, deadline and completed_on.
var statusSQL = map[Status]string{
	InProgress:  `state IN ('open', 'submitted') AND (deadline = '' OR deadline >= ?)`,
	Overdue:     `state IN ('open', 'submitted') AND deadline <> '' AND deadline < ?`,
	OnTime:      `state = 'done' AND (deadline = '' OR completed_on <= deadline)`,
	Late:        `state = 'done' AND deadline <> '' AND completed_on > deadline`,
	NotRequired: `state = 'cancelled'`,
}

// List returns the tasks matching q that the principal may read, newest first. Rows the principal
// may not read are skipped after the query (a page may then hold fewer than Limit rows).
func (s *Service) List(ctx context.Context, p *auth.Principal, q Query) ([]*Task, error) {
	if p == nil {
		return nil, errs.New(errs.Unauthorized, "please log in")
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	today := s.today()
	var where []string
	var args []any
	if q.Authority != "" {
		where, args = append(where, "authority = ?"), append(args, q.Authority)
	}
	if q.Agency != "" {
		where, args = append(where, "lead_agency = ?"), append(args, q.Agency)
	}
	if q.Province != "" {
		where, args = append(where, "province_code = ?"), append(args, q.Province)
	}
	if q.Status != "" {
		c, ok := statusSQL[q.Status]
		if !ok {
			return nil, errs.New(errs.Invalid, "unknown status %q", q.Status).WithFields(fieldErr("status", "unknown"))
		}
		where = append(where, c)
		if strings.Contains(c, "?") {
			args = append(args, today)
		}
	}
	if q.Period.From != "" {
		where, args = append(where, "assigned_on >= ?"), append(args, q.Period.From+"-01")
	}
	if q.Period.To != "" {
		where, args = append(where, "assigned_on <= ?"), append(args, q.Period.To+"-31")
	}
	sqlq := `SELECT ` + taskCols + ` FROM tasks`
	if len(where) > 0 {
		sqlq += ` WHERE ` + strings.Join(where, " AND ")
	}
	sqlq += ` ORDER BY id DESC LIMIT ?`
	args = append(args, q.Limit*5)
	var out []*Task
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, sqlq, args...)
		if err != nil {
			return err
		}
		var all []*Task
		for rows.Next() {
			t, err := scanTask(rows, today)
			if err != nil {
				rows.Close()
				return err
			}
			all = append(all, t)
		}
		rows.Close()
		for _, t := range all {
			if len(out) == q.Limit {
				break
			}
			full, err := getTx(ctx, tx, t.ID, today)
			if err != nil {
				return err
			}
			if mayRead(p, full) {
				out = append(out, full)
			}
		}
		return nil
	})
	return out, err
}

// Reminder is a deadline reminder recorded for the lead agency.
type Reminder struct {
	TaskID   int64  `json:"task_id"`
	Deadline string `json:"deadline"`
	Agency   string `json:"agency"`
	DueOn    string `json:"due_on"`
}

// RemindOnce records a reminder for every open task whose deadline falls within the next
// RemindDays working days; a task gets one reminder per deadline (an extension gets a new one).
func (s *Service) RemindOnce(ctx context.Context) (int, error) {
	now := s.now()
	today := now.In(ict).Format(time.DateOnly)
	horizon := s.cal.AddWorkingDays(now, s.opt.RemindDays).In(ict).Format(time.DateOnly)
	n := 0
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO task_reminders (task_id, deadline, agency, due_on, created_at)
			SELECT id, deadline, lead_agency, ?, ? FROM tasks
			WHERE deadline >= ? AND deadline <= ? AND state IN ('open', 'submitted')
			ON CONFLICT (task_id, deadline) DO NOTHING`, today, now.UTC(), today, horizon)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n = int(m)
		return nil
	})
	return n, err
}

// Run records reminders every interval until ctx ends (Node.Start runs it).
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Hour
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		_, _ = s.RemindOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Reminders lists the reminders of the given agency's still-open tasks, for its "my tasks" page.
func (s *Service) Reminders(ctx context.Context, p *auth.Principal, agency string) ([]Reminder, error) {
	if !mayReport(p, agency) && !p.Can(auth.Viewer, agency) {
		return nil, errs.New(errs.Forbidden, "you may not read the tasks of %s", agency)
	}
	var out []Reminder
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT r.task_id, r.deadline, r.agency, r.due_on FROM task_reminders r
			JOIN tasks t ON t.id = r.task_id
			WHERE r.agency = ? AND t.state IN ('open', 'submitted') AND t.deadline = r.deadline ORDER BY r.deadline, r.task_id`, agency)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Reminder
			if err := rows.Scan(&r.TaskID, &r.Deadline, &r.Agency, &r.DueOn); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
