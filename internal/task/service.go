package task

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// AgencyLookup is the part of the agency registry the service needs.
type AgencyLookup interface {
	Exists(ctx context.Context, code string) bool
}

// Options configure the service.
type Options struct {
	// Now is the clock; nil means the database's (db.DB.Now).
	Now func() time.Time
	// RemindDays is how many working days before the deadline a reminder is recorded (default 3).
	RemindDays int
}

// Service tracks tasks.
type Service struct {
	db       *db.DB
	cal      *calendar.Calendar
	agencies AgencyLookup
	opt      Options
}

// New returns a task service.
func New(d *db.DB, cal *calendar.Calendar, agencies AgencyLookup, opt Options) *Service {
	if opt.RemindDays <= 0 {
		opt.RemindDays = 3
	}
	return &Service{db: d, cal: cal, agencies: agencies, opt: opt}
}

func (s *Service) now() time.Time {
	if s.opt.Now != nil {
		return s.opt.Now()
	}
	return s.db.Now()
}

func (s *Service) today() string { return s.now().In(ict).Format(time.DateOnly) }

// Assignment is a task as the assigner enters it (or as a meeting conclusion hands it over).
type Assignment struct {
	DirectiveKind   string   `json:"directive_kind"`
	DirectiveNumber string   `json:"directive_number"`
	DirectiveDate   string   `json:"directive_date,omitempty"`
	DirectiveDoc    string   `json:"directive_doc,omitempty"` // id of a document registered in internal/office
	Content         string   `json:"content"`
	Lead            string   `json:"lead"`
	Coordinators    []string `json:"coordinators,omitempty"`
	Authority       string   `json:"authority"`
	AssignedOn      string   `json:"assigned_on,omitempty"` // default: today
	Deadline        string   `json:"deadline,omitempty"`    // '' with ReportPeriod = regular/ongoing
	ReportPeriod    string   `json:"report_period,omitempty"`
	Product         string   `json:"product,omitempty"`
	Source          string   `json:"source,omitempty"` // e.g. "meeting:12/item:3"
	IdempotencyKey  string   `json:"idempotency_key,omitempty"`
}

// Task is a stored task with its derived status.
type Task struct {
	ID              int64     `json:"id"`
	DirectiveKind   string    `json:"directive_kind"`
	DirectiveNumber string    `json:"directive_number"`
	DirectiveDate   string    `json:"directive_date,omitempty"`
	DirectiveDoc    string    `json:"directive_doc,omitempty"`
	Content         string    `json:"content"`
	Lead            string    `json:"lead"`
	Province        string    `json:"province"`
	Coordinators    []string  `json:"coordinators"`
	Authority       string    `json:"authority"`
	Assigner        string    `json:"assigner"`
	AssignedOn      string    `json:"assigned_on"`
	Deadline        string    `json:"deadline,omitempty"`
	ReportPeriod    string    `json:"report_period,omitempty"`
	Product         string    `json:"product,omitempty"`
	Source          string    `json:"source,omitempty"`
	State           string    `json:"state"`
	CompletedOn     string    `json:"completed_on,omitempty"`
	PendingDeadline string    `json:"pending_deadline,omitempty"`
	PendingReason   string    `json:"pending_reason,omitempty"`
	Status          Status    `json:"status"`
	CreatedBy       string    `json:"created_by"`
	CreatedAt       time.Time `json:"created_at"`
	Version         int       `json:"version"`
}

func validDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func fieldErr(field, msg string) errs.FieldError { return errs.FieldError{Field: field, Message: msg} }

