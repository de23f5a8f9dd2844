package axis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/edxml"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Receipt is the axis's answer to an accepted package.
type Receipt struct {
	ID         string          `json:"id"`
	Kind       string          `json:"kind"`
	DocumentID string          `json:"document_id"`
	From       string          `json:"from"`
	Recipients []string        `json:"recipients"`
	Signature  SignatureResult `json:"signature"`
	// Duplicate is true when the same package had been accepted before: nothing new was stored.
	Duplicate  bool      `json:"duplicate"`
	ReceivedAt time.Time `json:"received_at"`
}

// parsed is a package read from the file store with what the checks derived from it.
type parsed struct {
	pkg         *edxml.Package
	ref         blob.Ref
	attachments []edxml.AttachmentMeta
	sig         SignatureResult
	// fromUpstream marks a package pulled down from the upstream node.
	fromUpstream bool
	// inline holds a small package's bytes, stored in its database row.
	inline []byte
}

// InlineLimit is the size up to which a package is kept in its database row: the group commit then
// makes it durable together with the deliveries, one disk flush for many packages. Larger packages
// stream to the file store, which flushes each on its own.
const InlineLimit = 256 << 10

// store reads the body (inline when small, streaming to the file store when large) and parses it
// as edXML. Attachments are hashed and measured while they stream past; they stay inside the
// package, which is kept as sent, and are extracted again when someone downloads one.
func (s *Service) store(ctx context.Context, body io.Reader) (*parsed, error) {
	p := &parsed{}
	head, err := io.ReadAll(io.LimitReader(body, InlineLimit+1))
	if err != nil {
		return nil, bodyError(err, s.opt.MaxPackage)
	}
	if len(head) <= InlineLimit {
		sum := sha256.Sum256(head)
		p.inline = head
		p.ref = blob.Ref{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(head))}
	} else if p.ref, err = s.blobs.Put(ctx, io.MultiReader(bytes.NewReader(head), body)); err != nil {
		return nil, bodyError(err, s.opt.MaxPackage)
	}
	if p.ref.Size == 0 {
		return nil, errs.Reasonf(errs.Invalid, edxml.CodeNotXML, "the request body is empty: send the edXML package")
	}
	f, err := p.open(ctx, s.blobs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pkg, err := edxml.Read(f, edxml.ReadOptions{Attachment: func(a edxml.AttachmentMeta, content io.Reader) (string, error) {
		h := sha256.New()
		if _, err := io.Copy(h, content); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}})
	if err != nil {
		var se *edxml.SyntaxError
		if errors.As(err, &se) {
			code := errs.Invalid
			if se.Code == edxml.CodeTooLarge {
				code = errs.TooLarge
			}
			return nil, errs.Reasonf(code, se.Code, "%s", se.Error())
		}
		return nil, err
	}
	p.pkg = pkg
	for _, a := range pkg.Attachments {
		p.attachments = append(p.attachments, a.AttachmentMeta)
	}
	if err := pkg.Validate(); err != nil {
		var ve *edxml.ValidationError
		if errors.As(err, &ve) {
			fields := make([]errs.FieldError, len(ve.Problems))
			for i, pr := range ve.Problems {
				fields[i] = errs.FieldError{Field: pr.Path, Message: pr.Code + ": " + pr.Message}
			}
			return nil, (&errs.Error{Code: errs.Invalid, Reason: ve.Problems[0].Code, Message: ve.Error()}).WithFields(fields...)
		}
		return nil, err
	}
	return p, nil
}

// open reads the package again from wherever it was kept.
func (p *parsed) open(ctx context.Context, blobs blob.Store) (io.ReadCloser, error) {
	if p.inline != nil {
		return io.NopCloser(bytes.NewReader(p.inline)), nil
	}
	return blobs.Open(ctx, p.ref.SHA256)
}

func bodyError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errs.Is(err, errs.TooLarge) {
		return errs.Reasonf(errs.TooLarge, "package_too_large", "the package is larger than %d bytes", limit)
	}
	return err
}

