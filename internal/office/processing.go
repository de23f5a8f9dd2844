package office

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// AssignRequest gives an incoming document to a department and/or an officer.
type AssignRequest struct {
	// Assignee is the officer's login; Department a unit of the agency: an agency code of the
	// registry within the agency's subtree, or the name of an internal unit.
	Assignee   string `json:"assignee,omitempty"`
	Department string `json:"department,omitempty"`
	// Role is lead (chủ trì, the default), support (phối hợp) or inform (để biết).
	Role string `json:"role,omitempty"`
	// DueDays is the deadline in working days from now; DueDate a date (YYYY-MM-DD) that must be a
	// working day. Without either, the document's own deadline applies, if it has one.
	DueDays        int    `json:"due_days,omitempty"`
	DueDate        string `json:"due_date,omitempty"`
	Note           string `json:"note,omitempty"`
	IdempotencyKey string `json:"-"`
}

// deadline works out an assignment's deadline from days or a date, at now.
func (s *Service) deadline(now time.Time, days int, date string) (*time.Time, error) {
	date = strings.TrimSpace(date)
	switch {
	case days != 0 && date != "":
		return nil, errs.Reasonf(errs.Invalid, "bad_deadline", "give the deadline as working days or as a date, not both")
	case days < 0 || days > 365:
		return nil, errs.Reasonf(errs.Invalid, "bad_deadline", "due_days %d: want 1–365 working days", days)
	case days > 0:
		t := s.cal.AddWorkingDays(now, days)
		return &t, nil
	case date != "":
		d, fe := s.parseDate("due_date", date)
		if fe != nil {
			return nil, errs.Reasonf(errs.Invalid, "bad_deadline", "%s", fe.Message)
		}
		if !s.cal.IsWorkingDay(d) {
			why := d.Weekday().String()
			if label, ok := s.cal.Holiday(d); ok {
				why = label
			}
			next := s.cal.NextWorkingDay(d)
			return nil, errs.Reasonf(errs.Invalid, "deadline_not_working_day", "the deadline %s is not a working day (%s): choose a working day, such as %s",
				d.Format(time.DateOnly), why, next.Format(time.DateOnly))
		}
		if d.Format(time.DateOnly) < s.localDate(now) {
			return nil, errs.Reasonf(errs.Invalid, "bad_deadline", "the deadline %s has passed", d.Format(time.DateOnly))
		}
		t := s.cal.AddWorkingDays(d, 0)
		return &t, nil
	}
	return nil, nil
}

// checkAssignee checks an assignee and a department against the document's agency and returns the
// assignee's name.
func (s *Service) checkAssignee(ctx context.Context, agency, assignee, department string) (string, error) {
	if assignee == "" && department == "" {
		return "", errs.Reasonf(errs.Invalid, "assignee_required", "say who handles the document: an officer (assignee), a department, or both")
	}
	if len(assignee) > 100 || strings.ContainsAny(assignee, " \t\n") {
		return "", errs.Reasonf(errs.Invalid, "bad_assignee", "assignee %q is not a login", assignee)
	}
	if department != "" && vn.ValidAgencyCode(department) {
		if _, ok := s.reg.Index().Get(department); !ok || !auth.ScopeCovers(agency, department) {
			return "", errs.Reasonf(errs.Forbidden, "outside_agency", "department %s is not a unit of %s in the registry", department, agency)
		}
	} else if len([]rune(department)) > 200 {
		return "", errs.Reasonf(errs.Invalid, "bad_department", "the department's name is longer than 200 characters")
	}
	if assignee == "" || s.opt.LookupPerson == nil {
		return "", nil
	}
	p, err := s.opt.LookupPerson(ctx, assignee)
	if errs.Is(err, errs.NotFound) {
		return "", errs.Reasonf(errs.Invalid, "unknown_assignee", "there is no officer %s", assignee)
	}
	if err != nil {
		return "", err
	}
	pp := &auth.Principal{Kind: auth.KindUser, ID: p.Login, Grants: p.Grants}
	if partiesOf(pp, agency)&ByDrafter == 0 {
		return "", errs.Reasonf(errs.Forbidden, "outside_agency", "%s is not an officer of %s", assignee, agency)
	}
	return p.Name, nil
}