// check validates an assignment and returns the assigner agency and the province of the lead.
func (s *Service) check(ctx context.Context, a *Assignment, today string) (assigner, province string, err error) {
	var fe []errs.FieldError
	a.Content = strings.TrimSpace(a.Content)
	a.DirectiveNumber = strings.TrimSpace(a.DirectiveNumber)
	if _, ok := lookup(DirectiveKinds, a.DirectiveKind); !ok {
		fe = append(fe, fieldErr("directive_kind", "unknown directive kind / loại văn bản không hợp lệ"))
	}
	if a.DirectiveNumber == "" && a.DirectiveDoc == "" {
		fe = append(fe, fieldErr("directive_number", "the directive's number or document id is required / cần số hiệu văn bản giao"))
	}
	if a.DirectiveDate != "" && !validDay(a.DirectiveDate) {
		fe = append(fe, fieldErr("directive_date", "not a date YYYY-MM-DD"))
	}
	if a.Content == "" {
		fe = append(fe, fieldErr("content", "the task's content is required / cần nội dung nhiệm vụ"))
	}
	auth, okAuth := lookup(Authorities, a.Authority)
	if !okAuth {
		fe = append(fe, fieldErr("authority", "unknown assigning authority / cơ quan giao không hợp lệ"))
	}
	lc, perr := vn.ParseAgencyCode(a.Lead)
	if perr != nil || !s.agencies.Exists(ctx, a.Lead) {
		fe = append(fe, fieldErr("lead", fmt.Sprintf("unknown agency %q / đơn vị chủ trì không có trong danh mục", a.Lead)))
	}
	seen := map[string]bool{a.Lead: true}
	coords := a.Coordinators[:0:0]
	for _, c := range a.Coordinators {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		if !s.agencies.Exists(ctx, c) {
			fe = append(fe, fieldErr("coordinators", fmt.Sprintf("unknown agency %q / đơn vị phối hợp không có trong danh mục", c)))
		}
		coords = append(coords, c)
	}
	a.Coordinators = coords
	if a.AssignedOn == "" {
		a.AssignedOn = today
	} else if !validDay(a.AssignedOn) {
		fe = append(fe, fieldErr("assigned_on", "not a date YYYY-MM-DD"))
	}
	switch {
	case a.Deadline == "" && a.ReportPeriod == "":
		fe = append(fe, fieldErr("deadline", "a deadline or a reporting period (regular task) is required / cần thời hạn hoặc kỳ báo cáo"))
	case a.Deadline != "" && a.ReportPeriod != "":
		fe = append(fe, fieldErr("report_period", "a task with a deadline has no reporting period"))
	case a.Deadline != "" && !validDay(a.Deadline):
		fe = append(fe, fieldErr("deadline", "not a date YYYY-MM-DD"))
	case a.Deadline != "" && a.Deadline < a.AssignedOn:
		fe = append(fe, fieldErr("deadline", "the deadline is before the assignment date / thời hạn trước ngày giao"))
	case a.ReportPeriod != "":
		if _, ok := lookup(ReportPeriods, a.ReportPeriod); !ok {
			fe = append(fe, fieldErr("report_period", "unknown reporting period"))
		}
	}
	if len(fe) > 0 {
		return "", "", errs.New(errs.Invalid, "the task is not valid / nhiệm vụ chưa hợp lệ").WithFields(fe...)
	}
	province = lc.RootCode().String()
	assigner = province
	if auth.Central {
		assigner = GovernmentOffice
	}
	return assigner, province, nil
}

// mayAssign is the assigning rule: leaders and clerks (and admins) of the assigner agency — the
// Government Office for central authorities, the province's People's Committee otherwise.
func mayAssign(p *auth.Principal, assigner string) bool {
	return p.Can(auth.Leader, assigner) || p.Can(auth.Clerk, assigner)
}

// mayReport is the reporting rule: officers, leaders and clerks of the lead agency, or its machine client.
func mayReport(p *auth.Principal, lead string) bool {
	return p.Can(auth.Officer, lead) || p.Can(auth.Leader, lead) || p.Can(auth.Clerk, lead) || p.ActsFor(lead)
}

// mayRead: anyone who may assign or report, viewers of the assigner, lead or a coordinator.
func mayRead(p *auth.Principal, t *Task) bool {
	if mayAssign(p, t.Assigner) || mayReport(p, t.Lead) || p.Can(auth.Viewer, t.Assigner) || p.Can(auth.Viewer, t.Lead) {
		return true
	}
	for _, c := range t.Coordinators {
		if p.Can(auth.Viewer, c) || mayReport(p, c) {
			return true
		}
	}
	return false
}

