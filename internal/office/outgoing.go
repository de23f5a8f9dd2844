package office

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// DraftInput is the content of an outgoing document as its drafter writes it.
type DraftInput struct {
	Agency string `json:"agency"`
	// Type is one of the 29 types: its number (1–29), abbreviation (QĐ) or name (Công văn).
	Type    string `json:"type"`
	Subject string `json:"subject"`
	Summary string `json:"summary,omitempty"`
	// DraftingUnit is the unit that drafted the document: an agency code of the registry (its
	// abbreviation is then taken from there) or the unit's name. DraftingUnitAbbreviation is added
	// to the notation (45/UBND-VP).
	DraftingUnit             string `json:"drafting_unit,omitempty"`
	DraftingUnitAbbreviation string `json:"drafting_unit_abbreviation,omitempty"`
	SignerName               string `json:"signer_name,omitempty"`
	SignerTitle              string `json:"signer_title,omitempty"`
	// SignerCompetence is the signing mark and authority (thẩm quyền ký), such as "TM. ỦY BAN NHÂN DÂN".
	SignerCompetence string `json:"signer_competence,omitempty"`
	// Urgency is thường, khẩn, thượng khẩn or hỏa tốc (or 0–3); Confidentiality thường, mật, tối mật
	// or tuyệt mật (or 0–3).
	Urgency         string      `json:"urgency,omitempty"`
	Confidentiality string      `json:"confidentiality,omitempty"`
	Place           string      `json:"place,omitempty"`
	Copies          int         `json:"copies,omitempty"`
	Keeper          string      `json:"keeper,omitempty"`
	Note            string      `json:"note,omitempty"`
	DueDate         string      `json:"due_date,omitempty"`
	Recipients      []Recipient `json:"recipients"`
	// Relation, on a new draft only, makes it recall, update or replace an earlier issued document
	// of the agency; the package it is sent in then carries the business type and the reference.
	Relation *Relation `json:"relation,omitempty"`
	// Version, when updating, must be the document's current version.
	Version        int    `json:"version,omitempty"`
	IdempotencyKey string `json:"-"`
	// Main is the document's PDF (checked by content); Attachments are added to it.
	Main        *Upload  `json:"-"`
	Attachments []Upload `json:"-"`
}

