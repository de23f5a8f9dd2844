package dossier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/vn"
)

// Change asks for a dossier to move to another national status.
type Change struct {
	To     vn.DossierStatus `json:"to"`
	Reason string           `json:"reason,omitempty"`
	// Department and Assignee route the dossier when processing starts (→ 4).
	Department string `json:"department,omitempty"`
	Assignee   string `json:"assignee,omitempty"`
	// Items lists the papers asked for with "more documents requested" (→ 5).
	Items []string `json:"items,omitempty"`
	// Version, when set, must be the dossier's current version (optimistic locking for pages).
	Version int `json:"version,omitempty"`
}

// actionNames name the steps in the timeline by their target status.
var actionNames = map[vn.DossierStatus]string{
	vn.DossierSubmitted:              "resubmit",
	vn.DossierAccepted:               "accept",
	vn.DossierNotAccepted:            "refuse",
	vn.DossierInProgress:             "start",
	vn.DossierMoreDocumentsRequested: "request_documents",
	vn.DossierPaymentRequested:       "request_payment",
	vn.DossierWithdrawn:              "withdraw",
	vn.DossierStopped:                "stop",
	vn.DossierProcessed:              "process",
	vn.DossierReturned:               "return_result",
}

// Transition moves a dossier to another status if the table allows it for the caller.
func (s *Service) Transition(ctx context.Context, by *auth.Principal, code string, c Change) (*Dossier, error) {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		d, pty, err := s.lockFor(ctx, tx, by, code)
		if err != nil {
			return err
		}
		if pty == ByApplicant && d.Status == vn.DossierMoreDocumentsRequested && c.To != vn.DossierWithdrawn {
			return errs.Reasonf(errs.Conflict, "transition_not_allowed", "send the documents that were asked for (supplement) to move dossier %s on", code)
		}
		if c.Version != 0 && c.Version != d.Version {
			return errs.Reasonf(errs.Conflict, "stale_dossier", "dossier %s was changed by someone else meanwhile: reload it and try again", code)
		}
		return s.apply(ctx, tx, by, d, pty, c)
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.Transition(%s → %d): %w", code, int(c.To), err)
	}
	return s.load(ctx, code)
}

// lockFor reads a dossier for change and says how the caller takes part in it.
func (s *Service) lockFor(ctx context.Context, tx *db.Tx, by *auth.Principal, code string) (*Dossier, Party, error) {
	if by == nil {
		return nil, 0, errs.New(errs.Unauthorized, "please log in")
	}
	if _, err := vn.ParseDossierCode(code); err != nil {
		return nil, 0, errs.Reasonf(errs.Invalid, "bad_dossier_code", "%v", err)
	}
	d, err := get(ctx, tx, code, true)
	if err != nil {
		return nil, 0, err
	}
	pty, ok := party(by, d.Agency, d.Applicant.UserID)
	if !ok {
		return nil, 0, errs.Reasonf(errs.Forbidden, "not_your_dossier", "%s may not act on dossier %s", by.Actor(), code)
	}
	return d, pty, nil
}

