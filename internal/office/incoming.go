package office

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/edxml"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// What to do with a document picked up from the axis.
type axisAction int

const (
	actPickUp axisAction = iota
	actRegister
	actRefuse
)

// PickUp takes a document out of an agency's axis inbox into the agency's incoming documents as
// arrived (status packet 01), to be registered or refused by a clerk. agency may be "" when the
// caller clerks for exactly one of the document's recipients. Picking up the same document again
// returns it.
func (s *Service) PickUp(ctx context.Context, by *auth.Principal, axisID, agency string) (*Incoming, error) {
	return s.fromAxis(ctx, by, axisID, agency, actPickUp, "")
}

// RegisterFromAxis picks up a document from the axis inbox (01) and registers it with the next
// incoming number (03) in one step.
func (s *Service) RegisterFromAxis(ctx context.Context, by *auth.Principal, axisID, agency string) (*Incoming, error) {
	return s.fromAxis(ctx, by, axisID, agency, actRegister, "")
}

// RefuseFromAxis picks up a document from the axis inbox and refuses it with a reason (02).
func (s *Service) RefuseFromAxis(ctx context.Context, by *auth.Principal, axisID, agency, reason string) (*Incoming, error) {
	return s.fromAxis(ctx, by, axisID, agency, actRefuse, reason)
}

func (s *Service) fromAxis(ctx context.Context, by *auth.Principal, axisID, agency string, act axisAction, reason string) (*Incoming, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if s.axis == nil {
		return nil, errs.Reasonf(errs.Unavailable, "no_axis", "this node has no document axis")
	}
	axisID, agency, reason = strings.TrimSpace(axisID), strings.TrimSpace(agency), strings.TrimSpace(reason)
	if act == actRefuse && reason == "" {
		return nil, errs.Reasonf(errs.Invalid, "reason_required", "say why the document is refused: the sender receives the reason")
	}
	if agency == "" {
		d, err := s.axis.Get(ctx, by, axisID)
		if err != nil {
			return nil, err
		}
		var mine []string
		for _, dl := range d.Deliveries {
			if partiesOf(by, dl.Recipient)&(ByClerk|BySystem) != 0 {
				mine = append(mine, dl.Recipient)
			}
		}
		switch len(mine) {
		case 0:
			return nil, errs.Reasonf(errs.Forbidden, "not_your_agency", "%s registers documents for none of the recipients of %s", by.Actor(), axisID)
		case 1:
			agency = mine[0]
		default:
			return nil, errs.Reasonf(errs.Invalid, "agency_required", "%s went to several agencies you register for (%s): say which", axisID, strings.Join(mine, ", "))
		}
	}
	if partiesOf(by, agency)&(ByClerk|BySystem) == 0 {
		return nil, notYourAgency(by, agency, "register incoming documents")
	}
	id, err := s.incomingByAxisID(ctx, agency, axisID)
	if err != nil {
		return nil, err
	}
	created := false
	if id == 0 {
		if id, created, err = s.pickUp(ctx, by, axisID, agency, act, reason); err != nil {
			return nil, fmt.Errorf("office: picking up %s for %s: %w", axisID, agency, err)
		}
	}
	if !created {
		// Picked up before (or by someone else at the same moment): do what was asked, if it
		// still can be done.
		in, err := s.loadIncoming(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case act == actRegister && in.Status == Arrived:
			if _, err := s.Register(ctx, by, id, Registration{}); err != nil {
				return nil, err
			}
		case act == actRefuse && in.Status == Arrived:
			if _, err := s.Refuse(ctx, by, id, reason); err != nil {
				return nil, err
			}
		case act == actRefuse && in.Status != Refused:
			return nil, errs.Reasonf(errs.Conflict, "already_registered", "%s was already registered as incoming number %d", axisID, in.Number)
		}
	}
	// The document is ours now: take it out of the axis inbox. Should this fail, it stays there and
	// picking it up again finds it here and acknowledges it then.
	_ = s.axis.Ack(ctx, s.system(agency), axisID, agency, axis.TransportDone)
	_ = s.deliverStatuses(ctx, id)
	return s.GetIncoming(ctx, by, id)
}

