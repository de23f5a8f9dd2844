package axis

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/edxml"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// InboxItem is one package waiting in an agency's inbox (a document, or a status packet about a
// document the agency sent).
type InboxItem struct {
	Cursor       int64     `json:"cursor"`
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	DocumentID   string    `json:"document_id"`
	From         string    `json:"from"`
	To           string    `json:"to"`
	Subject      string    `json:"subject,omitempty"`
	CodeNumber   string    `json:"code_number,omitempty"`
	CodeNotation string    `json:"code_notation,omitempty"`
	BusinessType int       `json:"business_type"`
	StatusCode   string    `json:"status_code,omitempty"`
	Signature    string    `json:"signature"`
	Transport    string    `json:"transport"`
	ReceivedAt   time.Time `json:"received_at"`
}

// InboxQuery selects inbox items.
type InboxQuery struct {
	Agency string
	// After returns items with a cursor greater than this (paging forward).
	After int64
	Limit int
	// All includes items already acknowledged as done.
	All bool
	// Subtree lists the items of every agency in Agency's subtree (a provincial system, or a
	// provincial axis node pulling from the national one).
	Subtree bool
	// Wait, when positive, holds the request until an item arrives or the time is up (long poll).
	Wait time.Duration
}

// Received lists an agency's inbox: what it has not yet acknowledged as done, oldest first.
func (s *Service) Received(ctx context.Context, p *auth.Principal, q InboxQuery) ([]InboxItem, error) {
	if q.Agency == "" && p != nil && p.Kind == auth.KindClient {
		q.Agency = p.Agency
	}
	if !canRead(p, q.Agency) {
		return nil, forbiddenFor(p, q.Agency)
	}
	if q.Limit > 500 {
		return nil, errs.Reasonf(errs.Invalid, "bad_parameter", "limit %d: at most 500 items per page", q.Limit)
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	deadline := time.Now().Add(min(q.Wait, 60*time.Second))
	for {
		wake := s.notify.wait(q.Agency)
		items, err := s.inbox(ctx, q)
		if err != nil || len(items) > 0 || q.Wait <= 0 || !time.Now().Before(deadline) {
			return items, err
		}
		// Another node may deliver without waking us: look again at least every second.
		t := time.NewTimer(min(time.Until(deadline), time.Second))
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return items, nil
		}
		t.Stop()
	}
}

func (s *Service) inbox(ctx context.Context, q InboxQuery) ([]InboxItem, error) {
	items := []InboxItem{}
	filter := " AND d.transport <> 'done'"
	if q.All {
		filter = ""
	}
	where, arg := "d.recipient_code = ?", any(q.Agency)
	if q.Subtree {
		where, arg = "d.recipient_code LIKE ?", subtreePattern(q.Agency)
	}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.id, a.id, a.kind, a.document_id, a.sender_code, d.recipient_code, a.subject, a.code_number,
			a.code_notation, a.business_type, a.status_code, a.signature_state, d.transport, a.received_at
			FROM axis_deliveries d JOIN axis_documents a ON a.id = d.document
			WHERE `+where+` AND d.id > ?`+filter+` ORDER BY d.id LIMIT ?`, arg, q.After, q.Limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it InboxItem
			if err := rows.Scan(&it.Cursor, &it.ID, &it.Kind, &it.DocumentID, &it.From, &it.To, &it.Subject, &it.CodeNumber,
				&it.CodeNotation, &it.BusinessType, &it.StatusCode, &it.Signature, &it.Transport, &it.ReceivedAt); err != nil {
				return err
			}
			items = append(items, it)
		}
		return rows.Err()
	})
	return items, err
}

// Transport acknowledgements (the VXP SDK's updateStatus), separate from edXML status packets.
const (
	TransportDone       = "done"
	TransportFail       = "fail"
	TransportProcessing = "processing"
)

// Ack records a recipient system's transport acknowledgement: done removes the item from the
// inbox, processing and fail keep it there.
func (s *Service) Ack(ctx context.Context, p *auth.Principal, id, agency, transport string) error {
	if transport != TransportDone && transport != TransportFail && transport != TransportProcessing {
		return errs.Reasonf(errs.Invalid, "bad_transport_status", "status %q: want done, fail or processing", transport)
	}
	if agency == "" && p != nil && p.Kind == auth.KindClient {
		agency = p.Agency
	}
	if p == nil || !p.ActsFor(agency) {
		return forbiddenFor(p, agency)
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE axis_deliveries SET transport = ?, updated_at = ? WHERE document = ? AND recipient_code = ?",
			transport, tx.Now, id, agency)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Reasonf(errs.NotFound, "unknown_delivery", "package %s was not delivered to %s", id, agency)
		}
		return event(ctx, tx, id, agency, "ack", "", transport)
	})
}

// Document is a stored package's metadata.
type Document struct {
	ID               string          `json:"id"`
	Kind             string          `json:"kind"`
	DocumentID       string          `json:"document_id"`
	BusinessType     int             `json:"business_type"`
	RelatedID        string          `json:"related_id,omitempty"`
	StatusCode       string          `json:"status_code,omitempty"`
	From             string          `json:"from"`
	ClientID         string          `json:"client_id"`
	PackageSHA256    string          `json:"package_sha256"`
	PackageSize      int64           `json:"package_size"`
	Subject          string          `json:"subject,omitempty"`
	CodeNumber       string          `json:"code_number,omitempty"`
	CodeNotation     string          `json:"code_notation,omitempty"`
	PromulgationDate string          `json:"promulgation_date,omitempty"`
	TypeName         string          `json:"type_name,omitempty"`
	Priority         int             `json:"priority"`
	Signature        SignatureResult `json:"signature"`
	ReceivedAt       time.Time       `json:"received_at"`
	Attachments      []Attachment    `json:"attachments"`
	Deliveries       []Delivery      `json:"deliveries"`
	Timeline         []Event         `json:"timeline"`
}

// Attachment is one file of a package, stored decoded in the file store.
type Attachment struct {
	ContentID   string `json:"content_id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
}