// verify applies the deployment's signature policy.
func (s *Service) verify(ctx context.Context, p *parsed) error {
	p.sig = SignatureResult{State: "unsigned", Problem: "the package carries no signature"}
	if p.pkg.Signature != nil && s.opt.Verify != nil {
		f, err := p.open(ctx, s.blobs)
		if err != nil {
			return err
		}
		p.sig = s.opt.Verify(ctx, f)
		f.Close()
	} else if p.pkg.Signature != nil {
		p.sig = SignatureResult{State: "unverified", Problem: "this node has no signature verifier configured"}
	}
	if s.opt.Policy == RequireSignature && p.sig.State != "valid" && p.sig.State != "weak" {
		reason := "bad_signature"
		if p.sig.State == "unsigned" {
			reason = "unsigned"
		} else if p.sig.State == "untrusted" {
			reason = "untrusted_signature"
		}
		return errs.Reasonf(errs.Invalid, reason, "this axis requires a valid signature from a trusted certificate: %s", p.sig.Problem)
	}
	return nil
}

// checkAgency refuses a malformed, unknown, closed or unregistered identifier code.
func (s *Service) checkAgency(field, code string, mustBeOnAxis bool) error {
	code = strings.TrimSpace(code)
	if _, err := vn.ParseAgencyCode(code); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_identifier_code", "%s: %v", field, err)
	}
	a, err := s.reg.Get(code)
	if err != nil {
		return errs.Reasonf(errs.Invalid, "unknown_agency", "%s: no agency %s in the registry", field, code)
	}
	if !a.Active() {
		return errs.Reasonf(errs.Invalid, "closed_agency", "%s: %s (%s) closed on %s", field, code, a.Name, a.EffectiveTo)
	}
	if mustBeOnAxis && !a.OnAxis {
		return errs.Reasonf(errs.Invalid, "unregistered_agency", "%s: %s (%s) is not registered on the axis", field, code, a.Name)
	}
	return nil
}

// isSecret reports a confidentiality mark (mật, tối mật, tuyệt mật) in the header.
func (s *Service) isSecret(pkg *edxml.Package) (string, bool) {
	elems := append(append([]edxml.RawElement(nil), pkg.Header.Extra...), pkg.Header.OtherInfo.Extra...)
	for _, e := range elems {
		name, text := rawNameText(e.XML)
		for _, want := range s.opt.SecretElements {
			if strings.EqualFold(name, want) {
				v := vn.Fold(text)
				for _, m := range s.opt.SecretMarkers {
					if v == m {
						return text, true
					}
				}
			}
		}
	}
	return "", false
}

func rawNameText(b []byte) (string, string) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var name string
	var text strings.Builder
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if name == "" {
				name = t.Name.Local
			}
		case xml.CharData:
			text.Write(t)
		}
	}
	return name, strings.TrimSpace(text.String())
}

// refused records a refusal for the statistics and returns err.
func (s *Service) refused(ctx context.Context, p *auth.Principal, sender string, err error) error {
	e := errs.As(err)
	if e.Code == errs.Internal || e.Code == errs.Unavailable {
		return err
	}
	reason := e.Reason
	if reason == "" {
		reason = string(e.Code)
	}
	if werr := s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO axis_refusals (at, client_id, sender_code, reason, message) VALUES (?, ?, ?, ?, ?)",
			tx.Now, p.ID, sender, reason, truncate(e.Message, 500))
		return err
	}); werr != nil {
		slog.Warn("axis: recording a refusal failed", "err", werr)
	}
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Send accepts a document package from a connected system. It answers only after the package and
// every recipient's delivery are durably committed; a resend of the same package returns the first
// receipt, and a different package under the same DocumentId is a conflict.
func (s *Service) Send(ctx context.Context, p *auth.Principal, body io.Reader) (*Receipt, error) {
	return s.accept(ctx, p, body, false, false)
}

