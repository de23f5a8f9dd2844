package feedback

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Assignment routes an item to an officer of its agency.
type Assignment struct {
	Assignee string `json:"assignee"`
	Note     string `json:"note,omitempty"`
	// Version, when set, must be the item's current version (pages send it to catch concurrent edits).
	Version int `json:"version,omitempty"`
}

// Transfer sends an item on to another agency.
type Transfer struct {
	Agency  string `json:"agency"`
	Reason  string `json:"reason"`
	Version int    `json:"version,omitempty"`
}

// Reply is the agency's answer to an item.
type Reply struct {
	Text string `json:"text"`
	// Officer and Title name the answering officer; Officer defaults to the caller's name.
	Officer string `json:"officer,omitempty"`
	Title   string `json:"title,omitempty"`
	Version int    `json:"version,omitempty"`
}

// Rejection closes an item without an answer.
type Rejection struct {
	Reason  string `json:"reason"`
	Version int    `json:"version,omitempty"`
}

// Publication makes an answer public.
type Publication struct {
	Version int `json:"version,omitempty"`
}

// step is what an officer step did, for the timeline and the audit log.
type step struct {
	action string
	reason string
	detail map[string]any
	// audited steps are security-relevant: they disclose an item (publish, transfer) or close it.
	audited bool
}

// act runs one officer step inside a transaction: it locks the item, checks that the caller holds
// the officer or leader role over the item's current agency and that the version matches, lets
// change alter the item, saves it, records the event and, for audited steps, the audit entry.
func (s *Service) act(ctx context.Context, by *auth.Principal, code string, version int, op string, change func(it *Item, now time.Time) (step, error)) (*Item, error) {
	canon, _, err := ParseCode(code)
	if err != nil {
		return nil, err
	}
	if by == nil {
		return nil, errs.New(errs.Unauthorized, "please log in")
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		it, err := get(ctx, tx, canon, true)
		if err != nil {
			return err
		}
		if err := mayAct(by, it.Agency); err != nil {
			return err
		}
		if version != 0 && version != it.Version {
			return errs.Reasonf(errs.Conflict, "stale_item", "%s was changed by someone else meanwhile: reload it and try again", canon)
		}
		from, fromAgency := it.Status, it.Agency
		st, err := change(it, now)
		if err != nil {
			return err
		}
		ac, err := vn.ParseAgencyCode(it.Agency)
		if err != nil {
			return err
		}
		if err := save(ctx, tx, it, treeKey(ac), now); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, canon, by, now, st.action, from, it.Status, it.Agency, st.reason, encodeDetail(st.detail)); err != nil {
			return err
		}
		if !st.audited {
			return nil
		}
		return audit.Append(ctx, tx, by.Actor(), "feedback."+st.action, canon, map[string]any{
			"kind": it.Kind, "from_status": from, "to_status": it.Status, "from_agency": fromAgency, "agency": it.Agency})
	})
	if err != nil {
		return nil, fmt.Errorf("feedback.%s(%s): %w", op, canon, err)
	}
	return s.load(ctx, canon, true)
}

// closedError explains why a step cannot be taken on an item that is no longer open.
func closedError(it *Item, what string) error {
	switch it.Status {
	case Answered, Published:
		return errs.Reasonf(errs.Conflict, "already_answered", "%s was already answered on %s: it cannot be %s",
			it.Code, it.Answer.At.In(vn.ICT).Format("02/01/2006 15:04"), what)
	case Rejected:
		return errs.Reasonf(errs.Conflict, "already_rejected", "%s was rejected: it cannot be %s", it.Code, what)
	}
	return errs.Reasonf(errs.Conflict, "not_open", "%s is %s: it cannot be %s", it.Code, it.Status, what)
}

func tooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }

// Assign routes an open item to an officer of its agency (again, when it was already assigned).
func (s *Service) Assign(ctx context.Context, by *auth.Principal, code string, a Assignment) (*Item, error) {
	a.Assignee = strings.Join(strings.Fields(a.Assignee), " ")
	a.Note = strings.TrimSpace(a.Note)
	var bad []errs.FieldError
	if a.Assignee == "" || tooLong(a.Assignee, 200) {
		bad = append(bad, errs.FieldError{Field: "assignee", Message: "say which officer handles it (at most 200 characters)"})
	}
	if tooLong(a.Note, MaxReason) {
		bad = append(bad, errs.FieldError{Field: "note", Message: fmt.Sprintf("at most %d characters", MaxReason)})
	}
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_assignment", "the assignment cannot be made as it is").WithFields(bad...)
	}
	return s.act(ctx, by, code, a.Version, "Assign", func(it *Item, now time.Time) (step, error) {
		if !it.Status.Open() {
			return step{}, closedError(it, "assigned")
		}
		previous := it.Assignee
		it.Assignee, it.Status = a.Assignee, Assigned
		d := map[string]any{"assignee": a.Assignee}
		if previous != "" {
			d["previous_assignee"] = previous
		}
		return step{action: "assign", reason: a.Note, detail: d}, nil
	})
}