// Delivery is the state of a package at one recipient.
type Delivery struct {
	Recipient  string    `json:"recipient"`
	Transport  string    `json:"transport"`
	StatusCode string    `json:"status_code,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Event is one step of a package's timeline: sent, delivered, fetched, acknowledged, a status.
type Event struct {
	At         time.Time `json:"at"`
	Agency     string    `json:"agency"`
	Event      string    `json:"event"`
	StatusCode string    `json:"status_code,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// Get returns a package's metadata, deliveries and timeline, to its sender and its recipients.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*Document, error) {
	d := &Document{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var report string
		err := tx.QueryRow(ctx, `SELECT id, kind, document_id, business_type, related_id, status_code, sender_code, client_id, package_sha,
			package_size, subject, code_number, code_notation, promulgation_date, type_name, priority, signature_state, signer,
			signature_report, received_at FROM axis_documents WHERE id = ?`, id).Scan(&d.ID, &d.Kind, &d.DocumentID, &d.BusinessType,
			&d.RelatedID, &d.StatusCode, &d.From, &d.ClientID, &d.PackageSHA256, &d.PackageSize, &d.Subject, &d.CodeNumber, &d.CodeNotation,
			&d.PromulgationDate, &d.TypeName, &d.Priority, &d.Signature.State, &d.Signature.Signer, &report, &d.ReceivedAt)
		if db.IsNoRows(err) {
			return errs.Reasonf(errs.NotFound, "unknown_package", "no package %s", id)
		}
		if err != nil {
			return err
		}
		if report != "" && report != "null" {
			var r any
			if json.Unmarshal([]byte(report), &r) == nil {
				d.Signature.Report = r
			}
		}
		d.Attachments = []Attachment{}
		rows, err := tx.Query(ctx, "SELECT content_id, name, description, content_type, sha256, size FROM axis_attachments WHERE document = ? ORDER BY position", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a Attachment
			rows.Scan(&a.ContentID, &a.Name, &a.Description, &a.ContentType, &a.SHA256, &a.Size)
			d.Attachments = append(d.Attachments, a)
		}
		rows.Close()
		d.Deliveries = []Delivery{}
		rows, err = tx.Query(ctx, "SELECT recipient_code, transport, status_code, updated_at FROM axis_deliveries WHERE document = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var dl Delivery
			rows.Scan(&dl.Recipient, &dl.Transport, &dl.StatusCode, &dl.UpdatedAt)
			d.Deliveries = append(d.Deliveries, dl)
		}
		rows.Close()
		d.Timeline = []Event{}
		rows, err = tx.Query(ctx, "SELECT at, agency_code, event, status_code, detail FROM axis_events WHERE document = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Event
			rows.Scan(&e.At, &e.Agency, &e.Event, &e.StatusCode, &e.Detail)
			d.Timeline = append(d.Timeline, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if !canRead(p, d.From) {
		ok := false
		for _, dl := range d.Deliveries {
			ok = ok || canRead(p, dl.Recipient)
		}
		if !ok {
			// Do not reveal that the package exists.
			return nil, errs.Reasonf(errs.NotFound, "unknown_package", "no package %s", id)
		}
	}
	return d, nil
}

// Open returns the package exactly as the sender sent it, and records the fetch in the timeline of
// each recipient the caller acts for.
func (s *Service) Open(ctx context.Context, p *auth.Principal, id string) (io.ReadCloser, *Document, error) {
	d, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.openStored(ctx, d.ID, d.PackageSHA256)
	if err != nil {
		return nil, nil, err
	}
	var mine []string
	for _, dl := range d.Deliveries {
		if canRead(p, dl.Recipient) {
			mine = append(mine, dl.Recipient)
		}
	}
	if len(mine) > 0 {
		_ = s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, a := range mine {
				if err := event(ctx, tx, id, a, "fetched", "", p.Actor()); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return f, d, nil
}

// OpenAttachment returns one decoded attachment of a package, extracted from the stored package
// as it streams (the package is kept only as it was sent).
func (s *Service) OpenAttachment(ctx context.Context, p *auth.Principal, id string, position int) (io.ReadCloser, Attachment, error) {
	d, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, Attachment{}, err
	}
	if position < 0 || position >= len(d.Attachments) {
		return nil, Attachment{}, errs.Reasonf(errs.NotFound, "unknown_attachment", "package %s has %d attachments", id, len(d.Attachments))
	}
	f, err := s.openStored(ctx, d.ID, d.PackageSHA256)
	if err != nil {
		return nil, Attachment{}, err
	}
	pr, pw := io.Pipe()
	go func() {
		defer f.Close()
		i := 0
		_, err := edxml.Read(f, edxml.ReadOptions{Attachment: func(_ edxml.AttachmentMeta, content io.Reader) (string, error) {
			defer func() { i++ }()
			if i != position {
				return "", nil
			}
			_, err := io.Copy(pw, content)
			return "", err
		}})
		pw.CloseWithError(err)
	}()
	return pr, d.Attachments[position], nil
}

// openStored reads a stored package: from its row when it was kept inline, else from the file store.
func (s *Service) openStored(ctx context.Context, id, sha string) (io.ReadCloser, error) {
	var inline []byte
	if err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT package_inline FROM axis_documents WHERE id = ?", id).Scan(&inline)
	}); err != nil {
		return nil, err
	}
	if inline != nil {
		return io.NopCloser(bytes.NewReader(inline)), nil
	}
	return s.blobs.Open(ctx, sha)
}

// SentItem is a package an agency sent, with where it stands at each recipient.
type SentItem struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	DocumentID string     `json:"document_id"`
	Subject    string     `json:"subject,omitempty"`
	StatusCode string     `json:"status_code,omitempty"`
	ReceivedAt time.Time  `json:"received_at"`
	Deliveries []Delivery `json:"deliveries"`
}

// Sent lists what an agency sent, newest first, with per-recipient delivery state.
func (s *Service) Sent(ctx context.Context, p *auth.Principal, agency string, limit int) ([]SentItem, error) {
	if agency == "" && p != nil && p.Kind == auth.KindClient {
		agency = p.Agency
	}
	if !canRead(p, agency) {
		return nil, forbiddenFor(p, agency)
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out := []SentItem{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, kind, document_id, subject, status_code, received_at FROM axis_documents
			WHERE sender_code = ? ORDER BY received_at DESC, id DESC LIMIT ?`, agency, limit)
		if err != nil {
			return err
		}
		index := map[string]int{}
		var ids []any
		for rows.Next() {
			var it SentItem
			rows.Scan(&it.ID, &it.Kind, &it.DocumentID, &it.Subject, &it.StatusCode, &it.ReceivedAt)
			it.Deliveries = []Delivery{}
			index[it.ID] = len(out)
			ids = append(ids, it.ID)
			out = append(out, it)
		}
		rows.Close()
		if len(ids) == 0 {
			return nil
		}
		rows, err = tx.Query(ctx, "SELECT document, recipient_code, transport, status_code, updated_at FROM axis_deliveries WHERE document IN (?"+
			strings.Repeat(", ?", len(ids)-1)+") ORDER BY id", ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var doc string
			var dl Delivery
			rows.Scan(&doc, &dl.Recipient, &dl.Transport, &dl.StatusCode, &dl.UpdatedAt)
			i := index[doc]
			out[i].Deliveries = append(out[i].Deliveries, dl)
		}
		return rows.Err()
	})
	return out, err
}

// subtreePattern turns a code into a LIKE pattern matching its subtree: its zero levels (no lower
// level) become wildcards, so 000.00.30.H36 gives ___.__.30.H36.
func subtreePattern(code string) string {
	c, err := vn.ParseAgencyCode(code)
	if err != nil {
		return code
	}
	parts := strings.Split(c.String(), ".")
	for i := 0; i < 3; i++ {
		if strings.Trim(parts[i], "0") == "" {
			parts[i] = strings.Repeat("_", len(parts[i]))
		}
	}
	return strings.Join(parts, ".")
}