// accept stores, checks and commits a document package or (status set) a status packet.
// fromUpstream marks packages pulled from the upstream node: they are delivered here, never
// forwarded back.
func (s *Service) accept(ctx context.Context, p *auth.Principal, body io.Reader, status, fromUpstream bool) (*Receipt, error) {
	s.accepting.Add(1)
	defer s.accepting.Add(-1)
	pp, err := s.store(ctx, body)
	if err != nil {
		return nil, s.refused(ctx, p, "", err)
	}
	pp.fromUpstream = fromUpstream
	from := strings.TrimSpace(pp.pkg.Header.From.OrganId)
	var rc *Receipt
	switch {
	case status && pp.pkg.Kind() != edxml.KindStatus:
		err = errs.Reasonf(errs.Invalid, "not_a_status", "this is a document package: send it to /api/v1/axis/edocs")
	case !status && pp.pkg.Kind() != edxml.KindDocument:
		err = errs.Reasonf(errs.Invalid, "not_a_document", "this is a status packet: send it to /api/v1/axis/status")
	case status:
		rc, err = s.commitStatus(ctx, p, pp)
	default:
		if err = s.checkDocument(ctx, p, pp); err == nil {
			rc, err = s.commitDocument(ctx, p, pp)
		}
	}
	if err != nil {
		return nil, s.refused(ctx, p, from, err)
	}
	if !rc.Duplicate {
		s.notify.wake(rc.Recipients)
		if s.opt.Jobs != nil {
			s.opt.Jobs.Wake(ForwardQueue)
			s.opt.Jobs.Wake(WebhookQueue)
		}
	}
	return rc, nil
}

func (s *Service) checkDocument(ctx context.Context, p *auth.Principal, pp *parsed) error {
	h := &pp.pkg.Header
	from := strings.TrimSpace(h.From.OrganId)
	if err := s.checkAgency("From/OrganId", from, true); err != nil {
		return err
	}
	if !p.ActsFor(from) {
		return errs.Reasonf(errs.Forbidden, "from_not_owned", "From/OrganId %s does not belong to client %s (agency %s)", from, p.ID, p.Agency)
	}
	seen := map[string]bool{}
	for i, to := range h.To {
		code := strings.TrimSpace(to.OrganId)
		if err := s.checkAgency(fmt.Sprintf("To[%d]/OrganId", i), code, true); err != nil {
			return err
		}
		if seen[code] {
			return errs.Reasonf(errs.Invalid, "duplicate_recipient", "To[%d]/OrganId: %s is addressed twice", i, code)
		}
		seen[code] = true
	}
	if mark, secret := s.isSecret(pp.pkg); secret {
		return errs.Reasonf(errs.Invalid, "secret_document", "the document is marked %q: secret documents are never sent through the axis", mark)
	}
	if pr, err := strconv.Atoi(strings.TrimSpace(h.OtherInfo.Priority)); err == nil && (pr < 0 || pr > 4) {
		return errs.Reasonf(errs.Invalid, "bad_priority", "OtherInfo/Priority %d: want 0 (thường) to 3 (hỏa tốc)", pr)
	}
	return s.verify(ctx, pp)
}

