package office

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// SignRequest is what a signing hook gets: the PDF to sign and who signs it for which agency.
type SignRequest struct {
	Agency     string
	AgencyName string
	DocumentID int64
	// SignerName and SignerTitle are printed with the signature image (Decree 30 Phụ lục I).
	SignerName  string
	SignerTitle string
	Principal   *auth.Principal
	At          time.Time
	PDF         []byte
	// Personal is the leader's own registered key, certificate and signature image; nil when he
	// has none registered, and the agency's key signs instead.
	Personal *PersonalSigner
}

// SignFunc signs a PDF (PAdES) and returns the signed PDF. internal/signature provides one once its
// PAdES support lands; until then documents are signed by the explicit step alone.
type SignFunc func(ctx context.Context, r SignRequest) ([]byte, error)

// PackageSignFunc signs an edXML package (XML-DSig, enveloped) for the sending agency and returns
// the signed package.
type PackageSignFunc func(ctx context.Context, agency string, pkg []byte) ([]byte, error)

// Person is an officer account as assignment checks see it.
type Person struct {
	Login  string
	Name   string
	Grants []auth.Grant
}

// PersonFunc looks an officer up by login; it returns a NotFound error for an unknown login.
type PersonFunc func(ctx context.Context, login string) (Person, error)

// Options configure a Service.
type Options struct {
	// ClientID is the machine identity the service uses towards the axis, acting for each agency
	// (default "office"); the axis records it as the sending client.
	ClientID string
	// MaxFileBytes bounds each uploaded file (default 50 MB).
	MaxFileBytes int64
	// GroupBatch is how many writes may share one commit on SQLite (default 64).
	GroupBatch int
	// DueSoonDays is how close, in working days, a deadline must be for "due soon" (default 2).
	DueSoonDays int
	// SignPDF, when set, signs the main PDF with the leader's signature at the sign step.
	SignPDF SignFunc
	// SealPDF, when set, adds the agency's own signature (its seal, Decree 30) to the main PDF of a
	// digitally signed document when it is issued; SignRequest.SignerName is then empty.
	SealPDF SignFunc
	// SignPackage, when set, signs each edXML package before it goes to the axis.
	SignPackage PackageSignFunc
	// LookupPerson, when set, checks that assignees are officers of the document's agency and
	// supplies their names; without it an assignee is recorded as given.
	LookupPerson PersonFunc
	// Keys, when set, keeps leaders' personal signing keys (RegisterSigningKey); FileKeys keeps
	// them in 0600 files. Without it leaders cannot register keys and the agency's key signs.
	Keys KeyStore
	// RetryAfter is how long an unsent package or status packet waits before the poller sends it
	// again (default 10 s), so that it does not race the request that is sending it.
	RetryAfter time.Duration
}

// Service runs an agency's document management.
type Service struct {
	db    *db.DB
	group *db.Group
	blobs blob.Store
	reg   *agency.Registry
	cal   *calendar.Calendar
	axis  *axis.Service
	opt   Options
	// locks order the sends of one document (status packets in sequence, one package at a time).
	locks [64]sync.Mutex
}

// New returns a Service. ax may be nil on a node without the axis: documents then go on paper only.
// Call Close to stop its group committer.
func New(d *db.DB, blobs blob.Store, reg *agency.Registry, cal *calendar.Calendar, ax *axis.Service, opt Options) *Service {
	if opt.ClientID == "" {
		opt.ClientID = "office"
	}
	if opt.MaxFileBytes <= 0 {
		opt.MaxFileBytes = 50 << 20
	}
	if opt.GroupBatch <= 0 {
		opt.GroupBatch = 64
	}
	if opt.DueSoonDays <= 0 {
		opt.DueSoonDays = 2
	}
	if opt.RetryAfter <= 0 {
		opt.RetryAfter = 10 * time.Second
	}
	return &Service{db: d, group: d.NewGroup(db.GroupOptions{MaxBatch: opt.GroupBatch}), blobs: blobs, reg: reg, cal: cal, axis: ax, opt: opt}
}

// Close stops the group committer after the writes in flight.
func (s *Service) Close() { s.group.Close() }

// Calendar returns the working-day calendar deadlines use.
func (s *Service) Calendar() *calendar.Calendar { return s.cal }