// Assign gives a registered incoming document to a department and/or an officer with a deadline.
// The agency's leaders and clerks assign; the first assignment is reported to the sender (04).
func (s *Service) Assign(ctx context.Context, by *auth.Principal, incomingID int64, r AssignRequest) (*Assignment, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	r.Assignee, r.Department = strings.TrimSpace(r.Assignee), strings.Join(strings.Fields(r.Department), " ")
	if r.Role == "" {
		r.Role = RoleLead
	}
	if r.Role != RoleLead && r.Role != RoleSupport && r.Role != RoleInform {
		return nil, errs.Reasonf(errs.Invalid, "bad_role", "role %q: want lead, support or inform", r.Role)
	}
	note, fe := cleanText("note", r.Note, 2000, false)
	if fe != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_note", "note: %s", fe.Message)
	}
	in, err := s.loadIncoming(ctx, incomingID)
	if err != nil {
		return nil, err
	}
	if partiesOf(by, in.Agency)&(ByLeader|ByClerk|BySystem) == 0 {
		return nil, notYourAgency(by, in.Agency, "assign documents")
	}
	name, err := s.checkAssignee(ctx, in.Agency, r.Assignee, r.Department)
	if err != nil {
		return nil, err
	}
	k, err := newIdem(by, r.IdempotencyKey, "incoming.assign", struct {
		ID int64
		R  AssignRequest
	}{incomingID, r})
	if err != nil {
		return nil, err
	}
	var aid int64
	err = s.write(ctx, func(tx *db.Tx) error {
		var err error
		if aid, err = k.seen(ctx, tx); aid != 0 || err != nil {
			return err
		}
		in, err := getIncoming(ctx, tx, incomingID, true)
		if err != nil {
			return err
		}
		switch in.Status {
		case Registered, Assigned, InProgress:
		default:
			return errs.Reasonf(errs.Conflict, "transition_not_allowed", "document %d is %s: only a registered document being handled is assigned", incomingID, in.Status)
		}
		if err := checkNotRevoked(ctx, tx, in.ID, note); err != nil {
			return err
		}
		due, err := s.deadline(tx.Now, r.DueDays, r.DueDate)
		if err != nil {
			return err
		}
		if due == nil {
			due = in.DueAt
		}
		if aid, err = insertAssignment(ctx, tx, in, r.Assignee, name, r.Department, r.Role, due, note, by); err != nil {
			return err
		}
		detail := map[string]any{"assignment": aid, "assignee": r.Assignee, "department": r.Department, "role": r.Role}
		if due != nil {
			detail["deadline"] = due.UTC().Format(time.RFC3339)
		}
		if err := addEvent(ctx, tx, KindIncoming, in.ID, by, "assign", string(in.Status), "", detail); err != nil {
			return err
		}
		if in.Status == Registered {
			in.Status = Assigned
			if err := saveIncoming(ctx, tx, in); err != nil {
				return err
			}
			// The sender learns which unit handles its document, and who by name, not by login.
			dept := r.Department
			if n := s.agencyName(dept); n != "" {
				dept = n
			}
			whom := strings.Trim(strings.Join([]string{dept, name}, ", "), ", ")
			if whom == "" {
				whom = r.Assignee
			}
			if err := queueStatus(ctx, tx, in, "04", "Phân công xử lý: "+whom, by.Name, dept); err != nil {
				return err
			}
		}
		return k.record(ctx, tx, aid)
	})
	if errs.Is(err, errs.Conflict) && k.key != "" {
		if ref, err2 := s.replay(ctx, k); err2 == nil && ref != 0 {
			aid, err = ref, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("office.Assign(%d): %w", incomingID, err)
	}
	_ = s.deliverStatuses(ctx, incomingID)
	return s.assignment(ctx, aid)
}

func insertAssignment(ctx context.Context, tx *db.Tx, in *Incoming, assignee, name, department, role string, due *time.Time, note string, by *auth.Principal) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO office_assignments (incoming_id, agency_code, assignee, assignee_name, department, role, deadline,
		status, note, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.ID, in.Agency, assignee, name, department, role, nullTime(due), AssignOpen, note, by.Actor(), tx.Now).Scan(&id)
	return id, err
}