func (s *Service) commitDocument(ctx context.Context, p *auth.Principal, pp *parsed) (*Receipt, error) {
	h := &pp.pkg.Header
	bt, err := pp.pkg.BusinessType()
	if err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_business_type", "%v", err)
	}
	related := ""
	if bt != edxml.BusinessNew {
		related = strings.TrimSpace(pp.pkg.Trace.Bussiness.DocumentId)
	}
	id := newID()
	rc := &Receipt{ID: id, Kind: "document", DocumentID: strings.TrimSpace(h.DocumentId), From: strings.TrimSpace(h.From.OrganId), Signature: pp.sig}
	for _, to := range h.To {
		rc.Recipients = append(rc.Recipients, strings.TrimSpace(to.OrganId))
	}
	report, _ := json.Marshal(pp.sig.Report)
	priority, _ := strconv.Atoi(strings.TrimSpace(h.OtherInfo.Priority))
	err = s.group.Do(ctx, func(tx *db.Tx) error {
		// Set, not kept from an earlier run: the group committer may run this twice.
		rc.ID, rc.Duplicate, rc.ReceivedAt = id, false, tx.Now
		var relatedID string
		if related != "" {
			err := tx.QueryRow(ctx, "SELECT id FROM axis_documents WHERE dedupe_key = ?", "doc:"+related).Scan(&relatedID)
			if db.IsNoRows(err) {
				// A resend of an accepted package still gets its receipt, whatever became of the
				// related document since.
				if dup, err := s.duplicate(ctx, tx, rc, pp); dup || err != nil {
					return err
				}
				return errs.Reasonf(errs.Invalid, "unknown_related_document", "Bussiness/DocumentId %q: no such document was sent through this axis", related)
			}
			if err != nil {
				return err
			}
		}
		// The insert is the idempotency check: one statement for a new package (the common case);
		// only when the DocumentId exists already is the stored row read.
		res, err := tx.Exec(ctx, `INSERT INTO axis_documents (id, dedupe_key, kind, document_id, business_type, related_id, sender_code,
			client_id, package_sha, package_size, package_inline, subject, code_number, code_notation, promulgation_date, type_name, priority,
			attachments, signature_state, signer, signature_report, received_at)
			VALUES (?, ?, 'document', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (dedupe_key) DO NOTHING`,
			rc.ID, "doc:"+rc.DocumentID, rc.DocumentID, int(bt), relatedID, rc.From, p.ID, pp.ref.SHA256, pp.ref.Size, pp.inline,
			truncate(strings.TrimSpace(h.Subject), 2000), truncate(strings.TrimSpace(h.Code.CodeNumber), 50), truncate(strings.TrimSpace(h.Code.CodeNotation), 100),
			strings.TrimSpace(h.PromulgationInfo.PromulgationDate), truncate(strings.TrimSpace(h.DocumentType.TypeName), 200), priority,
			len(pp.attachments), pp.sig.State, pp.sig.Signer, string(report), tx.Now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if dup, err := s.duplicate(ctx, tx, rc, pp); dup || err != nil {
				return err
			}
			return fmt.Errorf("axis: DocumentId %q conflicted on insert but no row holds it", rc.DocumentID)
		}
		for i, a := range pp.attachments {
			if _, err := tx.Exec(ctx, `INSERT INTO axis_attachments (document, position, content_id, name, description, content_type, sha256, size)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, rc.ID, i, a.ContentId, a.AttachmentName, a.Description, a.ContentType, a.Ref, a.Size); err != nil {
				return err
			}
		}
		if err := event(ctx, tx, rc.ID, rc.From, "sent", "", fmt.Sprintf("client %s, %d bytes, signature %s", p.ID, pp.ref.Size, pp.sig.State)); err != nil {
			return err
		}
		forwarded := false
		for _, to := range rc.Recipients {
			ev := WebhookEvent{ID: rc.ID, Kind: "document", DocumentID: rc.DocumentID, From: rc.From, To: to}
			if err := s.deliver(ctx, tx, ev, pp.fromUpstream, &forwarded); err != nil {
				return err
			}
			if relatedID != "" {
				if err := event(ctx, tx, relatedID, to, bt.String()+"d", "", fmt.Sprintf("%s by %s (%s)", bt, rc.DocumentID, rc.ID)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rc, nil
}

// duplicate looks for a document already stored under rc's DocumentId. The same package again
// turns rc into the first receipt (dup true); different content is a conflict.
func (s *Service) duplicate(ctx context.Context, tx *db.Tx, rc *Receipt, pp *parsed) (bool, error) {
	var existingID, existingSHA string
	var receivedAt time.Time
	err := tx.QueryRow(ctx, "SELECT id, package_sha, received_at FROM axis_documents WHERE dedupe_key = ?", "doc:"+rc.DocumentID).
		Scan(&existingID, &existingSHA, &receivedAt)
	if db.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if existingSHA != pp.ref.SHA256 {
		return false, errs.Reasonf(errs.Conflict, "duplicate_document_id", "DocumentId %q was already sent with different content (as %s)", rc.DocumentID, existingID)
	}
	rc.ID, rc.Duplicate, rc.ReceivedAt = existingID, true, receivedAt
	return true, nil
}

func event(ctx context.Context, tx *db.Tx, document, agency, ev, status, detail string) error {
	_, err := tx.Exec(ctx, "INSERT INTO axis_events (document, agency_code, at, event, status_code, detail) VALUES (?, ?, ?, ?, ?, ?)",
		document, agency, tx.Now, ev, status, detail)
	return err
}