func (s *Service) incomingByAxisID(ctx context.Context, agency, axisID string) (int64, error) {
	var id int64
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT id FROM office_incoming WHERE agency_code = ? AND axis_id = ?", agency, axisID).Scan(&id)
		if db.IsNoRows(err) {
			return nil
		}
		return err
	})
	return id, err
}

// pickUp reads the package from the axis, copies its files to the file store and records the
// document, with the action asked for, in one transaction.
func (s *Service) pickUp(ctx context.Context, by *auth.Principal, axisID, agency string, act axisAction, reason string) (int64, bool, error) {
	sys := s.system(agency)
	rc, d, err := s.axis.Open(ctx, sys, axisID)
	if err != nil {
		return 0, false, err
	}
	defer rc.Close()
	if d.Kind != "document" {
		return 0, false, errs.Reasonf(errs.Invalid, "not_a_document", "%s is a status packet, not a document", axisID)
	}
	delivered := false
	for _, dl := range d.Deliveries {
		delivered = delivered || dl.Recipient == agency
	}
	if !delivered {
		return 0, false, errs.Reasonf(errs.NotFound, "not_delivered", "%s was not sent to %s", axisID, agency)
	}
	var files []File
	pkg, err := edxml.Read(rc, edxml.ReadOptions{Attachment: func(a edxml.AttachmentMeta, content io.Reader) (string, error) {
		br := bufio.NewReader(content)
		head, _ := br.Peek(5)
		ref, err := s.blobs.Put(ctx, br)
		if err != nil {
			return "", err
		}
		f := File{Role: RoleAttachment, Name: cleanFileName(a.AttachmentName), ContentType: strings.TrimSpace(a.ContentType), SHA256: ref.SHA256, Size: ref.Size, AddedBy: sys.Actor()}
		if f.Name == "file" && a.ContentId != "" {
			f.Name = cleanFileName(a.ContentId)
		}
		if bytes.HasPrefix(head, []byte("%PDF-")) {
			f.ContentType = "application/pdf"
		}
		if f.ContentType == "" {
			f.ContentType = "application/octet-stream"
		}
		files = append(files, f)
		return ref.SHA256, nil
	}})
	if err != nil {
		return 0, false, err
	}
	// The first PDF is the document itself; the rest are its attachments.
	for i := range files {
		if files[i].ContentType == "application/pdf" {
			files[i].Role = RoleMain
			files[0], files[i] = files[i], files[0]
			break
		}
	}
	h := &pkg.Header
	in := &Incoming{Agency: agency, Status: Arrived, Source: FromAxis, AxisID: axisID, AxisDocumentID: strings.TrimSpace(h.DocumentId),
		Sender: strings.TrimSpace(h.From.OrganId), SenderName: strings.TrimSpace(h.From.OrganName), ReceivedAt: d.ReceivedAt,
		CodeNumber: strings.TrimSpace(h.Code.CodeNumber), CodeNotation: strings.TrimSpace(h.Code.CodeNotation),
		Subject: truncate(strings.Join(strings.Fields(h.Subject), " "), 2000), Summary: truncate(strings.TrimSpace(h.Content), 8000),
		SignerName: strings.TrimSpace(h.SignerInfo.FullName), SignerTitle: strings.TrimSpace(h.SignerInfo.Position),
		TypeName: strings.TrimSpace(h.DocumentType.TypeName)}
	if n := s.agencyName(in.Sender); n != "" && in.SenderName == "" {
		in.SenderName = n
	}
	if t, err := edxml.ParseEdXMLDate(strings.TrimSpace(h.PromulgationInfo.PromulgationDate)); err == nil {
		in.DocumentDate = t.Format(time.DateOnly)
	}
	in.Type = typeOf(in.TypeName, in.CodeNotation)
	if in.Type != 0 && in.TypeName == "" {
		t, _ := vn.DocumentTypeByNumber(in.Type)
		in.TypeName = t.Name
	}
	if p, err := strconv.Atoi(strings.TrimSpace(h.OtherInfo.Priority)); err == nil {
		in.Urgency = vn.Urgency(min(max(p, 0), int(vn.UrgencyImmediate)))
	}
	if t, err := edxml.ParseEdXMLDate(strings.TrimSpace(h.DueDate)); err == nil {
		due := s.cal.AddWorkingDays(t, 0)
		in.DueAt = &due
	}
	if in.Subject == "" {
		in.Subject = "(không có trích yếu)"
	}
	var id int64
	err = s.write(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = insertIncoming(ctx, tx, by, in); err != nil {
			return err
		}
		if err := insertFiles(ctx, tx, KindIncoming, id, 0, files); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, KindIncoming, id, by, "pick_up", "", string(Arrived), map[string]any{"axis_id": axisID}); err != nil {
			return err
		}
		in.ID = id
		if err := linkIncoming(ctx, tx, by, pkg, in); err != nil {
			return err
		}
		if err := queueStatus(ctx, tx, in, "01", "Đã đến", by.Name, ""); err != nil {
			return err
		}
		switch act {
		case actRegister:
			return s.register(ctx, tx, by, in, "")
		case actRefuse:
			return s.refuse(ctx, tx, by, in, reason)
		}
		return nil
	})
	if errs.Is(err, errs.Conflict) {
		// Another clerk or node picked it up at the same moment: carry on with theirs.
		if existing, err2 := s.incomingByAxisID(ctx, agency, axisID); err2 == nil && existing != 0 {
			return existing, false, nil
		}
	}
	return id, err == nil, err
}