func (s *Service) assignment(ctx context.Context, id int64) (*Assignment, error) {
	var a *Assignment
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		a, err = getAssignment(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	a.Timeliness = s.timeliness(a, s.db.Now())
	return a, nil
}

// actOnAssignment locks an assignment and its document for a step by its assignee (or, where
// leaders allowed, a leader or clerk of the agency).
func actOnAssignment(ctx context.Context, tx *db.Tx, by *auth.Principal, id int64, leadersToo bool) (*Assignment, *Incoming, error) {
	a, err := getAssignment(ctx, tx, id, true)
	if err != nil {
		return nil, nil, err
	}
	in, err := getIncoming(ctx, tx, a.IncomingID, true)
	if err != nil {
		return nil, nil, err
	}
	mine := by.Kind == auth.KindUser && a.Assignee != "" && a.Assignee == by.ID && partiesOf(by, a.Agency) != 0
	// A connected system acting for the agency reports its officers' work.
	mine = mine || partiesOf(by, a.Agency)&BySystem != 0
	boss := partiesOf(by, a.Agency)&(ByLeader|ByClerk) != 0
	if !mine && !(leadersToo && boss) {
		return nil, nil, errs.Reasonf(errs.Forbidden, "not_your_assignment", "assignment %d is %s's", id, a.Assignee)
	}
	if a.Status != AssignOpen && a.Status != AssignStarted {
		return nil, nil, errs.Reasonf(errs.Conflict, "assignment_closed", "assignment %d is %s", id, a.Status)
	}
	return a, in, nil
}

// start marks an assignment started and, at the first start on the document, the document in
// progress (05).
func start(ctx context.Context, tx *db.Tx, by *auth.Principal, a *Assignment, in *Incoming) error {
	if a.Status == AssignOpen {
		if _, err := tx.Exec(ctx, "UPDATE office_assignments SET status = ?, started_at = ? WHERE id = ?", AssignStarted, tx.Now, a.ID); err != nil {
			return err
		}
		a.Status, a.StartedAt = AssignStarted, &tx.Now
	}
	if in.Status != Assigned {
		return nil
	}
	in.Status = InProgress
	if err := saveIncoming(ctx, tx, in); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, KindIncoming, in.ID, by, "start", string(Assigned), string(InProgress), map[string]any{"assignment": a.ID}); err != nil {
		return err
	}
	return queueStatus(ctx, tx, in, "05", "Đang xử lý", by.Name, a.Department)
}

// Start records that the assignee began work on the document (05 at the first start).
func (s *Service) Start(ctx context.Context, by *auth.Principal, assignmentID int64) (*Assignment, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	var incomingID int64
	err := s.write(ctx, func(tx *db.Tx) error {
		a, in, err := actOnAssignment(ctx, tx, by, assignmentID, false)
		if err != nil {
			return err
		}
		incomingID = in.ID
		if err := checkNotRevoked(ctx, tx, in.ID, ""); err != nil {
			return err
		}
		return start(ctx, tx, by, a, in)
	})
	if err != nil {
		return nil, fmt.Errorf("office.Start(%d): %w", assignmentID, err)
	}
	_ = s.deliverStatuses(ctx, incomingID)
	return s.assignment(ctx, assignmentID)
}

// OpinionRequest is a comment on an incoming document.
type OpinionRequest struct {
	Text string `json:"text"`
	// AssignmentID ties the opinion to the caller's assignment; an assignee's opinion starts it.
	AssignmentID   int64  `json:"assignment_id,omitempty"`
	IdempotencyKey string `json:"-"`
}