// write runs fn in a write transaction: on SQLite through the group committer, so that concurrent
// writers share one commit (one disk flush) while each is rolled back alone if it fails; on
// PostgreSQL in a transaction of its own, which the database retries on serialization failures.
func (s *Service) write(ctx context.Context, fn func(*db.Tx) error) error {
	if s.db.Dialect == db.SQLite {
		return s.group.Do(ctx, fn)
	}
	return s.db.Tx(ctx, fn)
}

// system returns the principal the service uses towards the axis for agency: a machine client
// acting for it.
func (s *Service) system(agency string) *auth.Principal {
	return &auth.Principal{Kind: auth.KindClient, ID: s.opt.ClientID, Name: "Liên Thông văn thư", Agency: agency}
}

func (s *Service) lock(kind string, id int64) *sync.Mutex {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s:%d", kind, id)
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

// agencyName returns an agency's name from the registry, or "".
func (s *Service) agencyName(code string) string {
	if a, ok := s.reg.Index().Get(code); ok {
		return a.Name
	}
	return ""
}

// checkAgency refuses an unknown agency code.
func (s *Service) checkAgency(field, code string) (*agency.Agency, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, errs.Reasonf(errs.Invalid, "agency_required", "%s: say which agency", field)
	}
	a, ok := s.reg.Index().Get(code)
	if !ok {
		return nil, errs.Reasonf(errs.Invalid, "unknown_agency", "%s: no agency %s in the registry", field, code)
	}
	return a, nil
}

// mayView reports whether p may read the documents of agency: its officers, clerks, leaders and
// viewers, and machine clients acting for it.
func mayView(p *auth.Principal, agency string) bool {
	if p == nil {
		return false
	}
	if p.Kind == auth.KindClient {
		return p.ActsFor(agency)
	}
	return p.Can(auth.Viewer, agency) || p.Can(auth.Officer, agency) || p.Can(auth.Clerk, agency) || p.Can(auth.Leader, agency)
}

func needLogin(p *auth.Principal) error {
	if p == nil {
		return errs.New(errs.Unauthorized, "please log in")
	}
	return nil
}

func notYourAgency(p *auth.Principal, agency, what string) error {
	return errs.Reasonf(errs.Forbidden, "not_your_agency", "%s may not %s for %s", p.Actor(), what, agency)
}

// clean collapses runs of white space and checks the length in characters.
func clean(field, v string, max int, required bool) (string, *errs.FieldError) {
	v = strings.Join(strings.Fields(v), " ")
	if required && v == "" {
		return v, &errs.FieldError{Field: field, Message: "required"}
	}
	if utf8.RuneCountInString(v) > max {
		return v, &errs.FieldError{Field: field, Message: fmt.Sprintf("at most %d characters", max)}
	}
	return v, nil
}

// cleanText keeps line breaks (summaries, opinions) but trims and bounds the text.
func cleanText(field, v string, max int, required bool) (string, *errs.FieldError) {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	if required && v == "" {
		return v, &errs.FieldError{Field: field, Message: "required"}
	}
	if utf8.RuneCountInString(v) > max {
		return v, &errs.FieldError{Field: field, Message: fmt.Sprintf("at most %d characters", max)}
	}
	return v, nil
}

// checkAbbreviation accepts a short mark made of letters and digits, such as VP or TCCB.
func checkAbbreviation(field, v string) (string, *errs.FieldError) {
	v = strings.TrimSpace(v)
	if utf8.RuneCountInString(v) > 20 {
		return v, &errs.FieldError{Field: field, Message: "at most 20 characters"}
	}
	for _, r := range v {
		if r == '-' || r == '/' || r == '.' || r == ',' || r <= ' ' {
			return v, &errs.FieldError{Field: field, Message: "letters and digits only (the hyphens, dots and slashes of numbers and codes are added)"}
		}
	}
	return v, nil
}

// --- idempotency -----------------------------------------------------------------------------

// idem is an Idempotency-Key with what it was used for.
type idem struct {
	key  string // actor + " " + header value; "" when none was sent
	kind string
	hash string
}