// apply makes change c to d inside tx, after checking it against the table.
func (s *Service) apply(ctx context.Context, tx *db.Tx, by *auth.Principal, d *Dossier, pty Party, c Change) error {
	c.Reason = strings.TrimSpace(c.Reason)
	rule, err := Check(d.Status, c.To, d.ResumeStatus, pty)
	if err != nil {
		return errs.Reasonf(errs.Conflict, "transition_not_allowed", "%v", err)
	}
	if rule.NeedsReason && c.Reason == "" {
		return errs.Reasonf(errs.Invalid, "reason_required", "say why (status %d, %s, needs a reason)", int(c.To), c.To.English())
	}
	if len(c.Reason) > 2000 {
		return errs.Reasonf(errs.Invalid, "reason_too_long", "the reason is longer than 2000 characters")
	}
	now := tx.Now
	from := d.Status
	detail := map[string]any{}
	switch c.To {
	case vn.DossierAccepted:
		if from == vn.DossierSubmitted {
			d.AcceptedAt = &now
			s.setDeadline(d, now, detail)
		}
	case vn.DossierInProgress:
		if c.Department != "" {
			if err := s.checkDepartment(ctx, d.Agency, c.Department); err != nil {
				return err
			}
			d.Department = c.Department
			detail["department"] = c.Department
		}
		if a := strings.TrimSpace(c.Assignee); a != "" {
			d.Assignee = a
			detail["assignee"] = a
		}
	case vn.DossierMoreDocumentsRequested, vn.DossierPaymentRequested:
		d.ResumeStatus = from
		if len(c.Items) > 0 {
			detail["items"] = c.Items
		}
	case vn.DossierProcessed:
		d.ProcessedAt = &now
	case vn.DossierNotAccepted, vn.DossierWithdrawn, vn.DossierStopped, vn.DossierReturned:
		d.FinishedAt = &now
	}
	if rule.Resume {
		d.ResumeStatus = 0
		if from == vn.DossierMoreDocumentsRequested && d.DueAt != nil && !s.opt.KeepDeadlineOnSupplement {
			s.setDeadline(d, now, detail)
		}
	}
	d.Status = c.To
	if err := save(ctx, tx, d); err != nil {
		return err
	}
	if c.To == vn.DossierReturned && d.Applicant.UserID != 0 {
		if err := s.keepResults(ctx, tx, d); err != nil {
			return err
		}
	}
	return addEvent(ctx, tx, d.Code, by, actionNames[c.To], from, c.To, c.Reason, encodeDetail(detail))
}

func encodeDetail(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// setDeadline computes the appointment from a receipt at t and notes when a year's holidays were
// not in the published data (the computed defaults were used instead).
func (s *Service) setDeadline(d *Dossier, t time.Time, detail map[string]any) {
	// Stored in UTC: SQLite compares times as text, so every stored time must share one zone.
	due := s.cal.Deadline(t, d.ProcessingDays).UTC()
	d.DueAt = &due
	d.DeadlineNote = ""
	var unknown []string
	for y := t.In(s.cal.Location()).Year(); y <= due.In(s.cal.Location()).Year(); y++ {
		if src := s.cal.Source(y); src != calendar.SourceData {
			unknown = append(unknown, fmt.Sprint(y))
		}
	}
	if len(unknown) > 0 {
		d.DeadlineNote = "Lịch nghỉ năm " + strings.Join(unknown, ", ") + " chưa được công bố; hạn tính theo ngày lễ mặc định. " +
			"The official holiday schedule for " + strings.Join(unknown, ", ") + " is not loaded; the deadline uses the computed public holidays."
		detail["deadline_note"] = d.DeadlineNote
	}
	detail["due_at"] = due.UTC().Format(time.RFC3339)
}

// checkDepartment accepts a department of the receiving agency's province in the registry.
func (s *Service) checkDepartment(ctx context.Context, agency, dept string) error {
	dc, err := vn.ParseAgencyCode(dept)
	if err != nil {
		return errs.Reasonf(errs.Invalid, "bad_department", "department: %v", err)
	}
	ac, _ := vn.ParseAgencyCode(agency)
	if !s.agencies.Exists(ctx, dept) || dc.Root() != ac.Root() {
		return errs.Reasonf(errs.Invalid, "bad_department", "department %s is not an agency of %s's province in the registry", dept, agency)
	}
	return nil
}

// Assign routes a dossier being processed to a department and an officer without changing its status.
func (s *Service) Assign(ctx context.Context, by *auth.Principal, code, department, assignee, note string) (*Dossier, error) {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		d, pty, err := s.lockFor(ctx, tx, by, code)
		if err != nil {
			return err
		}
		if pty == ByApplicant {
			return errs.Reasonf(errs.Forbidden, "officers_only", "only the agency routes a dossier")
		}
		if d.Status != vn.DossierAccepted && d.Status != vn.DossierInProgress {
			return errs.Reasonf(errs.Conflict, "transition_not_allowed", "only an accepted dossier or one in progress is routed; %s is in status %d (%s)", code, int(d.Status), d.Status.English())
		}
		if department != "" {
			if err := s.checkDepartment(ctx, d.Agency, department); err != nil {
				return err
			}
			d.Department = department
		}
		d.Assignee = strings.TrimSpace(assignee)
		if err := save(ctx, tx, d); err != nil {
			return err
		}
		return addEvent(ctx, tx, code, by, "assign", d.Status, d.Status, strings.TrimSpace(note),
			encodeDetail(map[string]any{"department": d.Department, "assignee": d.Assignee}))
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.Assign(%s): %w", code, err)
	}
	return s.load(ctx, code)
}

