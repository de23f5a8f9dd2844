package certcopy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // image.DecodeConfig reads the scans' sizes
	_ "image/png"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/vn"
)

// SignerFunc returns the key an agency signs its copies with (its own certificate, a PKCS#11
// token, or a local demo key).
type SignerFunc func(ctx context.Context, agency string) (signature.Signer, error)

// Agencies is what the service needs of the agency registry (*agency.Registry satisfies it).
type Agencies interface {
	Exists(ctx context.Context, code string) bool
	// Name returns an agency's name, or "" when unknown.
	Name(code string) string
}

// Options configure a Service.
type Options struct {
	// PublicURL is the node's public address (https://dichvucong.lamdong.gov.vn); the QR code
	// links to PublicURL/verify/{code}.
	PublicURL string
	// RegisterFormat prints the register number; empty means DefaultRegisterFormat.
	RegisterFormat string
	// Fees is the fee schedule; zero means DefaultFees.
	Fees FeeSchedule
	// Trust holds the roots that signatures of uploaded files are checked against.
	Trust *signature.TrustStore
	// MaxScanBytes bounds each scanned page (default 20 MB), MaxPages the pages of a copy (100)
	// and MaxPixels a page's width × height (60 million, a page at 600 dpi is 35 million).
	MaxScanBytes int64
	MaxPages     int
	MaxPixels    int
}

// Service issues, lists, verifies and revokes e-certified copies.
type Service struct {
	db       *db.DB
	blobs    blob.Store
	agencies Agencies
	signer   SignerFunc
	opt      Options
}

// New returns a Service.
func New(d *db.DB, blobs blob.Store, agencies Agencies, signer SignerFunc, opt Options) *Service {
	if opt.RegisterFormat == "" {
		opt.RegisterFormat = DefaultRegisterFormat
	}
	if opt.Fees == (FeeSchedule{}) {
		opt.Fees = DefaultFees
	}
	if opt.MaxScanBytes <= 0 {
		opt.MaxScanBytes = 20 << 20
	}
	if opt.MaxPages <= 0 {
		opt.MaxPages = 100
	}
	if opt.MaxPixels <= 0 {
		opt.MaxPixels = 60_000_000
	}
	opt.PublicURL = strings.TrimRight(opt.PublicURL, "/")
	return &Service{db: d, blobs: blobs, agencies: agencies, signer: signer, opt: opt}
}

// Fees returns the fee schedule in use.
func (s *Service) Fees() FeeSchedule { return s.opt.Fees }

// VerifyURL returns the public verification page of a code.
func (s *Service) VerifyURL(code string) string { return s.opt.PublicURL + "/verify/" + code }

// Request is what the officer enters to issue a copy.
type Request struct {
	// Agency is the certifying agency's identifier code.
	Agency              string `json:"agency"`
	ApplicantName       string `json:"applicant_name"`
	ApplicantIDNumber   string `json:"applicant_id_number"`
	OriginalDescription string `json:"original_description"`
	// Book is the register book (quyển số); empty means "01/{year}".
	Book string `json:"book,omitempty"`
	// OfficerName defaults to the signed-in officer's name; OfficerTitle is required
	// ("Công chức Tư pháp - Hộ tịch", "Phó Chủ tịch").
	OfficerName  string `json:"officer_name,omitempty"`
	OfficerTitle string `json:"officer_title"`
	// Place is the place written in the date line ("Đà Lạt"); optional.
	Place string `json:"place,omitempty"`
	// Scans are the scanned pages of the original, in order: JPEG or PNG images.
	Scans []Scan `json:"-"`
}

// Scan is an uploaded page.
type Scan struct {
	Name string
	Body io.Reader
}

// page is a scan that was read and checked.
type page struct {
	data  []byte
	kind  string // "jpg" or "png"
	ref   FileRef
	label string
}

// canIssue: officers and leaders of the agency (administrators included) certify copies.
func canIssue(p *auth.Principal, agency string) bool {
	return p.Can(auth.Officer, agency) || p.Can(auth.Leader, agency)
}