// typeOf finds the document type from an edXML TypeName or, failing that, from the first part of the
// notation (QĐ in QĐ-UBND). It returns 0 when neither tells.
func typeOf(typeName, notation string) int {
	if typeName != "" {
		if t, err := resolveType(typeName); err == nil {
			return t.Number
		}
	}
	if first, _, ok := strings.Cut(notation, "-"); ok {
		if t, ok := vn.DocumentTypeByAbbreviation(first); ok {
			return t.Number
		}
		return 18 // a notation that starts with the agency is a Công văn
	}
	return 0
}

func insertIncoming(ctx context.Context, tx *db.Tx, by *auth.Principal, in *Incoming) (int64, error) {
	in.UpdatedAt, in.Version, in.CreatedBy = tx.Now, 1, by.Actor()
	err := tx.QueryRow(ctx, `INSERT INTO office_incoming (agency_code, status, source, axis_id, axis_document_id, sender_code, sender_name,
		doc_type, type_name, code_number, code_notation, document_date, subject, summary, signer_name, signer_title, urgency,
		confidentiality, due_at, note, received_at, created_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Agency, string(in.Status), in.Source, in.AxisID, in.AxisDocumentID, in.Sender, in.SenderName, in.Type, in.TypeName,
		in.CodeNumber, in.CodeNotation, in.DocumentDate, in.Subject, in.Summary, in.SignerName, in.SignerTitle, int(in.Urgency),
		int(in.Confidentiality), nullTime(in.DueAt), in.Note, in.ReceivedAt.UTC(), in.CreatedBy, tx.Now).Scan(&in.ID)
	return in.ID, err
}

// register gives an arrived document the next incoming number of its agency and year (03).
func (s *Service) register(ctx context.Context, tx *db.Tx, by *auth.Principal, in *Incoming, note string) error {
	local := tx.Now.In(s.cal.Location())
	n, err := nextNumber(ctx, tx, in.Agency, local.Year(), SeriesIncoming)
	if err != nil {
		return err
	}
	from := in.Status
	in.Status, in.Year, in.Number, in.RegisteredAt, in.RegisteredBy = Registered, local.Year(), n, &tx.Now, by.Actor()
	if note != "" {
		in.Note = note
	}
	if err := saveIncoming(ctx, tx, in); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, KindIncoming, in.ID, by, "register", string(from), string(Registered), map[string]any{"number": n}); err != nil {
		return err
	}
	return queueStatus(ctx, tx, in, "03", fmt.Sprintf("Đã tiếp nhận, số đến %d", n), by.Name, "")
}

func (s *Service) refuse(ctx context.Context, tx *db.Tx, by *auth.Principal, in *Incoming, reason string) error {
	from := in.Status
	in.Status, in.RefusedReason = Refused, reason
	if err := saveIncoming(ctx, tx, in); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, KindIncoming, in.ID, by, "refuse", string(from), string(Refused), map[string]any{"reason": reason}); err != nil {
		return err
	}
	return queueStatus(ctx, tx, in, "02", reason, by.Name, "")
}

// Registration registers an arrived document.
type Registration struct {
	Note           string `json:"note,omitempty"`
	IdempotencyKey string `json:"-"`
}

// Register gives a document picked up from the axis its incoming number (status packet 03).
// Registering twice is a conflict.
func (s *Service) Register(ctx context.Context, by *auth.Principal, id int64, r Registration) (*Incoming, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	note, fe := cleanText("note", r.Note, 2000, false)
	if fe != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_note", "note: %s", fe.Message)
	}
	k, err := newIdem(by, r.IdempotencyKey, "incoming.register", struct {
		ID int64
		R  Registration
	}{id, r})
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *db.Tx) error {
		if ref, err := k.seen(ctx, tx); ref != 0 || err != nil {
			return err
		}
		in, err := getIncoming(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if partiesOf(by, in.Agency)&(ByClerk|BySystem) == 0 {
			return notYourAgency(by, in.Agency, "register incoming documents")
		}
		if in.Status != Arrived {
			if in.Number != 0 {
				return errs.Reasonf(errs.Conflict, "already_registered", "document %d was already registered as incoming number %d", id, in.Number)
			}
			return errs.Reasonf(errs.Conflict, "transition_not_allowed", "document %d is %s and cannot be registered", id, in.Status)
		}
		if err := s.register(ctx, tx, by, in, note); err != nil {
			return err
		}
		return k.record(ctx, tx, id)
	})
	if err != nil {
		return nil, fmt.Errorf("office.Register(%d): %w", id, err)
	}
	_ = s.deliverStatuses(ctx, id)
	return s.GetIncoming(ctx, by, id)
}

// Refuse refuses an arrived document with a reason, which goes to the sender (status packet 02).
func (s *Service) Refuse(ctx context.Context, by *auth.Principal, id int64, reason string) (*Incoming, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	reason, fe := cleanText("reason", reason, 1000, true)
	if fe != nil {
		return nil, errs.Reasonf(errs.Invalid, "reason_required", "say why the document is refused: the sender receives the reason")
	}
	err := s.write(ctx, func(tx *db.Tx) error {
		in, err := getIncoming(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if partiesOf(by, in.Agency)&(ByClerk|BySystem) == 0 {
			return notYourAgency(by, in.Agency, "refuse incoming documents")
		}
		if in.Status != Arrived {
			return errs.Reasonf(errs.Conflict, "transition_not_allowed", "document %d is %s: only a document not yet registered is refused", id, in.Status)
		}
		return s.refuse(ctx, tx, by, in, reason)
	})
	if err != nil {
		return nil, fmt.Errorf("office.Refuse(%d): %w", id, err)
	}
	_ = s.deliverStatuses(ctx, id)
	return s.GetIncoming(ctx, by, id)
}

// PaperDocument is a document received on paper: the clerk types in its header and uploads the scan.
type PaperDocument struct {
	Agency string `json:"agency"`
	// Sender is the issuing agency's code when it is in the registry; SenderName its name otherwise.
	Sender     string `json:"sender,omitempty"`
	SenderName string `json:"sender_name,omitempty"`
	Type       string `json:"type,omitempty"`
	// NumberNotation is the number and notation the document shows, such as 15/QĐ-UBND.
	NumberNotation  string `json:"number_notation,omitempty"`
	DocumentDate    string `json:"document_date,omitempty"`
	Subject         string `json:"subject"`
	Summary         string `json:"summary,omitempty"`
	SignerName      string `json:"signer_name,omitempty"`
	SignerTitle     string `json:"signer_title,omitempty"`
	Urgency         string `json:"urgency,omitempty"`
	Confidentiality string `json:"confidentiality,omitempty"`
	DueDate         string `json:"due_date,omitempty"`
	Note            string `json:"note,omitempty"`
	IdempotencyKey  string `json:"-"`
	// Scans are the scanned pages (PDF, JPEG, PNG or TIFF); the first is the main file.
	Scans []Upload `json:"-"`
}

// RegisterPaper registers a document received on paper with the next incoming number.
func (s *Service) RegisterPaper(ctx context.Context, by *auth.Principal, p PaperDocument) (*Incoming, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	ag, err := s.checkAgency("agency", p.Agency)
	if err != nil {
		return nil, err
	}
	if partiesOf(by, ag.Code)&(ByClerk|BySystem) == 0 {
		return nil, notYourAgency(by, ag.Code, "register incoming documents")
	}
	in := &Incoming{Agency: ag.Code, Status: Arrived, Source: FromPaper}
	var bad []errs.FieldError
	add := func(fe *errs.FieldError) {
		if fe != nil {
			bad = append(bad, *fe)
		}
	}
	var fe *errs.FieldError
	in.Sender = strings.TrimSpace(p.Sender)
	if in.Sender != "" {
		if a, ok := s.reg.Index().Get(in.Sender); !ok {
			bad = append(bad, errs.FieldError{Field: "sender", Message: "no agency " + in.Sender + " in the registry; give its name in sender_name instead"})
		} else {
			in.SenderName = a.Name
		}
	}
	if name, fe := clean("sender_name", p.SenderName, 300, in.Sender == ""); fe != nil {
		bad = append(bad, *fe)
	} else if name != "" {
		in.SenderName = name
	}
	nn, fe := clean("number_notation", p.NumberNotation, 100, false)
	add(fe)
	if num, notation, ok := strings.Cut(nn, "/"); ok {
		in.CodeNumber, in.CodeNotation = strings.TrimSpace(num), strings.TrimSpace(notation)
	} else {
		in.CodeNumber = nn
	}
	if strings.TrimSpace(p.Type) != "" {
		t, err := resolveType(p.Type)
		if err != nil {
			bad = append(bad, errs.FieldError{Field: "type", Message: errs.As(err).Message})
		}
		in.Type, in.TypeName = t.Number, t.Name
	} else if in.Type = typeOf("", in.CodeNotation); in.Type != 0 {
		t, _ := vn.DocumentTypeByNumber(in.Type)
		in.TypeName = t.Name
	}
	if strings.TrimSpace(p.DocumentDate) != "" {
		t, fe := s.parseDate("document_date", p.DocumentDate)
		add(fe)
		if fe == nil {
			in.DocumentDate = t.Format(time.DateOnly)
		}
	}
	in.Subject, fe = clean("subject", p.Subject, 2000, true)
	add(fe)
	in.Summary, fe = cleanText("summary", p.Summary, 8000, false)
	add(fe)
	in.SignerName, fe = clean("signer_name", p.SignerName, 100, false)
	add(fe)
	in.SignerTitle, fe = clean("signer_title", p.SignerTitle, 200, false)
	add(fe)
	if in.Urgency, err = parseUrgency(p.Urgency); err != nil {
		bad = append(bad, errs.FieldError{Field: "urgency", Message: errs.As(err).Message})
	}
	if in.Confidentiality, err = parseConfidentiality(p.Confidentiality); err != nil {
		bad = append(bad, errs.FieldError{Field: "confidentiality", Message: errs.As(err).Message})
	}
	if strings.TrimSpace(p.DueDate) != "" {
		t, fe := s.parseDate("due_date", p.DueDate)
		add(fe)
		if fe == nil {
			due := s.cal.AddWorkingDays(t, 0)
			in.DueAt = &due
		}
	}
	in.Note, fe = cleanText("note", p.Note, 2000, false)
	add(fe)
	if len(p.Scans) == 0 {
		bad = append(bad, errs.FieldError{Field: "scans", Message: "upload the scan of the document"})
	}
	if len(p.Scans) > 50 {
		bad = append(bad, errs.FieldError{Field: "scans", Message: "at most 50 files"})
	}
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_document", "the document cannot be registered as it is").WithFields(bad...)
	}
	var files []File
	for i, u := range p.Scans {
		role := RoleAttachment
		if i == 0 {
			role = RoleMain
		}
		f, err := storeUpload(ctx, s.blobs, u, role, scanFormats, s.opt.MaxFileBytes, by.Actor())
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	k, err := newIdem(by, p.IdempotencyKey, "incoming.paper", struct {
		P     PaperDocument
		Files []File
	}{p, files})
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.write(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = k.seen(ctx, tx); id != 0 || err != nil {
			return err
		}
		in.ReceivedAt = tx.Now
		if id, err = insertIncoming(ctx, tx, by, in); err != nil {
			return err
		}
		if err := insertFiles(ctx, tx, KindIncoming, id, 0, files); err != nil {
			return err
		}
		if err := s.register(ctx, tx, by, in, ""); err != nil {
			return err
		}
		return k.record(ctx, tx, id)
	})
	if errs.Is(err, errs.Conflict) && k.key != "" {
		if ref, err2 := s.replay(ctx, k); err2 != nil || ref != 0 {
			if err2 != nil {
				return nil, err2
			}
			return s.GetIncoming(ctx, by, ref)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("office.RegisterPaper: %w", err)
	}
	return s.GetIncoming(ctx, by, id)
}

// mayViewIncoming reports whether p may see an incoming document: the agency's people, and for a
// secret one its clerks, leaders and assignees only.
func mayViewIncoming(p *auth.Principal, in *Incoming) bool {
	if !mayView(p, in.Agency) {
		return false
	}
	if !in.Confidentiality.IsSecret() || partiesOf(p, in.Agency)&(ByLeader|ByClerk|BySystem) != 0 {
		return true
	}
	for _, a := range in.Assignments {
		if a.Assignee == p.ID {
			return true
		}
	}
	return false
}

// GetIncoming returns an incoming document with its files, assignments, opinions and status packets.
func (s *Service) GetIncoming(ctx context.Context, by *auth.Principal, id int64) (*Incoming, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	in, err := s.loadIncoming(ctx, id)
	if err != nil {
		return nil, err
	}
	if !mayViewIncoming(by, in) {
		return nil, errs.Reasonf(errs.NotFound, "no_document", "there is no incoming document %d", id)
	}
	return in, nil
}

// IncomingQuery selects incoming documents.
type IncomingQuery struct {
	Agency string
	Status InStatus
	Limit  int
	Offset int
}

// ListIncoming lists an agency's incoming documents, newest first (without their details).
func (s *Service) ListIncoming(ctx context.Context, by *auth.Principal, q IncomingQuery) ([]Incoming, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if !mayView(by, q.Agency) {
		return nil, notYourAgency(by, q.Agency, "see the documents")
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	where, args := "agency_code = ?", []any{q.Agency}
	if q.Status != "" {
		where += " AND status = ?"
		args = append(args, string(q.Status))
	}
	if partiesOf(by, q.Agency)&(ByLeader|ByClerk|BySystem) == 0 {
		where += " AND (confidentiality = 0 OR id IN (SELECT incoming_id FROM office_assignments WHERE assignee = ?))"
		args = append(args, by.ID)
	}
	out := []Incoming{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+incomingColumns+" FROM office_incoming WHERE "+where+" ORDER BY id DESC LIMIT ? OFFSET ?",
			append(args, q.Limit, q.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			in, err := scanIncoming(rows)
			if err != nil {
				return err
			}
			out = append(out, *in)
		}
		return rows.Err()
	})
	return out, err
}

// AxisInbox lists the documents waiting in an agency's axis inbox, for its clerks to pick up.
func (s *Service) AxisInbox(ctx context.Context, by *auth.Principal, agency string) ([]axis.InboxItem, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if s.axis == nil {
		return nil, errs.Reasonf(errs.Unavailable, "no_axis", "this node has no document axis")
	}
	if partiesOf(by, agency)&(ByClerk|ByLeader|BySystem) == 0 {
		return nil, notYourAgency(by, agency, "see the axis inbox")
	}
	items, err := s.axis.Received(ctx, s.system(agency), axis.InboxQuery{Agency: agency, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := []axis.InboxItem{}
	for _, it := range items {
		if it.Kind == "document" {
			out = append(out, it)
		}
	}
	return out, nil
}
