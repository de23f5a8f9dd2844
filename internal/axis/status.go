package axis

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/edxml"
	"github.com/lienthong/lienthong/internal/errs"
)

// SendStatus accepts a status packet (phản hồi trạng thái) and routes it: statuses 01–06, 15 and 16
// from a recipient go to the document's sender, and a recall request (13) from the sender goes to
// every recipient. The recipient's delivery records the latest status, for the sender's sent list.
func (s *Service) SendStatus(ctx context.Context, p *auth.Principal, body io.Reader) (*Receipt, error) {
	return s.accept(ctx, p, body, true, false)
}

func (s *Service) commitStatus(ctx context.Context, p *auth.Principal, pp *parsed) (*Receipt, error) {
	st := pp.pkg.Status()
	from := strings.TrimSpace(st.From.OrganId)
	if err := s.checkAgency("From/OrganId", from, true); err != nil {
		return nil, err
	}
	if !p.ActsFor(from) {
		return nil, errs.Reasonf(errs.Forbidden, "from_not_owned", "From/OrganId %s does not belong to client %s (agency %s)", from, p.ID, p.Agency)
	}
	if err := s.verify(ctx, pp); err != nil {
		return nil, err
	}
	code := string(st.StatusCode)
	rc := &Receipt{ID: newID(), Kind: "status", DocumentID: pp.pkg.DocumentKey(), From: from, Signature: pp.sig}
	err := s.group.Do(ctx, func(tx *db.Tx) error {
		rc.Recipients = nil // the group may run this function again
		rc.ReceivedAt = tx.Now
		var existingID string
		err := tx.QueryRow(ctx, "SELECT id FROM axis_documents WHERE dedupe_key = ?", "status:"+pp.ref.SHA256).Scan(&existingID)
		if err == nil {
			rc.ID, rc.Duplicate = existingID, true
			return nil
		}
		if !db.IsNoRows(err) {
			return err
		}
		var docID, sender string
		err = tx.QueryRow(ctx, "SELECT id, sender_code FROM axis_documents WHERE dedupe_key = ?", "doc:"+rc.DocumentID).Scan(&docID, &sender)
		if db.IsNoRows(err) {
			return errs.Reasonf(errs.NotFound, "unknown_document", "ResponseFor/DocumentId %q: no such document went through this axis", rc.DocumentID)
		}
		if err != nil {
			return err
		}
		if st.StatusCode == edxml.StatusRecallRequest {
			if from != sender {
				return errs.Reasonf(errs.Forbidden, "not_the_sender", "only the sender %s can ask to recall %q", sender, rc.DocumentID)
			}
			rows, err := tx.Query(ctx, "SELECT recipient_code FROM axis_deliveries WHERE document = ? ORDER BY id", docID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var r string
				rows.Scan(&r)
				rc.Recipients = append(rc.Recipients, r)
			}
			rows.Close()
		} else {
			var delivery int64
			err := tx.QueryRow(ctx, "SELECT id FROM axis_deliveries WHERE document = ? AND recipient_code = ?", docID, from).Scan(&delivery)
			if db.IsNoRows(err) {
				return errs.Reasonf(errs.Forbidden, "not_a_recipient", "%s never received %q, so it cannot report its status", from, rc.DocumentID)
			}
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE axis_deliveries SET status_code = ?, updated_at = ? WHERE id = ?", code, tx.Now, delivery); err != nil {
				return err
			}
			rc.Recipients = []string{sender}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO axis_documents (id, dedupe_key, kind, document_id, related_id, status_code, sender_code,
			client_id, package_sha, package_size, package_inline, subject, signature_state, signer, received_at)
			VALUES (?, ?, 'status', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rc.ID, "status:"+pp.ref.SHA256, rc.DocumentID, docID, code, from, p.ID, pp.ref.SHA256, pp.ref.Size, pp.inline,
			truncate(strings.TrimSpace(st.Description), 2000), pp.sig.State, pp.sig.Signer, tx.Now); err != nil {
			return err
		}
		forwarded := false
		for _, to := range rc.Recipients {
			ev := WebhookEvent{ID: rc.ID, Kind: "status", DocumentID: rc.DocumentID, From: from, To: to, StatusCode: code}
			if err := s.deliver(ctx, tx, ev, pp.fromUpstream, &forwarded); err != nil {
				return err
			}
		}
		detail := strings.TrimSpace(st.Description)
		if staff := strings.TrimSpace(st.StaffInfo.Staff); staff != "" {
			detail = fmt.Sprintf("%s (%s)", detail, staff)
		}
		return event(ctx, tx, docID, from, "status", code, detail)
	})
	if err != nil {
		return nil, err
	}
	return rc, nil
}