// Supplement takes the documents asked for and sends the dossier back where it was before the request.
func (s *Service) Supplement(ctx context.Context, by *auth.Principal, code, note string, ups []Upload) (*Dossier, error) {
	d, err := s.load(ctx, code)
	if err != nil {
		return nil, err
	}
	if _, ok := party(by, d.Agency, d.Applicant.UserID); !ok {
		return nil, errs.Reasonf(errs.Forbidden, "not_your_dossier", "%s may not act on dossier %s", by.Actor(), code)
	}
	if d.Status != vn.DossierMoreDocumentsRequested {
		return nil, errs.Reasonf(errs.Conflict, "transition_not_allowed", "dossier %s is not waiting for documents (status %d, %s)", code, int(d.Status), d.Status.English())
	}
	if len(ups) == 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_files", "attach the documents that were asked for")
	}
	proc, err := s.catalog.Get(d.Procedure)
	if err != nil {
		return nil, err
	}
	files, err := s.storeFiles(ctx, by, proc, ups, FileSupplement, false)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		d, pty, err := s.lockFor(ctx, tx, by, code)
		if err != nil {
			return err
		}
		pos, err := nextFilePosition(ctx, tx, code)
		if err != nil {
			return err
		}
		if err := insertFiles(ctx, tx, code, pos, files, tx.Now); err != nil {
			return err
		}
		return s.apply(ctx, tx, by, d, pty, Change{To: d.ResumeStatus, Reason: note})
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.Supplement(%s): %w", code, err)
	}
	return s.load(ctx, code)
}

// Result is a result document the agency issues.
type Result struct {
	Name string
	Body []byte
}

// Process attaches the result documents (signed by the agency when they are PDFs and a signer is
// configured) and marks the dossier processed (→ 9).
func (s *Service) Process(ctx context.Context, by *auth.Principal, code, note string, results []Result) (*Dossier, error) {
	d, err := s.load(ctx, code)
	if err != nil {
		return nil, err
	}
	if pty, ok := party(by, d.Agency, d.Applicant.UserID); !ok || pty == ByApplicant {
		return nil, errs.Reasonf(errs.Forbidden, "officers_only", "only the agency issues results of dossier %s", code)
	}
	if _, err := Check(d.Status, vn.DossierProcessed, d.ResumeStatus, ByOfficer); err != nil {
		return nil, errs.Reasonf(errs.Conflict, "transition_not_allowed", "%v", err)
	}
	var files []File
	for i, r := range results {
		body := r.Body
		name := cleanFileName(r.Name)
		signed := false
		isPDF := bytes.HasPrefix(body, []byte("%PDF-"))
		switch {
		case isPDF && bytes.Contains(body, []byte("/ByteRange")):
			// Already signed (an e-certified copy, a document signed elsewhere): re-signing would
			// change the bytes its own verification relies on, so it is kept as it is, and marked
			// signed only when its signatures are intact and cover the whole file.
			rep, err := signature.VerifyPDF(body, signature.NewTrustStore())
			if err != nil {
				return nil, errs.Reasonf(errs.Invalid, "bad_result", "result %s: %v", name, err)
			}
			signed = len(rep.Signatures) > 0 && !rep.HasProblem("altered") && !rep.HasProblem("bad_signature") && !rep.HasProblem("not_whole_file")
		case isPDF && s.opt.SignResult != nil:
			if body, err = s.opt.SignResult(ctx, d.Agency, body); err != nil {
				return nil, fmt.Errorf("dossier.Process(%s): signing %s: %w", code, name, err)
			}
			signed = true
		}
		k, ref, err := storeUpload(ctx, s.blobs, Upload{Name: name, Body: strings.NewReader(string(body))}, []string{"pdf", "jpg", "png", "docx", "xlsx"}, s.opt.MaxFileBytes)
		if err != nil {
			if e := errs.As(err); e != nil && e.Code != errs.Internal {
				return nil, e.WithFields(errs.FieldError{Field: fmt.Sprintf("results[%d]", i), Message: e.Message})
			}
			return nil, err
		}
		files = append(files, File{Kind: FileResult, Name: name, ContentType: k.contentType, SHA256: ref.SHA256, Size: ref.Size, Signed: signed, UploadedBy: by.Actor()})
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		d, pty, err := s.lockFor(ctx, tx, by, code)
		if err != nil {
			return err
		}
		pos, err := nextFilePosition(ctx, tx, code)
		if err != nil {
			return err
		}
		if err := insertFiles(ctx, tx, code, pos, files, tx.Now); err != nil {
			return err
		}
		return s.apply(ctx, tx, by, d, pty, Change{To: vn.DossierProcessed, Reason: note})
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.Process(%s): %w", code, err)
	}
	return s.load(ctx, code)
}