// Transfer sends an open item on to another agency, which then answers it. The deadline is kept
// unless Options.RestartDeadlineOnTransfer is set; either way the transfer is recorded.
func (s *Service) Transfer(ctx context.Context, by *auth.Principal, code string, t Transfer) (*Item, error) {
	t.Agency = strings.TrimSpace(t.Agency)
	t.Reason = strings.TrimSpace(t.Reason)
	var bad []errs.FieldError
	if _, err := vn.ParseAgencyCode(t.Agency); err != nil {
		bad = append(bad, errs.FieldError{Field: "agency", Message: err.Error()})
	} else if !s.agencies.Exists(ctx, t.Agency) {
		bad = append(bad, errs.FieldError{Field: "agency", Message: fmt.Sprintf("there is no agency %s in the registry", t.Agency)})
	}
	if t.Reason == "" || tooLong(t.Reason, MaxReason) {
		bad = append(bad, errs.FieldError{Field: "reason", Message: fmt.Sprintf("say why the other agency is competent (at most %d characters)", MaxReason)})
	}
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_transfer", "the transfer cannot be made as it is").WithFields(bad...)
	}
	return s.act(ctx, by, code, t.Version, "Transfer", func(it *Item, now time.Time) (step, error) {
		if !it.Status.Open() {
			return step{}, closedError(it, "transferred")
		}
		if t.Agency == it.Agency {
			return step{}, errs.Reasonf(errs.Invalid, "bad_transfer", "%s is already with %s", it.Code, t.Agency).
				WithFields(errs.FieldError{Field: "agency", Message: "choose another agency"})
		}
		d := map[string]any{"from_agency": it.Agency, "to_agency": t.Agency}
		ac, _ := vn.ParseAgencyCode(t.Agency)
		it.Agency, it.Province, it.Assignee, it.Status = t.Agency, provinceOf(ac), "", Transferred
		it.Transfers++
		if s.opt.RestartDeadlineOnTransfer {
			d["previous_due_at"] = it.DueAt.Format(time.RFC3339)
			it.DueAt, it.DeadlineNote = s.deadline(now, it.ResponseDays)
			d["deadline_restarted"] = true
		}
		d["due_at"] = it.DueAt.Format(time.RFC3339)
		return step{action: "transfer", reason: t.Reason, detail: d, audited: true}, nil
	})
}

// Answer records the agency's answer to an open item. An item is answered once.
func (s *Service) Answer(ctx context.Context, by *auth.Principal, code string, r Reply) (*Item, error) {
	r.Text = strings.TrimSpace(strings.ReplaceAll(r.Text, "\r\n", "\n"))
	r.Officer = strings.Join(strings.Fields(r.Officer), " ")
	r.Title = strings.Join(strings.Fields(r.Title), " ")
	if r.Officer == "" && by != nil {
		r.Officer = by.Name
	}
	var bad []errs.FieldError
	if n := utf8.RuneCountInString(r.Text); n == 0 || n > MaxContent {
		bad = append(bad, errs.FieldError{Field: "text", Message: fmt.Sprintf("the answer is needed (at most %d characters)", MaxContent)})
	}
	if r.Officer == "" || tooLong(r.Officer, 200) {
		bad = append(bad, errs.FieldError{Field: "officer", Message: "name the answering officer (at most 200 characters)"})
	}
	if tooLong(r.Title, 200) {
		bad = append(bad, errs.FieldError{Field: "title", Message: "at most 200 characters"})
	}
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_answer", "the answer cannot be recorded as it is").WithFields(bad...)
	}
	return s.act(ctx, by, code, r.Version, "Answer", func(it *Item, now time.Time) (step, error) {
		if !it.Status.Open() {
			return step{}, closedError(it, "answered again")
		}
		it.Answer = &Answer{Text: r.Text, Officer: r.Officer, Title: r.Title, At: now}
		it.Status = Answered
		late := 0
		if now.After(it.DueAt) {
			late = s.cal.WorkingDaysBetween(it.DueAt, now)
		}
		return step{action: "answer", detail: map[string]any{"officer": r.Officer, "title": r.Title, "late_working_days": late}, audited: true}, nil
	})
}

// Publish makes an answered item and its answer public (never its sender).
func (s *Service) Publish(ctx context.Context, by *auth.Principal, code string, p Publication) (*Item, error) {
	return s.act(ctx, by, code, p.Version, "Publish", func(it *Item, now time.Time) (step, error) {
		switch it.Status {
		case Published:
			return step{}, errs.Reasonf(errs.Conflict, "already_published", "%s is already public", it.Code)
		case Answered:
		case Rejected:
			return step{}, errs.Reasonf(errs.Conflict, "already_rejected", "%s was rejected: there is no answer to publish", it.Code)
		default:
			return step{}, errs.Reasonf(errs.Conflict, "not_answered", "%s has no answer yet: answer it before publishing", it.Code)
		}
		it.Status, it.PublishedAt = Published, &now
		return step{action: "publish", audited: true}, nil
	})
}

// Reject closes an open item without an answer, with the reason the sender is given.
func (s *Service) Reject(ctx context.Context, by *auth.Principal, code string, r Rejection) (*Item, error) {
	r.Reason = strings.TrimSpace(r.Reason)
	if r.Reason == "" || tooLong(r.Reason, MaxReason) {
		return nil, errs.Reasonf(errs.Invalid, "reason_required", "say why it is rejected; the sender sees the reason").
			WithFields(errs.FieldError{Field: "reason", Message: fmt.Sprintf("needed, at most %d characters", MaxReason)})
	}
	return s.act(ctx, by, code, r.Version, "Reject", func(it *Item, now time.Time) (step, error) {
		if !it.Status.Open() {
			return step{}, closedError(it, "rejected")
		}
		it.Status, it.RejectedAt, it.RejectReason = Rejected, &now, r.Reason
		return step{action: "reject", reason: r.Reason, audited: true}, nil
	})
}