// AddOpinion records a comment by one of the agency's people. The assignee's first opinion starts
// their assignment (and the document, 05).
func (s *Service) AddOpinion(ctx context.Context, by *auth.Principal, incomingID int64, r OpinionRequest) (*Opinion, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	text, fe := cleanText("text", r.Text, 8000, true)
	if fe != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_opinion", "text: %s", fe.Message)
	}
	k, err := newIdem(by, r.IdempotencyKey, "incoming.opinion", struct {
		ID int64
		R  OpinionRequest
	}{incomingID, r})
	if err != nil {
		return nil, err
	}
	var oid int64
	err = s.write(ctx, func(tx *db.Tx) error {
		var err error
		if oid, err = k.seen(ctx, tx); oid != 0 || err != nil {
			return err
		}
		in, err := getIncoming(ctx, tx, incomingID, true)
		if err != nil {
			return err
		}
		if partiesOf(by, in.Agency) == 0 {
			return notYourAgency(by, in.Agency, "give opinions on documents")
		}
		if in.Status == Arrived || in.Status == Refused {
			return errs.Reasonf(errs.Conflict, "transition_not_allowed", "document %d is %s: register it first", incomingID, in.Status)
		}
		var aid any
		if r.AssignmentID != 0 {
			a, err := getAssignment(ctx, tx, r.AssignmentID, true)
			if err != nil {
				return err
			}
			if a.IncomingID != incomingID {
				return errs.Reasonf(errs.Invalid, "bad_assignment", "assignment %d is not about document %d", a.ID, incomingID)
			}
			aid = a.ID
			if a.Assignee == by.ID && (a.Status == AssignOpen || a.Status == AssignStarted) {
				if err := start(ctx, tx, by, a, in); err != nil {
					return err
				}
			}
		}
		if err := tx.QueryRow(ctx, "INSERT INTO office_opinions (incoming_id, assignment_id, author, author_name, text, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			incomingID, aid, by.Actor(), by.Name, text, tx.Now).Scan(&oid); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, KindIncoming, incomingID, by, "opinion", "", "", map[string]any{"opinion": oid}); err != nil {
			return err
		}
		return k.record(ctx, tx, oid)
	})
	if err != nil {
		return nil, fmt.Errorf("office.AddOpinion(%d): %w", incomingID, err)
	}
	_ = s.deliverStatuses(ctx, incomingID)
	var op Opinion
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		var a sql.NullInt64
		err := tx.QueryRow(ctx, "SELECT id, assignment_id, author, author_name, text, at FROM office_opinions WHERE id = ?", oid).
			Scan(&op.ID, &a, &op.Author, &op.AuthorName, &op.Text, &op.At)
		op.AssignmentID, op.At = a.Int64, op.At.UTC()
		return err
	})
	return &op, err
}

// ForwardRequest passes an assignment on to another officer (chuyển xử lý).
type ForwardRequest struct {
	To             string `json:"to"`
	Department     string `json:"department,omitempty"`
	Note           string `json:"note,omitempty"`
	IdempotencyKey string `json:"-"`
}

// Forward passes an assignment on to another officer of the agency, with the same role and
// deadline; the assignee or a leader or clerk forwards. The new assignment is returned.
func (s *Service) Forward(ctx context.Context, by *auth.Principal, assignmentID int64, r ForwardRequest) (*Assignment, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	r.To, r.Department = strings.TrimSpace(r.To), strings.Join(strings.Fields(r.Department), " ")
	if r.To == "" {
		return nil, errs.Reasonf(errs.Invalid, "assignee_required", "say whom to forward the document to")
	}
	note, fe := cleanText("note", r.Note, 2000, false)
	if fe != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_note", "note: %s", fe.Message)
	}
	cur, err := s.assignment(ctx, assignmentID)
	if err != nil {
		return nil, err
	}
	if partiesOf(by, cur.Agency) == 0 {
		return nil, notYourAgency(by, cur.Agency, "forward documents")
	}
	dept := r.Department
	if dept == "" {
		dept = cur.Department
	}
	name, err := s.checkAssignee(ctx, cur.Agency, r.To, dept)
	if err != nil {
		return nil, err
	}
	k, err := newIdem(by, r.IdempotencyKey, "assignment.forward", struct {
		ID int64
		R  ForwardRequest
	}{assignmentID, r})
	if err != nil {
		return nil, err
	}
	var newID, incomingID int64
	err = s.write(ctx, func(tx *db.Tx) error {
		var err error
		if newID, err = k.seen(ctx, tx); newID != 0 || err != nil {
			return err
		}
		a, in, err := actOnAssignment(ctx, tx, by, assignmentID, true)
		if err != nil {
			return err
		}
		incomingID = in.ID
		if err := checkNotRevoked(ctx, tx, in.ID, note); err != nil {
			return err
		}
		if r.To == a.Assignee {
			return errs.Reasonf(errs.Invalid, "bad_assignee", "assignment %d is already %s's", a.ID, r.To)
		}
		if a.Assignee == by.ID {
			// Passing it on is working on it.
			if err := start(ctx, tx, by, a, in); err != nil {
				return err
			}
		}
		if newID, err = insertAssignment(ctx, tx, in, r.To, name, dept, a.Role, a.Deadline, note, by); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE office_assignments SET status = ?, forwarded_to = ?, completed_at = ? WHERE id = ?",
			AssignForwarded, newID, tx.Now, a.ID); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, KindIncoming, in.ID, by, "forward", "", "", map[string]any{"from": a.ID, "to": newID, "assignee": r.To}); err != nil {
			return err
		}
		return k.record(ctx, tx, newID)
	})
	if err != nil {
		return nil, fmt.Errorf("office.Forward(%d): %w", assignmentID, err)
	}
	_ = s.deliverStatuses(ctx, incomingID)
	return s.assignment(ctx, newID)
}