// canView: the agency's officers, leaders, clerks and viewers, and systems acting for it.
func canView(p *auth.Principal, agency string) bool {
	return canIssue(p, agency) || p.Can(auth.Clerk, agency) || p.Can(auth.Viewer, agency) || p.ActsFor(agency)
}

func forbidden(agency string) error {
	return errs.Reasonf(errs.Forbidden, "not_certifying_officer", "only officers and leaders of agency %s may certify or revoke its copies", agency)
}

// Limits on the text fields, in characters.
const (
	maxName        = 200
	maxDescription = 1000
	maxReason      = 1000
)

func tidy(s string) string { return strings.Join(strings.Fields(s), " ") }

// Issue certifies a copy: it checks the scans, takes the next register number, builds the PDF,
// signs it with the agency's key and stores it, all in one transaction with the audit record.
// Nothing is stored when the request is refused.
func (s *Service) Issue(ctx context.Context, p *auth.Principal, req Request) (*Copy, error) {
	req.Agency = strings.TrimSpace(req.Agency)
	if req.Agency == "" {
		return nil, errs.New(errs.Invalid, "the certifying agency is missing").WithFields(errs.FieldError{Field: "agency", Message: "required"})
	}
	if !canIssue(p, req.Agency) {
		return nil, forbidden(req.Agency)
	}
	req.ApplicantName, req.OriginalDescription = tidy(req.ApplicantName), strings.TrimSpace(req.OriginalDescription)
	req.ApplicantIDNumber = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(req.ApplicantIDNumber), " ", ""))
	req.Book, req.OfficerName, req.OfficerTitle, req.Place = tidy(req.Book), tidy(req.OfficerName), tidy(req.OfficerTitle), tidy(req.Place)
	if req.OfficerName == "" {
		req.OfficerName = tidy(p.Name)
	}
	var bad []errs.FieldError
	add := func(field, format string, args ...any) {
		bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !s.agencies.Exists(ctx, req.Agency) {
		add("agency", "no agency %s in the registry", req.Agency)
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"applicant_name", req.ApplicantName, maxName}, {"original_description", req.OriginalDescription, maxDescription},
		{"officer_name", req.OfficerName, maxName}, {"officer_title", req.OfficerTitle, maxName}} {
		switch n := utf8.RuneCountInString(f.value); {
		case n == 0:
			add(f.name, "required")
		case n > f.max:
			add(f.name, "at most %d characters", f.max)
		}
	}
	if !validIDNumber(req.ApplicantIDNumber) {
		add("applicant_id_number", "an identity card number (12 digits), an old identity card (9 digits) or a passport number (6 to 20 letters and digits)")
	}
	if utf8.RuneCountInString(req.Book) > 50 {
		add("book", "at most 50 characters")
	}
	if utf8.RuneCountInString(req.Place) > maxName {
		add("place", "at most %d characters", maxName)
	}
	pages, scanErrs := s.readScans(req.Scans)
	bad = append(bad, scanErrs...)
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_request", "the certified copy cannot be issued: %s", bad[0].Message).WithFields(bad...)
	}
	signer, err := s.signer(ctx, req.Agency)
	if err != nil {
		if errs.CodeOf(err) != errs.Internal {
			return nil, err
		}
		return nil, errs.Wrap(errs.Unavailable, err, "agency %s has no signing key available", req.Agency)
	}

	var c *Copy
	for attempt := 0; ; attempt++ {
		c, err = s.issueTx(ctx, p, req, pages, signer)
		// A verification code that is already taken (60 random bits: next to never) gets another.
		if errs.Is(err, errs.Conflict) && attempt < 2 {
			continue
		}
		break
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) issueTx(ctx context.Context, p *auth.Principal, req Request, pages []page, signer signature.Signer) (*Copy, error) {
	var c *Copy
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now.UTC().Truncate(time.Microsecond)
		year := now.In(vn.ICT).Year()
		n, err := nextNumber(ctx, tx, req.Agency, year)
		if err != nil {
			return err
		}
		c = &Copy{Code: newCode(), Agency: req.Agency, AgencyName: s.agencies.Name(req.Agency), RegisterYear: year, RegisterNumber: n,
			Book: req.Book, ApplicantName: req.ApplicantName, ApplicantIDNumber: req.ApplicantIDNumber,
			OriginalDescription: req.OriginalDescription, Pages: len(pages), Fee: s.opt.Fees.Fee(len(pages)),
			OfficerLogin: p.ID, OfficerName: req.OfficerName, OfficerTitle: req.OfficerTitle, IssuedAt: now}
		if c.Book == "" {
			c.Book = fmt.Sprintf("01/%d", year)
		}
		c.RegisterLabel = FormatRegister(s.opt.RegisterFormat, n, year, c.Book, c.Agency)
		c.VerifyURL = s.VerifyURL(c.Code)
		unsigned, err := s.render(c, pages, req.Place)
		if err != nil {
			return err
		}
		signed, err := signature.SignPDF(unsigned, signer, signature.PDFSignOptions{
			Reason:   "Chứng thực bản sao điện tử từ bản chính – " + c.RegisterLabel,
			Location: c.AgencyName,
			Time:     now,
		})
		if err != nil {
			return fmt.Errorf("certcopy.Issue: signing: %w", err)
		}
		// The files go to the store first: a Ref means durable, so the row may point at them. A
		// rolled-back transaction leaves unreferenced blobs for the collector, never a dangling row.
		for i := range pages {
			ref, err := s.blobs.Put(ctx, bytes.NewReader(pages[i].data))
			if err != nil {
				return fmt.Errorf("certcopy.Issue: storing scan %d: %w", i+1, err)
			}
			c.Scans = append(c.Scans, FileRef{SHA256: ref.SHA256, Size: ref.Size, ContentType: pages[i].ref.ContentType})
		}
		ref, err := s.blobs.Put(ctx, bytes.NewReader(signed))
		if err != nil {
			return fmt.Errorf("certcopy.Issue: storing the PDF: %w", err)
		}
		c.PDF = FileRef{SHA256: ref.SHA256, Size: ref.Size, ContentType: "application/pdf"}
		if err := insertCopy(ctx, tx, c); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p.Actor(), "certcopy.issue", c.Code, map[string]any{"agency": c.Agency, "register": c.RegisterLabel,
			"year": c.RegisterYear, "number": c.RegisterNumber, "pages": c.Pages, "fee": c.Fee, "pdf_sha256": c.PDF.SHA256})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// validIDNumber accepts a citizen identity card number (CCCD, 12 digits), an old identity card
