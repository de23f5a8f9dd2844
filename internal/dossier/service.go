package dossier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Agencies is what the workflow needs of the agency registry.
type Agencies interface {
	Exists(ctx context.Context, code string) bool
	// Name returns an agency's name, or "" when unknown.
	Name(code string) string
}

// ResultSigner signs a result PDF with the issuing agency's key (PAdES).
type ResultSigner func(ctx context.Context, agency string, pdf []byte) ([]byte, error)

// Options configure a Service.
type Options struct {
	// MaxFileBytes bounds each uploaded file (default 20 MB); MaxFiles the files per request (50).
	MaxFileBytes int64
	MaxFiles     int
	// GroupBatch is how many submissions may share one commit (default 64).
	GroupBatch int
	// KeepDeadlineOnSupplement keeps the appointment when requested documents arrive. By default the
	// appointment is computed again from their arrival with the procedure's full processing time,
	// our reading of TT 01/2018/TT-VPCP that is not verified against practice.
	KeepDeadlineOnSupplement bool
	// SignResult, when set, signs result PDFs before they are stored.
	SignResult ResultSigner
}

// Service runs the one-stop workflow.
type Service struct {
	db       *db.DB
	group    *db.Group
	blobs    blob.Store
	catalog  *catalog.Catalog
	agencies Agencies
	cal      *calendar.Calendar
	opt      Options
}

// New returns a Service. Call Close to stop its group committer.
func New(d *db.DB, blobs blob.Store, cat *catalog.Catalog, agencies Agencies, cal *calendar.Calendar, opt Options) *Service {
	if opt.MaxFileBytes <= 0 {
		opt.MaxFileBytes = 20 << 20
	}
	if opt.MaxFiles <= 0 {
		opt.MaxFiles = 50
	}
	if opt.GroupBatch <= 0 {
		opt.GroupBatch = 64
	}
	return &Service{db: d, group: d.NewGroup(db.GroupOptions{MaxBatch: opt.GroupBatch}), blobs: blobs, catalog: cat, agencies: agencies, cal: cal, opt: opt}
}

// Close stops accepting submissions and waits for those in flight.
func (s *Service) Close() { s.group.Close() }

// Calendar returns the working-day calendar the deadlines use.
func (s *Service) Calendar() *calendar.Calendar { return s.cal }

// Submission is a new dossier.
type Submission struct {
	// Instance is the procedure instance code (1.001612.000.00.00.H48). Alternatively Procedure and
	// Agency name a national procedure and the receiving agency that has an instance of it.
	Instance  string    `json:"instance,omitempty"`
	Procedure string    `json:"procedure,omitempty"`
	Agency    string    `json:"agency,omitempty"`
	Applicant Applicant `json:"applicant"`
	Subject   string    `json:"subject,omitempty"`
	// AcceptNow accepts a counter dossier on the spot (the officer checked the papers).
	AcceptNow bool `json:"accept_now,omitempty"`
	// IdempotencyKey makes a retried submission return the first one's dossier.
	IdempotencyKey string   `json:"-"`
	Files          []Upload `json:"-"`
}

// resolved is a submission checked against the catalogue.
type resolved struct {
	proc     *catalog.Procedure
	instance catalog.Instance
	agency   string
	days     int
	fees     int64
}