// normalize checks and cleans a draft into o (the agency is checked by the caller).
func (s *Service) normalize(d *DraftInput, o *Outgoing) error {
	var bad []errs.FieldError
	add := func(fe *errs.FieldError) {
		if fe != nil {
			bad = append(bad, *fe)
		}
	}
	var fe *errs.FieldError
	t, err := resolveType(d.Type)
	if err != nil {
		bad = append(bad, errs.FieldError{Field: "type", Message: errs.As(err).Message})
	}
	o.Type = t.Number
	o.Subject, fe = clean("subject", d.Subject, 500, true)
	add(fe)
	o.Summary, fe = cleanText("summary", d.Summary, 4000, false)
	add(fe)
	o.DraftingUnit, fe = clean("drafting_unit", d.DraftingUnit, 200, false)
	add(fe)
	o.DraftingUnitAbbreviation, fe = checkAbbreviation("drafting_unit_abbreviation", d.DraftingUnitAbbreviation)
	add(fe)
	if o.DraftingUnit != "" && vn.ValidAgencyCode(o.DraftingUnit) {
		u, ok := s.reg.Index().Get(o.DraftingUnit)
		switch {
		case !ok:
			bad = append(bad, errs.FieldError{Field: "drafting_unit", Message: "no agency " + o.DraftingUnit + " in the registry"})
		case o.DraftingUnitAbbreviation == "":
			o.DraftingUnitAbbreviation = u.Abbreviation
		}
	}
	o.SignerName, fe = clean("signer_name", d.SignerName, 100, false)
	add(fe)
	o.SignerTitle, fe = clean("signer_title", d.SignerTitle, 200, false)
	add(fe)
	o.SignerCompetence, fe = clean("signer_competence", d.SignerCompetence, 200, false)
	add(fe)
	if o.Urgency, err = parseUrgency(d.Urgency); err != nil {
		bad = append(bad, errs.FieldError{Field: "urgency", Message: errs.As(err).Message})
	}
	if o.Confidentiality, err = parseConfidentiality(d.Confidentiality); err != nil {
		bad = append(bad, errs.FieldError{Field: "confidentiality", Message: errs.As(err).Message})
	}
	o.Place, fe = clean("place", d.Place, 100, false)
	add(fe)
	if d.Copies < 0 || d.Copies > 100000 {
		bad = append(bad, errs.FieldError{Field: "copies", Message: "0–100000"})
	}
	o.Copies = d.Copies
	o.Keeper, fe = clean("keeper", d.Keeper, 200, false)
	add(fe)
	o.Note, fe = cleanText("note", d.Note, 2000, false)
	add(fe)
	o.DueDate = ""
	if strings.TrimSpace(d.DueDate) != "" {
		t, fe := s.parseDate("due_date", d.DueDate)
		add(fe)
		if fe == nil {
			o.DueDate = t.Format(time.DateOnly)
		}
	}
	if len(d.Recipients) > 500 {
		bad = append(bad, errs.FieldError{Field: "recipients", Message: "at most 500 recipients"})
	}
	o.Recipients = []Recipient{}
	seen := map[string]bool{}
	for i, r := range d.Recipients {
		field := fmt.Sprintf("recipients[%d]", i)
		r.Agency = strings.TrimSpace(r.Agency)
		r.Name, fe = clean(field+".name", r.Name, 300, false)
		add(fe)
		r.StatusCode = ""
		if r.Agency == "" && r.Name == "" {
			bad = append(bad, errs.FieldError{Field: field, Message: "give an agency code or the name of a paper recipient"})
			continue
		}
		if r.Agency != "" {
			a, ok := s.reg.Index().Get(r.Agency)
			if !ok {
				bad = append(bad, errs.FieldError{Field: field + ".agency", Message: "no agency " + r.Agency + " in the registry"})
				continue
			}
			if seen[r.Agency] {
				bad = append(bad, errs.FieldError{Field: field + ".agency", Message: r.Agency + " is listed twice"})
				continue
			}
			seen[r.Agency] = true
			if r.Name == "" {
				r.Name = a.Name
			}
		} else {
			r.Paper = true
		}
		o.Recipients = append(o.Recipients, r)
	}
	if len(bad) > 0 {
		return errs.Reasonf(errs.Invalid, "bad_document", "the document cannot be saved as it is").WithFields(bad...)
	}
	return nil
}

