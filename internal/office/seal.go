package office

import (
	"bytes"
	"context"
	"fmt"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// sealedFile is the main PDF with the agency's signature added, made before the issuing
// transaction (signing may be slow or use a token) and put in place inside it.
type sealedFile struct {
	from string // the main file's hash it was made from
	file File
}

// seal signs the main PDF of a digitally signed document with the agency's key (Options.SealPDF).
// It returns nil when there is nothing to seal; the transaction then does its own checks, so that
// issuing twice still gets its "already issued" answer.
func (s *Service) seal(ctx context.Context, by *auth.Principal, id int64, c Change) (*sealedFile, error) {
	if s.opt.SealPDF == nil {
		return nil, nil
	}
	o, err := s.loadOutgoing(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Status != Signed || o.SignatureMethod != SignedDigitally {
		return nil, nil
	}
	if err := s.checkChange(by, o, c); err != nil {
		return nil, err
	}
	main, ok := o.main()
	if !ok {
		return nil, nil
	}
	pdf, err := s.readBlob(ctx, main.SHA256)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, errs.Reasonf(errs.Invalid, "not_pdf", "the main file of document %d is not a PDF", id)
	}
	out, err := s.opt.SealPDF(ctx, SignRequest{Agency: o.Agency, AgencyName: o.AgencyName, DocumentID: id, Principal: by, At: s.db.Now(), PDF: pdf})
	if err != nil {
		return nil, fmt.Errorf("office: the agency's signature on document %d: %w", id, err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		return nil, errs.Reasonf(errs.Internal, "bad_signature", "the sealing hook did not return a PDF")
	}
	f, err := storeUpload(ctx, s.blobs, Upload{Name: main.Name, Body: bytes.NewReader(out)}, RoleMain, mainFormats, int64(len(out))+1, by.Actor())
	if err != nil {
		return nil, err
	}
	return &sealedFile{from: main.SHA256, file: f}, nil
}

// apply puts the sealed file in place of the main file it was made from.
func (sf *sealedFile) apply(ctx context.Context, tx *db.Tx, o *Outgoing, by *auth.Principal) error {
	for i, f := range o.Files {
		if f.Role != RoleMain {
			continue
		}
		if f.SHA256 != sf.from {
			return errs.Reasonf(errs.Conflict, "stale_document", "the file of document %d changed while it was being sealed: issue it again", o.ID)
		}
		if _, err := tx.Exec(ctx, "UPDATE office_attachments SET sha256 = ?, size = ?, added_at = ?, added_by = ? WHERE owner_kind = ? AND owner_id = ? AND role = ?",
			sf.file.SHA256, sf.file.Size, tx.Now, by.Actor(), KindOutgoing, o.ID, RoleMain); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE office_signed_pdfs SET sealed_at = ? WHERE outgoing_id = ?", tx.Now, o.ID); err != nil {
			return err
		}
		o.Files[i].SHA256, o.Files[i].Size = sf.file.SHA256, sf.file.Size
		return nil
	}
	return nil
}

// recordSignedPDF notes that the main PDF of an outgoing document now carries a digital signature.
func recordSignedPDF(ctx context.Context, tx *db.Tx, agency string, id int64, signer string, personal bool) error {
	if _, err := tx.Exec(ctx, "DELETE FROM office_signed_pdfs WHERE outgoing_id = ?", id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO office_signed_pdfs (outgoing_id, agency_code, signer_login, personal, signed_at) VALUES (?, ?, ?, ?, ?)",
		id, agency, signer, personal, tx.Now)
	return err
}