// Reschedule gives a late dossier a new appointment, with the apology the applicant receives (form
// 04 of TT 01/2018/TT-VPCP). The new date is n working days after the current appointment.
func (s *Service) Reschedule(ctx context.Context, by *auth.Principal, code string, days int, reason string) (*Dossier, error) {
	if days < 1 || days > 365 {
		return nil, errs.Reasonf(errs.Invalid, "bad_days", "the extension is 1 to 365 working days, not %d", days)
	}
	if strings.TrimSpace(reason) == "" {
		return nil, errs.Reasonf(errs.Invalid, "reason_required", "say why the dossier is late")
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		d, pty, err := s.lockFor(ctx, tx, by, code)
		if err != nil {
			return err
		}
		if pty == ByApplicant {
			return errs.Reasonf(errs.Forbidden, "officers_only", "only the agency reschedules a dossier")
		}
		if !d.waiting() {
			return errs.Reasonf(errs.Conflict, "transition_not_allowed", "dossier %s has no running appointment to move (status %d, %s)", code, int(d.Status), d.Status.English())
		}
		old := *d.DueAt
		due := s.cal.AddWorkingDays(old, days).UTC()
		d.DueAt = &due
		if err := save(ctx, tx, d); err != nil {
			return err
		}
		return addEvent(ctx, tx, code, by, "reschedule", d.Status, d.Status, strings.TrimSpace(reason),
			encodeDetail(map[string]any{"previous_due_at": old.UTC().Format(time.RFC3339), "due_at": due.UTC().Format(time.RFC3339), "days": days}))
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.Reschedule(%s): %w", code, err)
	}
	return s.load(ctx, code)
}

// Rate records the applicant's satisfaction (1 very dissatisfied … 5 very satisfied) with a closed dossier.
func (s *Service) Rate(ctx context.Context, by *auth.Principal, code string, score int, comment string) (*Dossier, error) {
	if score < 1 || score > 5 {
		return nil, errs.Reasonf(errs.Invalid, "bad_rating", "a rating is 1 to 5, not %d", score)
	}
	comment = strings.TrimSpace(comment)
	if len(comment) > 2000 {
		return nil, errs.Reasonf(errs.Invalid, "bad_rating", "the comment is longer than 2000 characters")
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		d, pty, err := s.lockFor(ctx, tx, by, code)
		if err != nil {
			return err
		}
		if pty != ByApplicant {
			return errs.Reasonf(errs.Forbidden, "applicant_only", "only the applicant rates a dossier")
		}
		if d.Status != vn.DossierProcessed && d.Status != vn.DossierReturned && d.Status != vn.DossierNotAccepted {
			return errs.Reasonf(errs.Conflict, "not_finished", "a dossier is rated once it is settled")
		}
		if d.Rating != 0 {
			return errs.Reasonf(errs.Conflict, "already_rated", "dossier %s was already rated", code)
		}
		d.Rating, d.RatingComment = score, comment
		if err := save(ctx, tx, d); err != nil {
			return err
		}
		return addEvent(ctx, tx, code, by, "rate", d.Status, d.Status, comment, encodeDetail(map[string]any{"rating": score}))
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.Rate(%s): %w", code, err)
	}
	return s.load(ctx, code)
}