// storeUploads streams a draft's files to the file store.
func (s *Service) storeUploads(ctx context.Context, by *auth.Principal, d *DraftInput) ([]File, error) {
	var out []File
	if d.Main != nil {
		f, err := storeUpload(ctx, s.blobs, *d.Main, RoleMain, mainFormats, s.opt.MaxFileBytes, by.Actor())
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(d.Attachments) > 50 {
		return nil, errs.Reasonf(errs.Invalid, "too_many_files", "at most 50 attachments")
	}
	for _, u := range d.Attachments {
		f, err := storeUpload(ctx, s.blobs, u, RoleAttachment, attachmentFormats, s.opt.MaxFileBytes, by.Actor())
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// CreateDraft saves a new outgoing document as a draft of d.Agency. A repeated IdempotencyKey
// returns the first draft; the same key with different content is a conflict.
func (s *Service) CreateDraft(ctx context.Context, by *auth.Principal, d DraftInput) (*Outgoing, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	ag, err := s.checkAgency("agency", d.Agency)
	if err != nil {
		return nil, err
	}
	if partiesOf(by, ag.Code)&(ByDrafter|BySystem) == 0 {
		return nil, notYourAgency(by, ag.Code, "draft documents")
	}
	o := &Outgoing{Agency: ag.Code, Status: Draft}
	if err := s.normalize(&d, o); err != nil {
		return nil, err
	}
	if d.Relation != nil {
		if err := s.checkRelation(ctx, ag.Code, d.Relation); err != nil {
			return nil, err
		}
	}
	files, err := s.storeUploads(ctx, by, &d)
	if err != nil {
		return nil, err
	}
	k, err := newIdem(by, d.IdempotencyKey, "outgoing.create", struct {
		D     DraftInput
		Files []File
	}{d, files})
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.write(ctx, func(tx *db.Tx) error {
		if id, err = k.seen(ctx, tx); id != 0 || err != nil {
			return err
		}
		if id, err = insertOutgoing(ctx, tx, by, o, files); err != nil {
			return err
		}
		if d.Relation != nil {
			if err := addEvent(ctx, tx, KindOutgoing, id, by, actRelation, "", "", d.Relation); err != nil {
				return err
			}
		}
		return k.record(ctx, tx, id)
	})
	if errs.Is(err, errs.Conflict) && k.key != "" {
		if ref, err2 := s.replay(ctx, k); err2 != nil || ref != 0 {
			if err2 != nil {
				return nil, err2
			}
			return s.loadOutgoing(ctx, ref)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("office.CreateDraft: %w", err)
	}
	return s.loadOutgoing(ctx, id)
}

// insertOutgoing stores a new draft with its recipients and files.
func insertOutgoing(ctx context.Context, tx *db.Tx, by *auth.Principal, o *Outgoing, files []File) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO office_outgoing (agency_code, status, doc_type, subject, summary, drafting_unit, drafting_unit_abbr,
		signer_name, signer_title, signer_competence, urgency, confidentiality, place, copies, keeper, note, due_date, created_by,
		created_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		o.Agency, string(Draft), o.Type, o.Subject, o.Summary, o.DraftingUnit, o.DraftingUnitAbbreviation, o.SignerName, o.SignerTitle,
		o.SignerCompetence, int(o.Urgency), int(o.Confidentiality), o.Place, o.Copies, o.Keeper, o.Note, o.DueDate, by.Actor(), by.Name,
		tx.Now, tx.Now).Scan(&id)
	if err != nil {
		return 0, err
	}
	if err := replaceRecipients(ctx, tx, id, o.Recipients); err != nil {
		return 0, err
	}
	if err := insertFiles(ctx, tx, KindOutgoing, id, 0, files); err != nil {
		return 0, err
	}
	return id, addEvent(ctx, tx, KindOutgoing, id, by, "create", "", string(Draft), nil)
}

// UpdateDraft changes a draft: its fields are replaced by d's, a Main upload replaces the PDF and
// Attachments are added. Only drafts change; d.Version, when set, must be the current version.
func (s *Service) UpdateDraft(ctx context.Context, by *auth.Principal, id int64, d DraftInput) (*Outgoing, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	cur, err := s.loadOutgoing(ctx, id)
	if err != nil {
		return nil, err
	}
	if partiesOf(by, cur.Agency)&(ByDrafter|BySystem) == 0 {
		return nil, notYourAgency(by, cur.Agency, "change documents")
	}
	if d.Agency != "" && strings.TrimSpace(d.Agency) != cur.Agency {
		return nil, errs.Reasonf(errs.Invalid, "bad_document", "a document stays with its agency (%s)", cur.Agency)
	}
	var o Outgoing
	if err := s.normalize(&d, &o); err != nil {
		return nil, err
	}
	files, err := s.storeUploads(ctx, by, &d)
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *db.Tx) error {
		locked, err := getOutgoing(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if locked.Status != Draft {
			return errs.Reasonf(errs.Conflict, "not_a_draft", "document %d is %s: only drafts change (send it back to draft first)", id, locked.Status)
		}
		if d.Version != 0 && d.Version != locked.Version {
			return errs.Reasonf(errs.Conflict, "stale_document", "document %d was changed by someone else meanwhile: reload it and try again", id)
		}
		// Only what a drafter writes changes; the rest stays as locked.
		locked.Type, locked.Subject, locked.Summary, locked.DraftingUnit, locked.DraftingUnitAbbreviation = o.Type, o.Subject, o.Summary, o.DraftingUnit, o.DraftingUnitAbbreviation
		locked.SignerName, locked.SignerTitle, locked.SignerCompetence = o.SignerName, o.SignerTitle, o.SignerCompetence
		locked.Urgency, locked.Confidentiality, locked.Place, locked.Copies = o.Urgency, o.Confidentiality, o.Place, o.Copies
		locked.Keeper, locked.Note, locked.DueDate = o.Keeper, o.Note, o.DueDate
		if err := saveOutgoing(ctx, tx, locked); err != nil {
			return err
		}
		if err := replaceRecipients(ctx, tx, id, o.Recipients); err != nil {
			return err
		}
		if len(files) > 0 {
			if files[0].Role == RoleMain {
				if _, err := tx.Exec(ctx, "DELETE FROM office_attachments WHERE owner_kind = ? AND owner_id = ? AND role = ?", KindOutgoing, id, RoleMain); err != nil {
					return err
				}
			}
			pos, err := nextPosition(ctx, tx, KindOutgoing, id)
			if err != nil {
				return err
			}
			if err := insertFiles(ctx, tx, KindOutgoing, id, pos, files); err != nil {
				return err
			}
		}
		return addEvent(ctx, tx, KindOutgoing, id, by, "edit", "", "", map[string]any{"files": len(files)})
	})
	if err != nil {
		return nil, fmt.Errorf("office.UpdateDraft(%d): %w", id, err)
	}
	return s.loadOutgoing(ctx, id)
}

// GetOutgoing returns an outgoing document to the agency's people; for a document sent through the
// axis, each electronic recipient's latest status packet is filled in from the axis.
func (s *Service) GetOutgoing(ctx context.Context, by *auth.Principal, id int64) (*Outgoing, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	o, err := s.loadOutgoing(ctx, id)
	if err != nil {
		return nil, err
	}
	if !mayView(by, o.Agency) {
		return nil, errs.Reasonf(errs.NotFound, "no_document", "there is no outgoing document %d", id)
	}
	if o.Confidentiality.IsSecret() && partiesOf(by, o.Agency)&(ByLeader|ByClerk|BySystem) == 0 && by.Actor() != o.CreatedBy {
		return nil, errs.Reasonf(errs.Forbidden, "secret_document", "document %d is %s: only its drafter, the clerks and the leaders see it", id, o.ConfidentialityName)
	}
	if o.AxisID != "" && s.axis != nil {
		if ad, err := s.axis.Get(ctx, s.system(o.Agency), o.AxisID); err == nil {
			status := map[string]string{}
			for _, dl := range ad.Deliveries {
				status[dl.Recipient] = dl.StatusCode
			}
			for i := range o.Recipients {
				if o.Recipients[i].Electronic() {
					o.Recipients[i].StatusCode = status[o.Recipients[i].Agency]
				}
			}
		}
	}
	return o, nil
}

// OutgoingQuery selects outgoing documents.
type OutgoingQuery struct {
	Agency string
	Status OutStatus
	Limit  int
	Offset int
}

// ListOutgoing lists an agency's outgoing documents, newest first (without files and events).
func (s *Service) ListOutgoing(ctx context.Context, by *auth.Principal, q OutgoingQuery) ([]Outgoing, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if !mayView(by, q.Agency) {
		return nil, notYourAgency(by, q.Agency, "see the documents")
	}
	if q.Status != "" && !ValidStatus(q.Status) {
		return nil, errs.Reasonf(errs.Invalid, "bad_parameter", "status %q: want draft, submitted, approved, signed, issued or cancelled", q.Status)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	secretOK := partiesOf(by, q.Agency)&(ByLeader|ByClerk|BySystem) != 0
	where, args := "agency_code = ?", []any{q.Agency}
	if q.Status != "" {
		where += " AND status = ?"
		args = append(args, string(q.Status))
	}
	if !secretOK {
		where += " AND (confidentiality = 0 OR created_by = ?)"
		args = append(args, by.Actor())
	}
	out := []Outgoing{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+outgoingColumns+" FROM office_outgoing WHERE "+where+" ORDER BY id DESC LIMIT ? OFFSET ?",
			append(args, q.Limit, q.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOutgoing(rows)
			if err != nil {
				return err
			}
			out = append(out, *o)
		}
		return rows.Err()
	})
	for i := range out {
		out[i].AgencyName = s.agencyName(out[i].Agency)
	}
	return out, err
}

// Change asks for an outgoing document to move to another status.
type Change struct {
	To     OutStatus `json:"to"`
	Reason string    `json:"reason,omitempty"`
	// Method, when signing, says how the document was signed: digital or paper. With a signing hook
	// configured, digital (the default) signs the PDF here.
	Method string `json:"method,omitempty"`
	// Version, when set, must be the document's current version.
	Version        int    `json:"version,omitempty"`
	IdempotencyKey string `json:"-"`
}

// Transition moves an outgoing document to another status if the table allows it for the caller.
// Signing runs the signing hook; issuing numbers the document and sends it through the axis.
func (s *Service) Transition(ctx context.Context, by *auth.Principal, id int64, c Change) (*Outgoing, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	c.Reason = strings.TrimSpace(c.Reason)
	if len(c.Reason) > 2000 {
		return nil, errs.Reasonf(errs.Invalid, "reason_too_long", "the reason is longer than 2000 characters")
	}
	k, err := newIdem(by, c.IdempotencyKey, "outgoing.transition", struct {
		ID int64
		C  Change
	}{id, c})
	if err != nil {
		return nil, err
	}
	if k.key != "" {
		if ref, err := s.replay(ctx, k); err != nil || ref != 0 {
			if err != nil {
				return nil, err
			}
			return s.GetOutgoing(ctx, by, ref)
		}
	}
	switch c.To {
	case Issued:
		return s.issue(ctx, by, id, c, k)
	case Signed:
		return s.sign(ctx, by, id, c, k)
	}
	err = s.write(ctx, func(tx *db.Tx) error {
		o, err := getOutgoing(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := s.checkChange(by, o, c); err != nil {
			return err
		}
		from := o.Status
		detail := map[string]any{}
		switch c.To {
		case Submitted:
			n, err := countMain(ctx, tx, id)
			if err != nil {
				return err
			}
			if n == 0 {
				return errs.Reasonf(errs.Invalid, "no_main_file", "attach the document's PDF before submitting it")
			}
		case Approved:
			o.ApprovedBy, o.ApprovedByName, o.ApprovedAt = by.Actor(), by.Name, &tx.Now
		case Draft:
			o.ApprovedBy, o.ApprovedByName, o.ApprovedAt = "", "", nil
		}
		if c.Reason != "" {
			detail["reason"] = c.Reason
		}
		o.Status = c.To
		if err := saveOutgoing(ctx, tx, o); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, KindOutgoing, id, by, actionNames[c.To], string(from), string(c.To), detail); err != nil {
			return err
		}
		return k.record(ctx, tx, id)
	})
	if err != nil {
		return nil, fmt.Errorf("office.Transition(%d → %s): %w", id, c.To, err)
	}
	return s.GetOutgoing(ctx, by, id)
}

// checkChange checks c against the table, the caller's capacities and the version.
func (s *Service) checkChange(by *auth.Principal, o *Outgoing, c Change) error {
	parties := partiesOf(by, o.Agency)
	if parties == 0 {
		return notYourAgency(by, o.Agency, "act on documents")
	}
	if c.To == Issued && o.Status == Issued {
		return errs.Reasonf(errs.Conflict, "already_issued", "document %d was already issued as %s on %s", o.ID, NumberNotation(o.Number, o.Notation), o.IssueDate)
	}
	rule, err := Check(o.Status, c.To, parties)
	if err != nil {
		return errs.Reasonf(errs.Conflict, "transition_not_allowed", "%v", err)
	}
	if rule.NeedsReason && c.Reason == "" {
		return errs.Reasonf(errs.Invalid, "reason_required", "say why (%s → %s needs a reason)", o.Status, c.To)
	}
	if c.Version != 0 && c.Version != o.Version {
		return errs.Reasonf(errs.Conflict, "stale_document", "document %d was changed by someone else meanwhile: reload it and try again", o.ID)
	}
	return nil
}

func countMain(ctx context.Context, tx *db.Tx, id int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM office_attachments WHERE owner_kind = ? AND owner_id = ? AND role = ?", KindOutgoing, id, RoleMain).Scan(&n)
	return n, err
}

// sign records the signature: with a signing hook and the digital method the main PDF is signed
// first, outside the transaction, and replaced by the signed one.
func (s *Service) sign(ctx context.Context, by *auth.Principal, id int64, c Change, k idem) (*Outgoing, error) {
	o, err := s.loadOutgoing(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkChange(by, o, c); err != nil {
		return nil, err
	}
	method := strings.TrimSpace(c.Method)
	if method == "" {
		method = SignedOnPaper
		if s.opt.SignPDF != nil {
			method = SignedDigitally
		}
	}
	if method != SignedDigitally && method != SignedOnPaper {
		return nil, errs.Reasonf(errs.Invalid, "bad_method", "signature method %q: want digital or paper", method)
	}
	var signedFile *File
	var personal *PersonalSigner
	if method == SignedDigitally && s.opt.SignPDF != nil {
		main, ok := o.main()
		if !ok {
			return nil, errs.Reasonf(errs.Invalid, "no_main_file", "document %d has no PDF to sign", id)
		}
		at := s.db.Now()
		// A revoked or expired personal certificate stops the step before anything is signed.
		personal, err = s.personalSigner(ctx, by.ID, at)
		if err != nil {
			return nil, err
		}
		pdf, err := s.readBlob(ctx, main.SHA256)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			return nil, errs.Reasonf(errs.Invalid, "not_pdf", "the main file of document %d is not a PDF", id)
		}
		out, err := s.opt.SignPDF(ctx, SignRequest{Agency: o.Agency, AgencyName: o.AgencyName, DocumentID: id, SignerName: o.SignerName,
			SignerTitle: o.SignerTitle, Principal: by, At: at, PDF: pdf, Personal: personal})
		if err != nil {
			return nil, fmt.Errorf("office: signing document %d: %w", id, err)
		}
		if !bytes.HasPrefix(out, []byte("%PDF-")) {
			return nil, errs.Reasonf(errs.Internal, "bad_signature", "the signing hook did not return a PDF")
		}
		f, err := storeUpload(ctx, s.blobs, Upload{Name: main.Name, Body: bytes.NewReader(out)}, RoleMain, mainFormats, int64(len(out))+1, by.Actor())
		if err != nil {
			return nil, err
		}
		signedFile = &f
	}
	err = s.write(ctx, func(tx *db.Tx) error {
		locked, err := getOutgoing(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := s.checkChange(by, locked, c); err != nil {
			return err
		}
		if locked.Version != o.Version {
			return errs.Reasonf(errs.Conflict, "stale_document", "document %d was changed while it was being signed: sign it again", id)
		}
		if signedFile != nil {
			if _, err := tx.Exec(ctx, "UPDATE office_attachments SET sha256 = ?, size = ?, added_at = ?, added_by = ? WHERE owner_kind = ? AND owner_id = ? AND role = ?",
				signedFile.SHA256, signedFile.Size, tx.Now, by.Actor(), KindOutgoing, id, RoleMain); err != nil {
				return err
			}
			if err := recordSignedPDF(ctx, tx, locked.Agency, id, by.Actor(), personal != nil); err != nil {
				return err
			}
		}
		from := locked.Status
		locked.Status, locked.Signed, locked.SignedBy, locked.SignedByName, locked.SignedAt, locked.SignatureMethod = Signed, true, by.Actor(), by.Name, &tx.Now, method
		if err := saveOutgoing(ctx, tx, locked); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, KindOutgoing, id, by, "sign", string(from), string(Signed), map[string]any{"method": method, "pdf_signed": signedFile != nil}); err != nil {
			return err
		}
		return k.record(ctx, tx, id)
	})
	if err != nil {
		return nil, fmt.Errorf("office.Transition(%d → signed): %w", id, err)
	}
	return s.GetOutgoing(ctx, by, id)
}

func (s *Service) readBlob(ctx context.Context, sha string) ([]byte, error) {
	f, err := s.blobs.Open(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Issue numbers, dates and sends a signed document: Transition to issued.
func (s *Service) Issue(ctx context.Context, by *auth.Principal, id int64) (*Outgoing, error) {
	return s.Transition(ctx, by, id, Change{To: Issued})
}

// issuePlan is what issuing needs from the registry, worked out before the transaction.
type issuePlan struct {
	agencyAbbr string
	electronic bool
}

// planIssue checks what can be checked before the number is taken: the agency's abbreviation, and
// for electronic recipients that the document is not secret and that sender and recipients are on
// the axis. The transaction checks the document's state again.
func (s *Service) planIssue(ctx context.Context, o *Outgoing) (issuePlan, error) {
	var p issuePlan
	ag, ok := s.reg.Index().Get(o.Agency)
	if !ok {
		return p, errs.Reasonf(errs.Invalid, "unknown_agency", "agency %s is no longer in the registry", o.Agency)
	}
	p.agencyAbbr = strings.TrimSpace(ag.Abbreviation)
	if p.agencyAbbr == "" {
		return p, errs.Reasonf(errs.Invalid, "no_agency_abbreviation", "agency %s (%s) has no abbreviation in the registry, so its documents cannot be given a notation: add it first", ag.Code, ag.Name)
	}
	var electronic []string
	for _, r := range o.Recipients {
		if r.Electronic() {
			electronic = append(electronic, r.Agency)
		}
	}
	p.electronic = len(electronic) > 0
	if !p.electronic {
		return p, nil
	}
	if o.Confidentiality.IsSecret() {
		return p, errs.Reasonf(errs.Invalid, "secret_electronic", "document %d is %s: secret documents are never sent through the axis; mark its recipients %s as paper recipients",
			o.ID, o.ConfidentialityName, strings.Join(electronic, ", "))
	}
	if s.axis == nil {
		return p, errs.Reasonf(errs.Unavailable, "no_axis", "this node has no document axis: mark the recipients as paper recipients")
	}
	if _, ok := o.main(); !ok {
		return p, errs.Reasonf(errs.Invalid, "no_main_file", "document %d has no PDF to send", o.ID)
	}
	if !ag.OnAxis || !ag.Active() {
		return p, errs.Reasonf(errs.Invalid, "sender_not_on_axis", "agency %s is not registered on the axis (or closed): its documents cannot be sent electronically", ag.Code)
	}
	for _, code := range electronic {
		a, ok := s.reg.Index().Get(code)
		switch {
		case !ok:
			return p, errs.Reasonf(errs.Invalid, "unknown_agency", "recipient %s is no longer in the registry", code)
		case !a.Active():
			return p, errs.Reasonf(errs.Invalid, "closed_agency", "recipient %s (%s) closed on %s; its successor is %q", code, a.Name, a.EffectiveTo, a.Successor)
		case !a.OnAxis:
			return p, errs.Reasonf(errs.Invalid, "recipient_not_on_axis", "recipient %s (%s) is not registered on the axis: mark it as a paper recipient", code, a.Name)
		}
	}
	return p, nil
}

// issue takes the document's number in the same transaction that marks it issued, then sends it.
// Everything is read and checked inside that transaction: on SQLite the group committer runs it with
// the statements already prepared for the other issues of its batch.
func (s *Service) issue(ctx context.Context, by *auth.Principal, id int64, c Change, k idem) (*Outgoing, error) {
	var out *Outgoing
	var plan issuePlan
	sealed, err := s.seal(ctx, by, id, c)
	if err != nil {
		return nil, fmt.Errorf("office.Issue(%d): %w", id, err)
	}
	err = s.write(ctx, func(tx *db.Tx) error {
		var err error
		out, plan, err = s.issueTx(ctx, tx, by, id, c, k, sealed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("office.Issue(%d): %w", id, err)
	}
	out.AgencyName = s.agencyName(out.Agency)
	if plan.electronic {
		// The document is issued whatever happens now: a failed send is recorded on it (and in the
		// answer) and the poller tries again.
		_ = s.send(ctx, out, true)
	}
	return out, nil
}

func (s *Service) issueTx(ctx context.Context, tx *db.Tx, by *auth.Principal, id int64, c Change, k idem, sealed *sealedFile) (*Outgoing, issuePlan, error) {
	var plan issuePlan
	o, err := getOutgoing(ctx, tx, id, true)
	if err != nil {
		return nil, plan, err
	}
	if err := s.checkChange(by, o, c); err != nil {
		return nil, plan, err
	}
	if o.Files, err = loadFiles(ctx, tx, KindOutgoing, id); err != nil {
		return nil, plan, err
	}
	// The checks come before the number is taken, although a failure would give it back anyway.
	if plan, err = s.planIssue(ctx, o); err != nil {
		return nil, plan, err
	}
	if sealed != nil {
		if err := sealed.apply(ctx, tx, o, by); err != nil {
			return nil, plan, err
		}
	}
	t, _ := vn.DocumentTypeByNumber(o.Type)
	local := tx.Now.In(s.cal.Location())
	o.Series = SeriesNormal
	if o.Confidentiality.IsSecret() {
		o.Series = SeriesSecret
	}
	o.Year = local.Year()
	if o.Place == "" {
		// The place name printed before the date defaults to the agency's setting.
		err := tx.QueryRow(ctx, "SELECT place FROM office_settings WHERE agency_code = ?", o.Agency).Scan(&o.Place)
		if err != nil && !db.IsNoRows(err) {
			return nil, plan, err
		}
	}
	if o.Number, err = nextNumber(ctx, tx, o.Agency, o.Year, o.Series); err != nil {
		return nil, plan, err
	}
	o.Notation = Notation(t.Abbreviation, plan.agencyAbbr, o.DraftingUnitAbbreviation)
	o.NumberNotation = NumberNotation(o.Number, o.Notation)
	o.IssueDate = local.Format(time.DateOnly)
	now := tx.Now
	o.IssuedAt, o.IssuedBy = &now, by.Actor()
	if plan.electronic {
		o.AxisDocumentID = o.Agency + "," + local.Format("2006/01/02") + "," + o.NumberNotation
		o.SendState = SendPending
	}
	from := o.Status
	o.Status = Issued
	if err := saveOutgoing(ctx, tx, o); err != nil {
		return nil, plan, err
	}
	if err := addEvent(ctx, tx, KindOutgoing, id, by, "issue", string(from), string(Issued), map[string]any{"number": o.NumberNotation, "series": o.Series}); err != nil {
		return nil, plan, err
	}
	if err := audit.Append(ctx, tx, by.Actor(), "office.issue", "outgoing:"+strconv.FormatInt(id, 10),
		map[string]any{"agency": o.Agency, "number": o.NumberNotation, "series": o.Series, "year": o.Year}); err != nil {
		return nil, plan, err
	}
	if err := k.record(ctx, tx, id); err != nil {
		return nil, plan, err
	}
	if o.Events, err = loadEvents(ctx, tx, KindOutgoing, id); err != nil {
		return nil, issuePlan{}, err
	}
	o.Relation, o.Superseded = links(o.Events)
	return o, plan, nil
}

// OpenFile returns a file of an outgoing or incoming document to whoever may see the document.
func (s *Service) OpenFile(ctx context.Context, by *auth.Principal, kind string, id int64, position int) (io.ReadCloser, File, error) {
	var files []File
	switch kind {
	case KindOutgoing:
		o, err := s.GetOutgoing(ctx, by, id)
		if err != nil {
			return nil, File{}, err
		}
		files = o.Files
	case KindIncoming:
		in, err := s.GetIncoming(ctx, by, id)
		if err != nil {
			return nil, File{}, err
		}
		files = in.Files
	default:
		return nil, File{}, errs.Reasonf(errs.Invalid, "bad_kind", "kind %q: want outgoing or incoming", kind)
	}
	for _, f := range files {
		if f.Position == position {
			rc, err := s.blobs.Open(ctx, f.SHA256)
			return rc, f, err
		}
	}
	return nil, File{}, errs.Reasonf(errs.NotFound, "no_file", "document %d has no file %d", id, position)
}