// (CMND, 9 digits) or a passport number (6 to 20 capital letters and digits with at least one
// letter).
func validIDNumber(s string) bool {
	if len(s) < 6 || len(s) > 20 {
		return false
	}
	digits, letters := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z':
			letters++
		default:
			return false
		}
	}
	if letters == 0 {
		return digits == 9 || digits == 12
	}
	return true
}

// readScans reads and checks every scan, by content: JPEG or PNG whose header decodes. PDF
// originals are refused for now: their pages would have to be rendered or embedded.
func (s *Service) readScans(scans []Scan) ([]page, []errs.FieldError) {
	var bad []errs.FieldError
	if len(scans) == 0 {
		return nil, []errs.FieldError{{Field: "scans", Message: "attach the scanned pages of the original (JPEG or PNG)"}}
	}
	if len(scans) > s.opt.MaxPages {
		return nil, []errs.FieldError{{Field: "scans", Message: fmt.Sprintf("at most %d pages", s.opt.MaxPages)}}
	}
	pages := make([]page, 0, len(scans))
	for i, sc := range scans {
		field := fmt.Sprintf("scans[%d]", i)
		label := sc.Name
		if label == "" {
			label = fmt.Sprintf("page %d", i+1)
		}
		b, err := io.ReadAll(io.LimitReader(sc.Body, s.opt.MaxScanBytes+1))
		switch {
		case err != nil:
			bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf("%s cannot be read: %v", label, err)})
			continue
		case int64(len(b)) > s.opt.MaxScanBytes:
			bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf("%s is larger than %d MB", label, s.opt.MaxScanBytes>>20)})
			continue
		case len(b) == 0:
			bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf("%s is empty", label)})
			continue
		}
		ct := http.DetectContentType(b)
		var kind string
		switch {
		case ct == "image/jpeg":
			kind = "jpg"
		case ct == "image/png":
			kind = "png"
		case ct == "application/pdf" || bytes.HasPrefix(b, []byte("%PDF-")):
			bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf("%s is a PDF: PDF originals are not accepted yet; scan the original's pages as JPEG or PNG images", label)})
			continue
		default:
			bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf("%s is not a JPEG or PNG image (it looks like %s)", label, ct)})
			continue
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf("%s is a damaged image: %v", label, err)})
			continue
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > s.opt.MaxPixels {
			bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf("%s is %d×%d pixels; at most %d million pixels", label, cfg.Width, cfg.Height, s.opt.MaxPixels/1_000_000)})
			continue
		}
		sum := sha256.Sum256(b)
		pages = append(pages, page{data: b, kind: kind, label: label,
			ref: FileRef{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b)), ContentType: ct}})
	}
	return pages, bad
}