// CompleteRequest closes an assignment.
type CompleteRequest struct {
	Result         string `json:"result,omitempty"`
	IdempotencyKey string `json:"-"`
}

// Complete closes an assignment (the assignee, or a leader or clerk). When the last open lead
// assignment closes, the document is done and the sender hears it (05 if not yet said, then 06).
func (s *Service) Complete(ctx context.Context, by *auth.Principal, assignmentID int64, r CompleteRequest) (*Assignment, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	result, fe := cleanText("result", r.Result, 8000, false)
	if fe != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_result", "result: %s", fe.Message)
	}
	k, err := newIdem(by, r.IdempotencyKey, "assignment.complete", struct {
		ID int64
		R  CompleteRequest
	}{assignmentID, r})
	if err != nil {
		return nil, err
	}
	var incomingID int64
	err = s.write(ctx, func(tx *db.Tx) error {
		if ref, err := k.seen(ctx, tx); ref != 0 || err != nil {
			return err
		}
		a, in, err := actOnAssignment(ctx, tx, by, assignmentID, true)
		if err != nil {
			return err
		}
		incomingID = in.ID
		if err := checkNotRevoked(ctx, tx, in.ID, result); err != nil {
			return err
		}
		if err := start(ctx, tx, by, a, in); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE office_assignments SET status = ?, completed_at = ?, result = ? WHERE id = ?",
			AssignDone, tx.Now, result, a.ID); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, KindIncoming, in.ID, by, "complete_assignment", "", "", map[string]any{"assignment": a.ID}); err != nil {
			return err
		}
		if a.Role == RoleLead {
			var open int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM office_assignments WHERE incoming_id = ? AND role = ? AND status IN (?, ?)",
				in.ID, RoleLead, AssignOpen, AssignStarted).Scan(&open); err != nil {
				return err
			}
			if open == 0 {
				from := in.Status
				in.Status, in.CompletedAt = Done, &tx.Now
				if err := saveIncoming(ctx, tx, in); err != nil {
					return err
				}
				if err := addEvent(ctx, tx, KindIncoming, in.ID, by, "complete", string(from), string(Done), nil); err != nil {
					return err
				}
				desc := "Hoàn thành"
				if result != "" {
					desc += ": " + result
				}
				if err := queueStatus(ctx, tx, in, "06", desc, by.Name, a.Department); err != nil {
					return err
				}
			}
		}
		return k.record(ctx, tx, a.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("office.Complete(%d): %w", assignmentID, err)
	}
	_ = s.deliverStatuses(ctx, incomingID)
	return s.assignment(ctx, assignmentID)
}

// timeliness says where an assignment stands against its deadline at now.
func (s *Service) timeliness(a *Assignment, now time.Time) string {
	switch {
	case a.Deadline == nil:
		return ""
	case a.Status == AssignDone || a.Status == AssignForwarded:
		if a.Status == AssignForwarded || a.CompletedAt == nil {
			return ""
		}
		if a.CompletedAt.After(*a.Deadline) {
			return Late
		}
		return OnTime
	case now.After(*a.Deadline):
		return Overdue
	case !s.cal.AddWorkingDays(now, s.opt.DueSoonDays).Before(*a.Deadline):
		return DueSoon
	}
	return OnTrack
}