// Create assigns one task.
func (s *Service) Create(ctx context.Context, p *auth.Principal, a Assignment) (*Task, error) {
	ts, err := s.CreateMany(ctx, p, []Assignment{a})
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// RowError is the error of one assignment in a batch (1-based row).
type RowError struct {
	Row    int               `json:"row"`
	Fields []errs.FieldError `json:"fields"`
	Err    string            `json:"error"`
}

// CreateMany assigns tasks all or nothing: when any is bad, nothing is stored and the error lists
// every bad row (as field errors named "row N: field").
func (s *Service) CreateMany(ctx context.Context, p *auth.Principal, list []Assignment) ([]*Task, error) {
	if p == nil {
		return nil, errs.New(errs.Unauthorized, "please log in")
	}
	if len(list) == 0 {
		return nil, errs.New(errs.Invalid, "no task given")
	}
	now := s.now().UTC()
	today := now.In(ict).Format(time.DateOnly)
	assigners := make([]string, len(list))
	provinces := make([]string, len(list))
	var fe []errs.FieldError
	for i := range list {
		as, pr, err := s.check(ctx, &list[i], today)
		if err != nil {
			for _, f := range errs.As(err).Fields {
				f.Field = fmt.Sprintf("row %d: %s", i+1, f.Field)
				fe = append(fe, f)
			}
			continue
		}
		if !mayAssign(p, as) {
			return nil, errs.New(errs.Forbidden, "row %d: you may not assign tasks for %s", i+1, as)
		}
		assigners[i], provinces[i] = as, pr
	}
	if len(fe) > 0 {
		msg := "the task is not valid / nhiệm vụ chưa hợp lệ"
		if len(list) > 1 {
			msg = "some rows are not valid; nothing was imported / có dòng không hợp lệ, chưa nhập nhiệm vụ nào"
		}
		return nil, errs.New(errs.Invalid, "%s", msg).WithFields(fe...)
	}
	out := make([]*Task, len(list))
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		for i, a := range list {
			if a.IdempotencyKey != "" {
				var id int64
				err := tx.QueryRow(ctx, `SELECT id FROM tasks WHERE idempotency_key = ?`, a.IdempotencyKey).Scan(&id)
				if err == nil {
					t, err := getTx(ctx, tx, id, today)
					out[i] = t
					if err != nil {
						return err
					}
					continue
				} else if !db.IsNoRows(err) {
					return err
				}
			}
			var key any
			if a.IdempotencyKey != "" {
				key = a.IdempotencyKey
			}
			var id int64
			err := tx.QueryRow(ctx, `INSERT INTO tasks (directive_kind, directive_number, directive_date, directive_doc, content,
				lead_agency, province_code, authority, assigner_agency, assigned_on, deadline, report_period, product, source,
				state, idempotency_key, created_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id`,
				a.DirectiveKind, a.DirectiveNumber, a.DirectiveDate, a.DirectiveDoc, a.Content, a.Lead, provinces[i], a.Authority,
				assigners[i], a.AssignedOn, a.Deadline, a.ReportPeriod, a.Product, a.Source, key, p.Actor(), now).Scan(&id)
			if err != nil {
				return err
			}
			for _, c := range a.Coordinators {
				if _, err := tx.Exec(ctx, `INSERT INTO task_coordinators (task_id, agency_code) VALUES (?, ?)`, id, c); err != nil {
					return err
				}
			}
			if err := addAssigned(ctx, tx, a.Lead, a.Authority, a.AssignedOn[:7], 1); err != nil {
				return err
			}
			if err := addOpen(ctx, tx, a.Lead, a.Authority, a.Deadline, 1); err != nil {
				return err
			}
			if err := event(ctx, tx, id, "assigned", p, now, a.Source, a.Deadline, ""); err != nil {
				return err
			}
			if out[i], err = getTx(ctx, tx, id, today); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Conclusion is one conclusion of a meeting that becomes a task.
type Conclusion struct {
	DirectiveKind   string // default "BB" (meeting conclusions); "TB" for a conclusion notice
	DirectiveNumber string // e.g. the conclusion notice number, or "meeting:12"
	DirectiveDoc    string // office document id, if registered
	Content         string
	Lead            string
	Coordinators    []string
	Authority       string
	Deadline        string // '' with ReportPeriod for ongoing
	ReportPeriod    string
	Product         string
	Source          string // "meeting:12/item:3"; also the idempotency key
}

// CreateFromConclusions turns a meeting's conclusions into tasks in one transaction, all or
// nothing. Each conclusion's Source is its idempotency key, so repeating the call returns the same
// tasks.
func (s *Service) CreateFromConclusions(ctx context.Context, p *auth.Principal, list []Conclusion) ([]*Task, error) {
	as := make([]Assignment, len(list))
	for i, c := range list {
		kind := c.DirectiveKind
		if kind == "" {
			kind = "BB"
		}
		key := ""
		if c.Source != "" {
			key = "conclusion:" + c.Source
		}
		as[i] = Assignment{DirectiveKind: kind, DirectiveNumber: c.DirectiveNumber, DirectiveDoc: c.DirectiveDoc,
			Content: c.Content, Lead: c.Lead, Coordinators: c.Coordinators, Authority: c.Authority, Deadline: c.Deadline,
			ReportPeriod: c.ReportPeriod, Product: c.Product, Source: c.Source, IdempotencyKey: key}
	}
	return s.CreateMany(ctx, p, as)
}

func event(ctx context.Context, tx *db.Tx, id int64, kind string, p *auth.Principal, at time.Time, note, detail, docs string) error {
	_, err := tx.Exec(ctx, `INSERT INTO task_events (task_id, kind, actor, at, note, detail, documents) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, kind, p.Actor(), at, note, detail, docs)
	return err
}

const taskCols = `id, directive_kind, directive_number, directive_date, directive_doc, content, lead_agency, province_code,
	authority, assigner_agency, assigned_on, deadline, report_period, product, source, state, completed_on,
	pending_deadline, pending_reason, created_by, created_at, version`

func scanTask(sc interface{ Scan(...any) error }, today string) (*Task, error) {
	var t Task
	if err := sc.Scan(&t.ID, &t.DirectiveKind, &t.DirectiveNumber, &t.DirectiveDate, &t.DirectiveDoc, &t.Content, &t.Lead,
		&t.Province, &t.Authority, &t.Assigner, &t.AssignedOn, &t.Deadline, &t.ReportPeriod, &t.Product, &t.Source, &t.State,
		&t.CompletedOn, &t.PendingDeadline, &t.PendingReason, &t.CreatedBy, &t.CreatedAt, &t.Version); err != nil {
		return nil, err
	}
	t.Status = derive(t.State, t.Deadline, t.CompletedOn, today)
	t.Coordinators = []string{}
	return &t, nil
}

func getTx(ctx context.Context, tx *db.Tx, id int64, today string) (*Task, error) {
	t, err := scanTask(tx.QueryRow(ctx, `SELECT `+taskCols+` FROM tasks WHERE id = ?`, id), today)
	if err != nil {
		if db.IsNoRows(err) || err == sql.ErrNoRows {
			return nil, errs.New(errs.NotFound, "no task %d", id)
		}
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT agency_code FROM task_coordinators WHERE task_id = ? ORDER BY agency_code`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		t.Coordinators = append(t.Coordinators, c)
	}
	return t, rows.Err()
}

// Get returns a task the principal may read.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Task, error) {
	var t *Task
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		t, err = getTx(ctx, tx, id, s.today())
		return err
	})
	if err != nil {
		return nil, err
	}
	if !mayRead(p, t) {
		return nil, errs.New(errs.NotFound, "no task %d", id)
	}
	return t, nil
}