// Get returns a copy for its agency's officers, leaders, clerks, viewers and connected systems.
func (s *Service) Get(ctx context.Context, p *auth.Principal, code string) (*Copy, error) {
	c, err := s.lookup(ctx, code)
	if err != nil {
		return nil, err
	}
	if !canView(p, c.Agency) {
		return nil, errs.Reasonf(errs.Forbidden, "not_your_agency", "certified copy %s belongs to agency %s", c.Code, c.Agency)
	}
	return c, nil
}

func (s *Service) lookup(ctx context.Context, code string) (*Copy, error) {
	norm, ok := NormalizeCode(code)
	if !ok {
		return nil, errs.Reasonf(errs.NotFound, "no_copy", "there is no certified copy %s", code)
	}
	var c *Copy
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		c, err = getCopy(ctx, tx, norm, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.AgencyName = s.agencies.Name(c.Agency)
	c.VerifyURL = s.VerifyURL(c.Code)
	return c, nil
}

// PDF opens the signed PDF of a copy for those who may Get it.
func (s *Service) PDF(ctx context.Context, p *auth.Principal, code string) (io.ReadCloser, *Copy, error) {
	c, err := s.Get(ctx, p, code)
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.blobs.Open(ctx, c.PDF.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return rc, c, nil
}

// The statuses of a verification.
const (
	Authentic = "authentic"
	Revoked   = "revoked"
	Unknown   = "unknown"
)

// Verification is what the public verification page and API answer.
type Verification struct {
	Code string `json:"code"`
	// Status is authentic, revoked or unknown.
	Status string  `json:"status"`
	Copy   *Public `json:"copy,omitempty"`
	// File is the check of an uploaded file, when one was given.
	File *FileCheck `json:"file,omitempty"`
}

// FileCheck compares an uploaded file with the issued copy.
type FileCheck struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Identical is true when the file is byte for byte the issued PDF.
	Identical bool `json:"identical"`
	// PDF is false when the file is not a PDF; the signature fields are then empty.
	PDF bool `json:"pdf"`
	// SignatureValid is true when the file's signatures verify and the last covers the whole file,
	// and the signer is either trusted (its chain leads to a root of the trust store) or the
	// issuing agency's own key on this node (SignedByIssuer: a local demo key is not trusted by
	// anyone else, but it is the key the copy was issued with). Signer and SignedAt describe the
	// last signature; Problems are the codes found (altered, bad_signature, untrusted,
	// not_whole_file, no_signature, expired_certificate).
	SignatureValid bool       `json:"signature_valid"`
	SignedByIssuer bool       `json:"signed_by_issuer"`
	Signer         string     `json:"signer,omitempty"`
	SignedAt       *time.Time `json:"signed_at,omitempty"`
	Problems       []string   `json:"problems,omitempty"`
}

// Verify tells anyone whether code is a copy this node issued and whether it was revoked, and,
// given a file, whether the file is the issued PDF and what its signature says.
func (s *Service) Verify(ctx context.Context, code string, file []byte) (*Verification, error) {
	norm, _ := NormalizeCode(code)
	v := &Verification{Code: norm, Status: Unknown}
	c, err := s.lookup(ctx, code)
	switch {
	case errs.Is(err, errs.NotFound):
	case err != nil:
		return nil, err
	default:
		pub := c.Public()
		v.Copy, v.Status = &pub, Authentic
		if c.Revoked() {
			v.Status = Revoked
		}
	}
	if file != nil {
		sum := sha256.Sum256(file)
		fc := &FileCheck{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(file))}
		fc.Identical = c != nil && fc.SHA256 == c.PDF.SHA256
		rep, err := signature.VerifyPDF(file, s.opt.Trust)
		if err == nil {
			fc.PDF, fc.SignatureValid = true, rep.OK
			seen := map[string]bool{}
			addCode := func(p string) {
				code, _, _ := strings.Cut(p, ":")
				if !seen[code] {
					seen[code] = true
					fc.Problems = append(fc.Problems, code)
				}
			}
			for _, p := range rep.Problems {
				addCode(p)
			}
			for _, sig := range rep.Signatures {
				for _, p := range sig.Problems {
					addCode(p)
				}
			}
			if n := len(rep.Signatures); n > 0 {
				last := rep.Signatures[n-1]
				fc.Signer = last.Signer.CommonName
				if !last.SigningTime.IsZero() {
					t := last.SigningTime
					fc.SignedAt = &t
				}
				if c != nil && last.Certificate != nil {
					if sg, err := s.signer(ctx, c.Agency); err == nil && len(sg.Chain) > 0 && sg.Chain[0].Equal(last.Certificate) {
						fc.SignedByIssuer = true
					}
				}
				if !rep.OK && fc.SignedByIssuer {
					// Only trust is missing: every signature is intact and the last is the issuer's.
					onlyTrust := true
					for _, code := range fc.Problems {
						if code != signature.ProblemUntrusted {
							onlyTrust = false
						}
					}
					fc.SignatureValid = onlyTrust
				}
			}
		}
		v.File = fc
	}
	return v, nil
}