func (s *Service) resolve(sub *Submission) (resolved, []errs.FieldError) {
	var r resolved
	var bad []errs.FieldError
	add := func(f, format string, args ...any) {
		bad = append(bad, errs.FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	ix := s.catalog.Index()
	switch {
	case sub.Instance != "":
		pi, err := vn.ParseProcedureInstance(strings.TrimSpace(sub.Instance))
		if err != nil {
			add("instance", "%v", err)
			return r, bad
		}
		p, ok := ix.Get(pi.Procedure.String())
		if !ok {
			add("instance", "procedure %s is not in the catalogue", pi.Procedure)
			return r, bad
		}
		r.proc = p
		for _, in := range p.Instances {
			if in.Code == pi.String() {
				r.instance = in
			}
		}
		if r.instance.Code == "" {
			add("instance", "%s is not an instance of procedure %s in the catalogue", pi, p.Code)
			return r, bad
		}
	case sub.Procedure != "":
		pc, err := vn.ParseProcedureCode(strings.TrimSpace(sub.Procedure))
		if err != nil {
			add("procedure", "%v", err)
			return r, bad
		}
		p, ok := ix.Get(pc.String())
		if !ok {
			add("procedure", "procedure %s is not in the catalogue", pc)
			return r, bad
		}
		r.proc = p
		for _, in := range p.Instances {
			if in.Agency == strings.TrimSpace(sub.Agency) {
				r.instance = in
			}
		}
		if r.instance.Code == "" {
			add("agency", "agency %q does not carry out procedure %s: pick one of its instances", sub.Agency, p.Code)
			return r, bad
		}
	default:
		add("instance", "say which procedure instance the dossier is for")
		return r, bad
	}
	r.agency = r.instance.Agency
	r.days = r.proc.DaysAt(r.instance)
	for _, f := range r.proc.FeesAt(r.instance) {
		r.fees += f.Amount
	}
	return r, nil
}

// checkApplicant normalises and checks the applicant's details.
func checkApplicant(a *Applicant) []errs.FieldError {
	var bad []errs.FieldError
	a.Name = strings.Join(strings.Fields(a.Name), " ")
	a.ID = strings.TrimSpace(a.ID)
	a.Email = strings.TrimSpace(a.Email)
	a.Phone = strings.TrimSpace(a.Phone)
	a.Address = strings.Join(strings.Fields(a.Address), " ")
	if a.Kind == "" {
		a.Kind = Citizen
	}
	if a.Kind != Citizen && a.Kind != Business {
		bad = append(bad, errs.FieldError{Field: "applicant.kind", Message: "want citizen or business"})
	}
	if a.Name == "" || len(a.Name) > 200 {
		bad = append(bad, errs.FieldError{Field: "applicant.name", Message: "the applicant's name is needed (at most 200 characters)"})
	}
	if a.Email != "" && (!strings.Contains(a.Email, "@") || strings.ContainsAny(a.Email, " <>") || len(a.Email) > 200) {
		bad = append(bad, errs.FieldError{Field: "applicant.email", Message: "not an e-mail address"})
	}
	if len(a.ID) > 20 || len(a.Phone) > 20 || len(a.Address) > 500 {
		bad = append(bad, errs.FieldError{Field: "applicant", Message: "identification number or phone (20) or address (500 characters) too long"})
	}
	return bad
}

// party returns how the principal takes part in a dossier of agency: as an officer of the agency,
// as the system (a machine client acting for it), or as the applicant when userID is theirs.
func party(p *auth.Principal, agency string, applicantUserID int64) (Party, bool) {
	switch {
	case p == nil:
		return 0, false
	case p.Kind == auth.KindClient && p.ActsFor(agency):
		return BySystem, true
	case p.Kind == auth.KindUser && (p.Can(auth.Officer, agency) || p.Can(auth.Leader, agency)):
		return ByOfficer, true
	case p.Kind == auth.KindUser && applicantUserID != 0 && p.UserID == applicantUserID:
		return ByApplicant, true
	}
	return 0, false
}

// Submit files a new dossier: it checks the procedure and the applicant, streams the files to the
// store, allocates the dossier code and commits everything before it returns. A repeated
// IdempotencyKey returns the first dossier; the same key with different content is a conflict.
func (s *Service) Submit(ctx context.Context, by *auth.Principal, sub Submission) (*Dossier, error) {
	if by == nil {
		return nil, errs.New(errs.Unauthorized, "please log in to submit a dossier")
	}
	r, bad := s.resolve(&sub)
	bad = append(bad, checkApplicant(&sub.Applicant)...)
	sub.Subject = strings.Join(strings.Fields(sub.Subject), " ")
	if len(sub.Subject) > 1000 {
		bad = append(bad, errs.FieldError{Field: "subject", Message: "at most 1000 characters"})
	}
	if len(sub.Files) > s.opt.MaxFiles {
		bad = append(bad, errs.FieldError{Field: "files", Message: fmt.Sprintf("at most %d files", s.opt.MaxFiles)})
	}
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_dossier", "the dossier cannot be filed as it is").WithFields(bad...)
	}
	channel := Online
	switch {
	case by.Kind == auth.KindClient:
		if !by.ActsFor(r.agency) {
			return nil, errs.Reasonf(errs.Forbidden, "not_your_agency", "%s does not act for %s", by.Actor(), r.agency)
		}
		channel = API
	case by.Can(auth.Officer, r.agency) || by.Can(auth.Leader, r.agency):
		channel = Counter
	case len(by.Grants) > 0:
		return nil, errs.Reasonf(errs.Forbidden, "not_your_agency", "officers file counter dossiers only for their own agencies; %s is not one of them", r.agency)
	default:
		sub.Applicant.UserID = by.UserID
	}
	if sub.AcceptNow && channel == Online {
		return nil, errs.Reasonf(errs.Invalid, "bad_dossier", "only the receiving agency accepts a dossier")
	}
	if channel == Online && r.proc.Online == catalog.NotOnline {
		return nil, errs.Reasonf(errs.Invalid, "not_online", "procedure %s is not offered online: please go to the counter", r.proc.Code)
	}
	files, err := s.storeFiles(ctx, by, r.proc, sub.Files, FileSubmitted, channel == Online)
	if err != nil {
		return nil, err
	}
	hash := requestHash(sub, r, files)
	var key any
	if sub.IdempotencyKey != "" {
		if len(sub.IdempotencyKey) > 200 {
			return nil, errs.Reasonf(errs.Invalid, "bad_idempotency_key", "Idempotency-Key is longer than 200 characters")
		}
		key = by.Actor() + " " + sub.IdempotencyKey
		if d, err := s.byKey(ctx, key.(string), hash); d != nil || err != nil {
			return d, err
		}
	}
	var code string
	err = s.group.Do(ctx, func(tx *db.Tx) error {
		var err error
		code, err = s.insert(ctx, tx, by, sub, r, channel, files, key, hash)
		return err
	})
	if errs.Is(err, errs.Conflict) && key != nil {
		// The same key raced another request: that one won, answer with its dossier.
		if d, err2 := s.byKey(ctx, key.(string), hash); d != nil || err2 != nil {
			return d, err2
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dossier.Submit: %w", err)
	}
	return s.load(ctx, code)
}

func requestHash(sub Submission, r resolved, files []File) string {
	h := sha256.New()
	b, _ := json.Marshal(struct {
		Instance  string
		Applicant Applicant
		Subject   string
		AcceptNow bool
	}{r.instance.Code, sub.Applicant, sub.Subject, sub.AcceptNow})
	h.Write(b)
	for _, f := range files {
		fmt.Fprintf(h, "\n%s %s %s", f.Component, f.Name, f.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Service) byKey(ctx context.Context, key, hash string) (*Dossier, error) {
	var code, stored string
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT code, request_hash FROM dossiers WHERE idempotency_key = ?", key).Scan(&code, &stored)
	})
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if stored != hash {
		return nil, errs.Reasonf(errs.Conflict, "idempotency_key_reused", "this Idempotency-Key was used for a different dossier (%s)", code)
	}
	return s.load(ctx, code)
}

// storeFiles checks and stores uploads for proc. mustCover asks that every required paper with
// copies to hand in has a file (online submissions).
func (s *Service) storeFiles(ctx context.Context, by *auth.Principal, proc *catalog.Procedure, ups []Upload, kind string, mustCover bool) ([]File, error) {
	var out []File
	var bad []errs.FieldError
	covered := map[int]bool{}
	for i, u := range ups {
		field := fmt.Sprintf("files[%d]", i)
		var allowed []string
		component := ""
		switch {
		case u.Component == -1:
			component = "Giấy tờ khác"
		case u.Component < 0 || u.Component >= len(proc.Components):
			bad = append(bad, errs.FieldError{Field: field, Message: fmt.Sprintf("component %d: procedure %s has components 0–%d", u.Component, proc.Code, len(proc.Components)-1)})
			continue
		default:
			c := proc.Components[u.Component]
			component, allowed = c.Name, c.FileTypes
			covered[u.Component] = true
		}
		f := File{Kind: kind, Component: component, UploadedBy: by.Actor()}
		if u.DocumentID != 0 {
			doc, err := s.Document(ctx, by, u.DocumentID)
			if err != nil {
				bad = append(bad, errs.FieldError{Field: field, Message: "data store document: " + errs.As(err).Message})
				continue
			}
			f.Name, f.ContentType, f.SHA256, f.Size, f.Signed = doc.Name, doc.ContentType, doc.SHA256, doc.Size, doc.Signed
			out = append(out, f)
			continue
		}
		if u.Body == nil {
			bad = append(bad, errs.FieldError{Field: field, Message: "no content"})
			continue
		}
		f.Name = cleanFileName(u.Name)
		k, ref, err := storeUpload(ctx, s.blobs, Upload{Name: f.Name, Body: u.Body}, allowed, s.opt.MaxFileBytes)
		if err != nil {
			if e := errs.As(err); e != nil && e.Code != errs.Internal {
				if e.Code == errs.TooLarge {
					return nil, e
				}
				bad = append(bad, errs.FieldError{Field: field, Message: e.Message})
				continue
			}
			return nil, err
		}
		f.ContentType, f.SHA256, f.Size = k.contentType, ref.SHA256, ref.Size
		out = append(out, f)
	}
	if mustCover {
		for i, c := range proc.Components {
			if c.Required && c.Copies > 0 && !covered[i] {
				bad = append(bad, errs.FieldError{Field: fmt.Sprintf("component[%d]", i), Message: "required paper missing: " + c.Name})
			}
		}
	}
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_files", "some files cannot be accepted").WithFields(bad...)
	}
	return out, nil
}

// dayKey is the yyMMdd of t in Vietnam, the middle part of the dossier code.
func dayKey(t time.Time, loc *time.Location) string { return t.In(loc).Format("060102") }

// nextCode allocates the next code of agency for the day of now, inside tx: the counter row is
// updated in the same transaction as the dossier, so a rollback leaves no gap, and on PostgreSQL the
// row lock makes concurrent nodes take turns.
func (s *Service) nextCode(ctx context.Context, tx *db.Tx, agency string, now time.Time) (string, error) {
	day := dayKey(now, s.cal.Location())
	var seq int
	err := tx.QueryRow(ctx, `INSERT INTO dossier_counters (agency_code, day, last) VALUES (?, ?, 1)
		ON CONFLICT (agency_code, day) DO UPDATE SET last = dossier_counters.last + 1 RETURNING last`, agency, day).Scan(&seq)
	if err != nil {
		return "", err
	}
	if seq > 9999 {
		return "", errs.Reasonf(errs.Unavailable, "daily_sequence_exhausted", "agency %s has used all 9,999 dossier numbers of today", agency)
	}
	ac, err := vn.ParseAgencyCode(agency)
	if err != nil {
		return "", err
	}
	local := now.In(s.cal.Location())
	return vn.FormatDossierCode(ac, local.Year(), local.Month(), local.Day(), seq), nil
}

func (s *Service) insert(ctx context.Context, tx *db.Tx, by *auth.Principal, sub Submission, r resolved, channel Channel, files []File, key any, hash string) (string, error) {
	now := tx.Now
	code, err := s.nextCode(ctx, tx, r.agency, now)
	if err != nil {
		return "", err
	}
	a := sub.Applicant
	var userID any
	if a.UserID != 0 {
		userID = a.UserID
	}
	_, err = tx.Exec(ctx, `INSERT INTO dossiers (code, agency_code, procedure_code, instance_code, procedure_name, status,
		channel, applicant_user_id, applicant_kind, applicant_name, applicant_id, applicant_email, applicant_phone,
		applicant_address, subject, processing_days, fee_total, submitted_at, idempotency_key, request_hash, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		code, r.agency, r.proc.Code, r.instance.Code, r.proc.Name, int(vn.DossierSubmitted), string(channel), userID,
		string(a.Kind), a.Name, a.ID, a.Email, a.Phone, a.Address, sub.Subject, r.days, r.fees, now, key, hash, now)
	if err != nil {
		return "", err
	}
	if err := insertFiles(ctx, tx, code, 0, files, now); err != nil {
		return "", err
	}
	if err := addEvent(ctx, tx, code, by, "submit", 0, vn.DossierSubmitted, "", string(channel)); err != nil {
		return "", err
	}
	if sub.AcceptNow {
		d := &Dossier{Code: code, Status: vn.DossierSubmitted, ProcessingDays: r.days, Version: 1}
		if err := s.apply(ctx, tx, by, d, ByOfficer, Change{To: vn.DossierAccepted}); err != nil {
			return "", err
		}
	}
	return code, nil
}