// DeadlineQuery selects open assignments by deadline.
type DeadlineQuery struct {
	// Agency lists the assignments of an agency (its leaders, clerks and viewers); Assignee those of
	// one officer (the officer, or the agency's leaders). With neither, the caller's own.
	Agency   string
	Assignee string
	// Timeliness is overdue, due_soon, or "" for both.
	Timeliness string
	Limit      int
}

// DeadlineItem is an open assignment with the document it is about.
type DeadlineItem struct {
	Assignment
	Subject        string `json:"subject"`
	SenderName     string `json:"sender_name"`
	NumberNotation string `json:"number_notation,omitempty"`
	IncomingNumber int    `json:"incoming_number"`
}

// Deadlines lists open assignments that are overdue or due soon, the most urgent first.
func (s *Service) Deadlines(ctx context.Context, by *auth.Principal, q DeadlineQuery) ([]DeadlineItem, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if q.Timeliness != "" && q.Timeliness != Overdue && q.Timeliness != DueSoon {
		return nil, errs.Reasonf(errs.Invalid, "bad_parameter", "timeliness %q: want overdue or due_soon", q.Timeliness)
	}
	if q.Agency == "" && q.Assignee == "" {
		q.Assignee = by.ID
	}
	if q.Agency != "" && !mayView(by, q.Agency) {
		return nil, notYourAgency(by, q.Agency, "see the deadlines")
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	now := s.db.Now()
	horizon := s.cal.AddWorkingDays(now, s.opt.DueSoonDays).UTC()
	where, args := "a.status IN (?, ?) AND a.deadline IS NOT NULL AND a.deadline <= ?", []any{AssignOpen, AssignStarted, horizon}
	if q.Agency != "" {
		where += " AND a.agency_code = ?"
		args = append(args, q.Agency)
	}
	if q.Assignee != "" {
		where += " AND a.assignee = ?"
		args = append(args, q.Assignee)
	}
	out := []DeadlineItem{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		cols := "a." + strings.ReplaceAll(assignmentColumns, ", ", ", a.")
		rows, err := tx.Query(ctx, "SELECT "+cols+", i.subject, i.sender_name, i.code_number, i.code_notation, i.number, i.confidentiality"+
			" FROM office_assignments a JOIN office_incoming i ON i.id = a.incoming_id WHERE "+where+" ORDER BY a.deadline, a.id LIMIT ?",
			append(args, q.Limit)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it DeadlineItem
			var number sql.NullInt64
			var cn, notation string
			var conf int
			a := &it.Assignment
			var deadline, started, completed sql.NullTime
			var fwd sql.NullInt64
			if err := rows.Scan(&a.ID, &a.IncomingID, &a.Agency, &a.Assignee, &a.AssigneeName, &a.Department, &a.Role, &deadline, &a.Status,
				&a.Note, &a.AssignedBy, &a.AssignedAt, &started, &fwd, &completed, &a.Result, &it.Subject, &it.SenderName, &cn, &notation,
				&number, &conf); err != nil {
				return err
			}
			a.Deadline, a.StartedAt, a.CompletedAt, a.ForwardedTo, a.AssignedAt = timePtr(deadline), timePtr(started), timePtr(completed), fwd.Int64, a.AssignedAt.UTC()
			a.Timeliness = s.timeliness(a, now)
			if q.Timeliness != "" && a.Timeliness != q.Timeliness {
				continue
			}
			// Whoever may see an agency's list sees every assignment; a person sees only their agencies'.
			if !mayView(by, a.Agency) && a.Assignee != by.ID {
				continue
			}
			if vn.Confidentiality(conf).IsSecret() && a.Assignee != by.ID && partiesOf(by, a.Agency)&(ByLeader|ByClerk|BySystem) == 0 {
				it.Subject = "(" + vn.Confidentiality(conf).Vietnamese() + ")"
			}
			it.NumberNotation = strings.Trim(cn+"/"+notation, "/")
			it.IncomingNumber = int(number.Int64)
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}