func newIdem(by *auth.Principal, key, kind string, request any) (idem, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return idem{}, nil
	}
	if len(key) > 200 {
		return idem{}, errs.Reasonf(errs.Invalid, "bad_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	b, _ := json.Marshal(request)
	sum := sha256.Sum256(append([]byte(kind+"\n"), b...))
	return idem{key: by.Actor() + " " + key, kind: kind, hash: hex.EncodeToString(sum[:])}, nil
}

// seen returns the id recorded under the key inside tx, or 0. The same key with another request is
// a conflict.
func (k idem) seen(ctx context.Context, tx *db.Tx) (int64, error) {
	if k.key == "" {
		return 0, nil
	}
	var kind, hash string
	var ref int64
	err := tx.QueryRow(ctx, "SELECT kind, request_hash, ref_id FROM office_idempotency WHERE key = ?", k.key).Scan(&kind, &hash, &ref)
	if db.IsNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if kind != k.kind || hash != k.hash {
		return 0, errs.Reasonf(errs.Conflict, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
	}
	return ref, nil
}

// record stores the key with the id it produced, in the transaction that produced it.
func (k idem) record(ctx context.Context, tx *db.Tx, ref int64) error {
	if k.key == "" {
		return nil
	}
	_, err := tx.Exec(ctx, "INSERT INTO office_idempotency (key, kind, request_hash, ref_id, created_at) VALUES (?, ?, ?, ?, ?)",
		k.key, k.kind, k.hash, ref, tx.Now)
	return err
}

// replay looks the key up after a conflicting write: another request with the same key won the
// race, and its answer is ours.
func (s *Service) replay(ctx context.Context, k idem) (int64, error) {
	var ref int64
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		ref, err = k.seen(ctx, tx)
		return err
	})
	return ref, err
}

// --- events ------------------------------------------------------------------------------------

func addEvent(ctx context.Context, tx *db.Tx, kind string, id int64, by *auth.Principal, action, from, to string, detail any) error {
	d := ""
	switch v := detail.(type) {
	case nil:
	case string:
		d = v
	default:
		if b, err := json.Marshal(v); err == nil && string(b) != "{}" && string(b) != "null" {
			d = string(b)
		}
	}
	name := ""
	if by != nil {
		name = by.Name
	}
	_, err := tx.Exec(ctx, `INSERT INTO office_events (owner_kind, owner_id, at, actor, actor_name, action, from_state, to_state, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, kind, id, tx.Now, by.Actor(), name, action, from, to, d)
	return err
}

func loadEvents(ctx context.Context, tx *db.Tx, kind string, id int64) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT at, actor, actor_name, action, from_state, to_state, detail FROM office_events
		WHERE owner_kind = ? AND owner_id = ? ORDER BY id`, kind, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.Actor, &e.ActorName, &e.Action, &e.From, &e.To, &e.Detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// --- files -----------------------------------------------------------------------------------

func insertFiles(ctx context.Context, tx *db.Tx, kind string, id int64, first int, files []File) error {
	for i, f := range files {
		if _, err := tx.Exec(ctx, `INSERT INTO office_attachments (owner_kind, owner_id, position, role, name, content_type, sha256, size, added_at, added_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, kind, id, first+i, f.Role, f.Name, f.ContentType, f.SHA256, f.Size, tx.Now, f.AddedBy); err != nil {
			return err
		}
	}
	return nil
}

func loadFiles(ctx context.Context, tx *db.Tx, kind string, id int64) ([]File, error) {
	rows, err := tx.Query(ctx, `SELECT position, role, name, content_type, sha256, size, added_at, added_by FROM office_attachments
		WHERE owner_kind = ? AND owner_id = ? ORDER BY position`, kind, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []File{}
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Position, &f.Role, &f.Name, &f.ContentType, &f.SHA256, &f.Size, &f.AddedAt, &f.AddedBy); err != nil {
			return nil, err
		}
		f.AddedAt = f.AddedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

func nextPosition(ctx context.Context, tx *db.Tx, kind string, id int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position) + 1, 0) FROM office_attachments WHERE owner_kind = ? AND owner_id = ?", kind, id).Scan(&n)
	return n, err
}

// localDate is the date of t in Vietnam as YYYY-MM-DD.
func (s *Service) localDate(t time.Time) string { return t.In(s.cal.Location()).Format(time.DateOnly) }

// parseDate reads a YYYY-MM-DD date (also DD/MM/YYYY, as clerks type it) as midnight in Vietnam.
func (s *Service) parseDate(field, v string) (time.Time, *errs.FieldError) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.DateOnly, "02/01/2006", "2/1/2006", "2006/01/02"} {
		if t, err := time.ParseInLocation(layout, v, s.cal.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &errs.FieldError{Field: field, Message: fmt.Sprintf("%q is not a date (YYYY-MM-DD)", v)}
}
