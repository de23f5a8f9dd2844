package office

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/edxml"
	"github.com/lienthong/lienthong/internal/errs"
)

// Business types of a document that refers to one issued before (edXML Bussiness/BussinessDocType
// 1, 2 and 3): it recalls it (thu hồi), updates it (cập nhật) or replaces it (thay thế).
const (
	BusinessRevoke  = "revoke"
	BusinessUpdate  = "update"
	BusinessReplace = "replace"
)

// Relation is what a document says about an earlier one. On an outgoing document Refers is the
// earlier outgoing document's id; on an incoming one the earlier incoming document's id (0 when the
// earlier document never reached this agency's incoming documents).
type Relation struct {
	Business string `json:"business"`
	Refers   int64  `json:"refers"`
	// RefersNotation is the earlier document's number and notation, kept for showing.
	RefersNotation string `json:"refers_notation,omitempty"`
	Reason         string `json:"reason,omitempty"`
}

// Supersession says that a later document recalled, updated or replaced this one.
type Supersession struct {
	Business string `json:"business"`
	By       int64  `json:"by"`
	// ByNotation is the later document's number and notation.
	ByNotation string `json:"by_notation,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Event actions carrying the links: "relation" on the later document, "superseded" on the earlier.
const (
	actRelation   = "relation"
	actSuperseded = "superseded"
)

func businessCode(b string) (edxml.BusinessType, bool) {
	switch b {
	case BusinessRevoke:
		return edxml.BusinessRevoke, true
	case BusinessUpdate:
		return edxml.BusinessUpdate, true
	case BusinessReplace:
		return edxml.BusinessReplace, true
	}
	return edxml.BusinessNew, false
}

// links reads the relation and the supersessions recorded in a document's events.
func links(events []Event) (*Relation, []Supersession) {
	var rel *Relation
	var sup []Supersession
	for _, e := range events {
		switch e.Action {
		case actRelation:
			var r Relation
			if json.Unmarshal([]byte(e.Detail), &r) == nil {
				rel = &r
			}
		case actSuperseded:
			var x Supersession
			if json.Unmarshal([]byte(e.Detail), &x) == nil {
				sup = append(sup, x)
			}
		}
	}
	return rel, sup
}

// Revoked returns the supersession that recalled the document, or nil.
func revokedBy(sup []Supersession) *Supersession {
	for i := range sup {
		if sup[i].Business == BusinessRevoke {
			return &sup[i]
		}
	}
	return nil
}

// checkRelation checks that a new draft of agency may refer to the earlier outgoing document: one
// of the same agency, issued and sent through the axis, not secret; a recall says why.
func (s *Service) checkRelation(ctx context.Context, agency string, r *Relation) error {
	r.Business = strings.TrimSpace(r.Business)
	if _, ok := businessCode(r.Business); !ok {
		return invalidField("relation.business", "bad_business", "relation.business %q: want revoke, update or replace", r.Business)
	}
	reason, fe := cleanText("relation.reason", r.Reason, 2000, false)
	if fe != nil {
		return errs.Reasonf(errs.Invalid, "bad_reason", "relation.reason: %s", fe.Message)
	}
	r.Reason = reason
	if r.Business == BusinessRevoke && r.Reason == "" {
		return invalidField("relation.reason", "reason_required", "say why the document is recalled")
	}
	old, err := s.loadOutgoing(ctx, r.Refers)
	if errs.Is(err, errs.NotFound) {
		return invalidField("relation.refers", "unknown_document", "outgoing document %d does not exist", r.Refers)
	}
	if err != nil {
		return err
	}
	if old.Agency != agency {
		return invalidField("relation.refers", "other_agency", "outgoing document %d is not a document of %s", r.Refers, agency)
	}
	if old.Status != Issued || old.AxisDocumentID == "" || old.SendState != SendSent {
		return errs.Reasonf(errs.Conflict, "not_sent", "outgoing document %d has not been issued and sent through the axis", r.Refers)
	}
	if _, sup := links(old.Events); revokedBy(sup) != nil {
		return errs.Reasonf(errs.Conflict, "already_revoked", "outgoing document %d has already been recalled", r.Refers)
	}
	r.RefersNotation = old.NumberNotation
	return nil
}

// relationOf fills a package's Bussiness for an outgoing document with a relation.
func (s *Service) relationOf(ctx context.Context, o *Outgoing, b *edxml.Bussiness) error {
	if o.Relation == nil {
		return nil
	}
	old, err := s.loadOutgoing(ctx, o.Relation.Refers)
	if err != nil {
		return err
	}
	bt, _ := businessCode(o.Relation.Business)
	b.BussinessDocType = string(rune('0' + bt))
	b.DocumentId = old.AxisDocumentID
	b.BussinessDocReason = o.Relation.Reason
	switch bt {
	case edxml.BusinessUpdate:
		// The update changes the document's information; the receivers stay as they were.
		b.BussinessDocumentInfo = &edxml.BussinessDocumentInfo{DocumentInfo: "1", DocumentReceiver: "0"}
	case edxml.BusinessReplace:
		ri := edxml.ReplacementInfo{DocumentId: old.AxisDocumentID}
		for _, r := range old.Recipients {
			if r.Electronic() {
				ri.OrganIdList = append(ri.OrganIdList, r.Agency)
			}
		}
		b.ReplacementInfoList = []edxml.ReplacementInfo{ri}
	}
	return nil
}

// markSuperseded records on the earlier outgoing document that o, now sent, refers to it.
func markSuperseded(ctx context.Context, tx *db.Tx, by *auth.Principal, o *Outgoing) error {
	if o.Relation == nil {
		return nil
	}
	return addEvent(ctx, tx, KindOutgoing, o.Relation.Refers, by, actSuperseded, "", "",
		Supersession{Business: o.Relation.Business, By: o.ID, ByNotation: o.NumberNotation, Reason: o.Relation.Reason})
}

// linkIncoming records, when a received package recalls, updates or replaces an earlier document,
// the relation on the new incoming document and the supersession on the earlier one of the agency.
func linkIncoming(ctx context.Context, tx *db.Tx, by *auth.Principal, pkg *edxml.Package, in *Incoming) error {
	bt, err := pkg.BusinessType()
	if err != nil || bt == edxml.BusinessNew || pkg.Trace == nil || pkg.Trace.Bussiness == nil {
		return nil
	}
	ref := strings.TrimSpace(pkg.Trace.Bussiness.DocumentId)
	rel := Relation{Business: bt.String(), Reason: truncate(strings.TrimSpace(pkg.Trace.Bussiness.BussinessDocReason), 2000)}
	var notation, number string
	err = tx.QueryRow(ctx, "SELECT id, code_number, code_notation FROM office_incoming WHERE agency_code = ? AND axis_document_id = ? AND id <> ? ORDER BY id LIMIT 1",
		in.Agency, ref, in.ID).Scan(&rel.Refers, &number, &notation)
	if err != nil && !db.IsNoRows(err) {
		return err
	}
	rel.RefersNotation = strings.Trim(number+"/"+notation, "/")
	if err := addEvent(ctx, tx, KindIncoming, in.ID, by, actRelation, "", "", rel); err != nil {
		return err
	}
	if rel.Refers == 0 {
		return nil
	}
	return addEvent(ctx, tx, KindIncoming, rel.Refers, by, actSuperseded, "", "",
		Supersession{Business: rel.Business, By: in.ID, ByNotation: strings.Trim(in.CodeNumber+"/"+in.CodeNotation, "/"), Reason: rel.Reason})
}

// checkNotRevoked refuses to go on processing an incoming document its sender recalled, unless the
// person acting writes a note saying why (the note is kept with the action).
func checkNotRevoked(ctx context.Context, tx *db.Tx, id int64, note string) error {
	if strings.TrimSpace(note) != "" {
		return nil
	}
	events, err := loadEvents(ctx, tx, KindIncoming, id)
	if err != nil {
		return err
	}
	_, sup := links(events)
	if r := revokedBy(sup); r != nil {
		by := r.ByNotation
		if by == "" {
			by = "a later document"
		}
		return errs.Reasonf(errs.Conflict, "document_revoked",
			"document %d was recalled by its sender (%s: %s); write a note to act on it anyway", id, by, r.Reason)
	}
	return nil
}

func invalidField(field, reason, format string, args ...any) error {
	e := errs.Reasonf(errs.Invalid, reason, format, args...)
	return e.WithFields(errs.FieldError{Field: field, Message: e.Message})
}