// Revoke withdraws a copy (thu hồi): the verification page shows it revoked, with the reason.
func (s *Service) Revoke(ctx context.Context, p *auth.Principal, code, reason string) (*Copy, error) {
	c, err := s.lookup(ctx, code)
	if err != nil {
		return nil, err
	}
	if !canIssue(p, c.Agency) {
		return nil, forbidden(c.Agency)
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n == 0 || n > maxReason {
		return nil, errs.Reasonf(errs.Invalid, "bad_request", "give the reason for revoking (at most %d characters)", maxReason).
			WithFields(errs.FieldError{Field: "reason", Message: "required, at most 1000 characters"})
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		cur, err := getCopy(ctx, tx, c.Code, true)
		if err != nil {
			return err
		}
		if cur.Revoked() {
			return errs.Reasonf(errs.Conflict, "already_revoked", "certified copy %s was already revoked", c.Code)
		}
		now := tx.Now.UTC().Truncate(time.Microsecond)
		if err := revokeCopy(ctx, tx, c.Code, p.Actor(), reason, now); err != nil {
			return err
		}
		c.RevokedAt, c.RevokedBy, c.RevokeReason = &now, p.Actor(), reason
		return audit.Append(ctx, tx, p.Actor(), "certcopy.revoke", c.Code, map[string]any{"agency": c.Agency, "register": c.RegisterLabel, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Filter selects copies of an agency.
type Filter struct {
	Agency string
	// Year is the register year (0: all), newest numbers first.
	Year          int
	Limit, Offset int
}

// List returns an agency's copies, newest first, to those who may Get them.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Copy, error) {
	f.Agency = strings.TrimSpace(f.Agency)
	if f.Agency == "" {
		return nil, errs.Reasonf(errs.Invalid, "bad_request", "give the agency").WithFields(errs.FieldError{Field: "agency", Message: "required"})
	}
	if !canView(p, f.Agency) {
		return nil, errs.Reasonf(errs.Forbidden, "not_your_agency", "you may not see the certified copies of agency %s", f.Agency)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	f.Offset = max(f.Offset, 0)
	var out []*Copy
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		out, err = listCopies(ctx, tx, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	name := s.agencies.Name(f.Agency)
	for _, c := range out {
		c.AgencyName = name
		c.VerifyURL = s.VerifyURL(c.Code)
	}
	return out, nil
}
