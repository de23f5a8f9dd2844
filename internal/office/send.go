package office

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/edxml"
	"github.com/lienthong/lienthong/internal/errs"
)

// buildPackage writes the edXML package of an issued document: the header from the document (Code
// = number and notation, PromulgationInfo with place and date, DocumentType, Subject, SignerInfo,
// Priority from the urgency), the electronic recipients in To, every recipient's name in ToPlaces,
// and the PDF and attachments. The bytes depend only on what is stored, so building the package again
// gives the same bytes and a resend is recognised by the axis as the same package.
func (s *Service) buildPackage(ctx context.Context, o *Outgoing) ([]byte, error) {
	p := &edxml.Package{}
	h := &p.Header
	from := edxml.Organization{OrganId: o.Agency, OrganName: o.AgencyName}
	if a, ok := s.reg.Index().Get(o.Agency); ok {
		from.OrganName, from.OrganAdd, from.Email, from.Telephone = a.Name, a.Address, a.Email, a.Phone
	}
	h.From = from
	for _, r := range o.Recipients {
		if r.Electronic() {
			name := r.Name
			if a, ok := s.reg.Index().Get(r.Agency); ok {
				name = a.Name
			}
			h.To = append(h.To, edxml.Organization{OrganId: r.Agency, OrganName: name})
		}
		if r.Name != "" {
			h.ToPlaces = append(h.ToPlaces, r.Name)
		}
	}
	issued := o.IssuedAt.In(s.cal.Location())
	h.DocumentId = o.AxisDocumentID
	h.Code = edxml.Code{CodeNumber: FormatNumber(o.Number), CodeNotation: o.Notation}
	h.PromulgationInfo = edxml.PromulgationInfo{Place: o.Place, PromulgationDate: edxml.FormatEdXMLDate(issued)}
	h.DocumentType = edxml.DocumentType{Type: strconv.Itoa(o.Type), TypeDetail: "0", TypeName: o.TypeName}
	h.Subject = o.Subject
	h.Content = o.Summary
	h.SignerInfo = edxml.SignerInfo{Competence: o.SignerCompetence, Position: o.SignerTitle, FullName: o.SignerName}
	if o.DueDate != "" {
		if t, err := time.ParseInLocation(time.DateOnly, o.DueDate, s.cal.Location()); err == nil {
			h.DueDate = edxml.FormatEdXMLDate(t)
		}
	}
	h.OtherInfo = edxml.OtherInfo{Priority: strconv.Itoa(o.Urgency.Priority())}
	if o.Copies > 0 {
		h.OtherInfo.PromulgationAmount = strconv.Itoa(o.Copies)
	}
	p.Trace = &edxml.TraceHeaderList{
		TraceHeader: []edxml.TraceHeader{{OrganId: o.Agency, Timestamp: edxml.FormatTimestamp(issued)}},
		Bussiness: &edxml.Bussiness{BussinessDocType: "0", Paper: "0",
			StaffInfo: edxml.StaffInfo{Department: o.DraftingUnit, Staff: o.SignerName}},
	}
	if err := s.relationOf(ctx, o, p.Trace.Bussiness); err != nil {
		return nil, err
	}
	p.Manifest = &edxml.Manifest{Version: "1.0"}
	for i, f := range o.Files {
		cid := "cid:" + strconv.Itoa(i+1)
		desc := "Văn bản"
		if f.Role != RoleMain {
			desc = "Phụ lục"
		}
		meta := edxml.AttachmentMeta{ContentId: cid, AttachmentName: f.Name, Description: desc, ContentType: f.ContentType, Ref: f.SHA256}
		p.Manifest.References = append(p.Manifest.References, edxml.Reference{ContentId: cid, ContentType: f.ContentType, Description: desc, AttachmentName: f.Name})
		p.Attachments = append(p.Attachments, edxml.Attachment{AttachmentMeta: meta})
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("office: the package of document %d does not validate: %w", o.ID, err)
	}
	var b bytes.Buffer
	err := edxml.Write(&b, p, func(a edxml.AttachmentMeta) (io.ReadCloser, error) {
		return s.blobs.Open(ctx, a.Ref)
	})
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// sendOutgoing sends an issued document's package through the axis and records the outcome on the
// document. It is safe to call again: the package is the same each time (or kept, when a package
// signer is configured), and the axis answers a resend with the first receipt.
func (s *Service) sendOutgoing(ctx context.Context, id int64) error {
	o, err := s.loadOutgoing(ctx, id)
	if err != nil {
		return err
	}
	return s.send(ctx, o, false)
}

// send sends o's package and records the outcome on o and in the database. fresh says that o was
// read in the transaction that issued it, so nobody else can have sent it yet.
func (s *Service) send(ctx context.Context, o *Outgoing, fresh bool) error {
	mu := s.lock(KindOutgoing, o.ID)
	mu.Lock()
	defer mu.Unlock()
	if !fresh {
		// Read the state again under the lock: another call may have sent it meanwhile.
		cur, err := s.loadOutgoing(ctx, o.ID)
		if err != nil {
			return err
		}
		*o = *cur
	}
	if o.Status != Issued || (o.SendState != SendPending && o.SendState != SendFailed) {
		return nil
	}
	if s.axis == nil {
		return s.recordSend(ctx, o, "", errs.Reasonf(errs.Unavailable, "no_axis", "this node has no document axis"))
	}
	var pkg []byte
	var err error
	if o.packageSHA != "" {
		pkg, err = s.readBlob(ctx, o.packageSHA)
	} else {
		pkg, err = s.buildPackage(ctx, o)
		if err == nil && s.opt.SignPackage != nil {
			if pkg, err = s.opt.SignPackage(ctx, o.Agency, pkg); err == nil {
				// A signature is not reproducible: keep the signed package, so that a resend is the
				// same package.
				ref, perr := s.blobs.Put(ctx, bytes.NewReader(pkg))
				err = perr
				if err == nil {
					err = s.write(ctx, func(tx *db.Tx) error {
						_, err := tx.Exec(ctx, "UPDATE office_outgoing SET package_sha = ? WHERE id = ?", ref.SHA256, o.ID)
						return err
					})
				}
				if err == nil {
					o.packageSHA = ref.SHA256
				}
			}
		}
	}
	if err != nil {
		return s.recordSend(ctx, o, "", err)
	}
	rc, err := s.axis.Send(ctx, s.system(o.Agency), bytes.NewReader(pkg))
	if err != nil {
		return s.recordSend(ctx, o, "", err)
	}
	return s.recordSend(ctx, o, rc.ID, nil)
}

// recordSend writes the outcome of a send on the document and returns sendErr.
func (s *Service) recordSend(ctx context.Context, o *Outgoing, axisID string, sendErr error) error {
	werr := s.write(ctx, func(tx *db.Tx) error {
		if sendErr == nil {
			if _, err := tx.Exec(ctx, "UPDATE office_outgoing SET send_state = ?, axis_id = ?, sent_at = ?, send_error = '', send_attempts = send_attempts + 1 WHERE id = ?",
				SendSent, axisID, tx.Now, o.ID); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, KindOutgoing, o.ID, s.system(o.Agency), "sent", "", "", map[string]any{"axis_id": axisID, "document_id": o.AxisDocumentID}); err != nil {
				return err
			}
			return markSuperseded(ctx, tx, s.system(o.Agency), o)
		}
		msg := errs.As(sendErr).Message
		if _, err := tx.Exec(ctx, "UPDATE office_outgoing SET send_state = ?, send_error = ?, send_attempts = send_attempts + 1 WHERE id = ?",
			SendFailed, truncate(msg, 1000), o.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, KindOutgoing, o.ID, s.system(o.Agency), "send_failed", "", "", msg)
	})
	if werr != nil {
		return werr
	}
	o.sendAttempts++
	now := s.db.Now().UTC()
	sys := s.system(o.Agency)
	if sendErr == nil {
		o.SendState, o.AxisID, o.SentAt, o.SendError = SendSent, axisID, &now, ""
		o.Events = append(o.Events, Event{At: now, Actor: sys.Actor(), ActorName: sys.Name, Action: "sent"})
	} else {
		o.SendState, o.SendError = SendFailed, truncate(errs.As(sendErr).Message, 1000)
		o.Events = append(o.Events, Event{At: now, Actor: sys.Actor(), ActorName: sys.Name, Action: "send_failed", Detail: o.SendError})
	}
	return sendErr
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// --- status packets ----------------------------------------------------------------------------

// queueStatus writes a status packet for the sender of an incoming document that came through the
// axis, in the transaction of the change it reports. Paper documents have nobody to tell.
func queueStatus(ctx context.Context, tx *db.Tx, in *Incoming, code, description, staff, department string) error {
	if in.Source != FromAxis || in.AxisDocumentID == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO office_status_outbox (incoming_id, agency_code, status_code, description, staff, department, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, in.ID, in.Agency, code, truncate(description, 1000), staff, department, tx.Now)
	return err
}

type outboxRow struct {
	id                          int64
	code, description           string
	staff, department           string
	at                          time.Time
	agency, sender, axisDocID   string
	codeNumber, notation, docDt string
}

// deliverStatuses sends the unsent status packets of an incoming document, oldest first, stopping at
// the first failure so that the sender never sees them out of order.
func (s *Service) deliverStatuses(ctx context.Context, incomingID int64) error {
	if s.axis == nil {
		return nil
	}
	mu := s.lock(KindIncoming, incomingID)
	mu.Lock()
	defer mu.Unlock()
	var rows []outboxRow
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rs, err := tx.Query(ctx, `SELECT o.id, o.status_code, o.description, o.staff, o.department, o.at, o.agency_code, i.sender_code,
			i.axis_document_id, i.code_number, i.code_notation, i.document_date FROM office_status_outbox o
			JOIN office_incoming i ON i.id = o.incoming_id WHERE o.incoming_id = ? AND o.sent_at IS NULL ORDER BY o.id`, incomingID)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r outboxRow
			if err := rs.Scan(&r.id, &r.code, &r.description, &r.staff, &r.department, &r.at, &r.agency, &r.sender, &r.axisDocID,
				&r.codeNumber, &r.notation, &r.docDt); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		pkt, err := s.statusPacket(r)
		var axisID string
		if err == nil {
			receipt, serr := s.axis.SendStatus(ctx, s.system(r.agency), bytes.NewReader(pkt))
			err = serr
			if serr == nil {
				axisID = receipt.ID
			}
		}
		werr := s.write(ctx, func(tx *db.Tx) error {
			if err != nil {
				_, e := tx.Exec(ctx, "UPDATE office_status_outbox SET attempts = attempts + 1, error = ? WHERE id = ?", truncate(errs.As(err).Message, 1000), r.id)
				return e
			}
			_, e := tx.Exec(ctx, "UPDATE office_status_outbox SET attempts = attempts + 1, error = '', sent_at = ?, axis_id = ? WHERE id = ?", tx.Now, axisID, r.id)
			return e
		})
		if err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
	}
	return nil
}

// statusPacket writes a status packet in the national SDK's shape. Its bytes depend only on the
// stored row, so a resend is the same packet and the axis stores it once.
func (s *Service) statusPacket(r outboxRow) ([]byte, error) {
	code := ""
	if r.codeNumber != "" || r.notation != "" {
		code = strings.Trim(r.codeNumber+"/"+r.notation, "/")
	}
	st := &edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganId: r.sender, Code: code, DocumentId: r.axisDocID},
		From:        edxml.Organization{OrganId: r.agency, OrganName: s.agencyName(r.agency)},
		StatusCode:  edxml.StatusCode(r.code),
		Description: r.description,
		Timestamp:   edxml.FormatTimestamp(r.at),
		StaffInfo:   edxml.StaffInfo{Department: r.department, Staff: r.staff},
	}
	if t, err := time.ParseInLocation(time.DateOnly, r.docDt, s.cal.Location()); err == nil {
		st.ResponseFor.PromulgationDate = edxml.FormatEdXMLDate(t)
	}
	var b bytes.Buffer
	if err := edxml.WriteStatus(&b, st); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
