package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// AgencyLookup is what the service needs of the agency registry (*agency.Registry satisfies it).
type AgencyLookup interface {
	// Exists reports whether code is in the registry.
	Exists(ctx context.Context, code string) bool
	// Name returns an agency's name, or "" when unknown.
	Name(code string) string
}

// DefaultDays is the response time, in working days, of a kind without its own in Options.Days.
//
// Unverified: 10 working days is our reading for feedback and petitions on administrative
// regulations under Decree 20/2008/NĐ-CP (as amended); the decree's text was not at hand. No legal
// time limit is known for questions; 10 working days is a working assumption.
const DefaultDays = 10

// Limits on the text of an item, in characters (not bytes).
const (
	MaxContent = 10000
	MaxSubject = 500
	MaxReason  = 2000
)

// Options configure a Service.
type Options struct {
	// Days is the response time in working days by kind; kinds not listed get DefaultDays.
	Days map[Kind]int
	// RestartDeadlineOnTransfer computes the deadline again from the transfer when an item is sent
	// on to another agency. By default a transfer keeps the original deadline: the sender is owed
	// an answer within the time counted from the day they wrote, however the administration routes
	// it, and agencies cannot reset the clock by passing an item around. The transfer is recorded
	// (who, when, from which agency, why) and counted on the item either way.
	RestartDeadlineOnTransfer bool
	// Now is the clock; nil means the database's (db.DB.Now).
	Now func() time.Time
}

// Service receives, routes and answers feedback, petitions and questions.
type Service struct {
	db       *db.DB
	cal      *calendar.Calendar
	agencies AgencyLookup
	opt      Options
}

// New returns a Service.
func New(d *db.DB, cal *calendar.Calendar, agencies AgencyLookup, opts Options) *Service {
	days := map[Kind]int{}
	for _, k := range Kinds {
		days[k] = DefaultDays
		if n, ok := opts.Days[k]; ok && n > 0 {
			days[k] = n
		}
	}
	opts.Days = days
	return &Service{db: d, cal: cal, agencies: agencies, opt: opts}
}

// Calendar returns the working-day calendar the deadlines use.
func (s *Service) Calendar() *calendar.Calendar { return s.cal }

// Days returns the response time of kind in working days.
func (s *Service) Days(k Kind) int { return s.opt.Days[k] }

// now reads the clock, in UTC to the microsecond (what PostgreSQL keeps).
func (s *Service) now() time.Time {
	clock := s.opt.Now
	if clock == nil {
		clock = s.db.Now
	}
	return clock().UTC().Truncate(time.Microsecond)
}

// Submission is a new item as the sender writes it.
type Submission struct {
	Kind    Kind   `json:"kind"`
	Subject string `json:"subject"`
	Content string `json:"content"`
	// Field is the field of administration (lĩnh vực), such as G03-GD10.
	Field string `json:"field,omitempty"`
	// Procedure is the procedure concerned: a national code (1.001612) or an agency's instance
	// (1.001612.000.00.00.H48), and Dossier a dossier code (000.00.53.H48-220921-0099).
	Procedure string `json:"procedure,omitempty"`
	Dossier   string `json:"dossier,omitempty"`
	// Agency is the responsible agency's identifier code. When it is empty the agency of the
	// procedure instance, or else the receiving agency of the dossier, is used.
	Agency string `json:"agency,omitempty"`
	Sender Sender `json:"sender"`
	// IdempotencyKey makes a retried submission return the first one's item; the API also takes
	// it from the Idempotency-Key header.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

var fieldCodeRe = regexp.MustCompile(`^[A-Z][0-9]{2}-[A-Z0-9]{1,12}$`)

// normalize tidies a submission in place, resolves its agency and returns what is wrong with it.
func (s *Service) normalize(ctx context.Context, sub *Submission) []errs.FieldError {
	var bad []errs.FieldError
	add := func(f, format string, args ...any) {
		bad = append(bad, errs.FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	if !sub.Kind.Valid() {
		add("kind", "want feedback (phản ánh), petition (kiến nghị) or question (hỏi đáp), not %q", sub.Kind)
	}
	sub.Subject = strings.Join(strings.Fields(sub.Subject), " ")
	switch n := utf8.RuneCountInString(sub.Subject); {
	case n == 0:
		add("subject", "say in a few words what the %s is about", kindNoun(sub.Kind))
	case n > MaxSubject:
		add("subject", "at most %d characters, not %d", MaxSubject, n)
	}
	sub.Content = strings.TrimSpace(strings.ReplaceAll(sub.Content, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(sub.Content); {
	case n == 0:
		add("content", "the content is empty")
	case n > MaxContent:
		add("content", "at most %d characters, not %d", MaxContent, n)
	}
	sub.Field = strings.ToUpper(strings.TrimSpace(sub.Field))
	if sub.Field != "" && !fieldCodeRe.MatchString(sub.Field) {
		add("field", "field code %q: want a level-1 code, '-' and letters or digits, like G03-GD10", sub.Field)
	}
	bad = append(bad, checkSender(&sub.Sender)...)

	sub.Agency = strings.TrimSpace(sub.Agency)
	sub.Procedure = strings.TrimSpace(sub.Procedure)
	sub.Dossier = strings.TrimSpace(sub.Dossier)
	routed := ""
	if sub.Agency != "" {
		if _, err := vn.ParseAgencyCode(sub.Agency); err != nil {
			add("agency", "%v", err)
		} else {
			routed = sub.Agency
		}
	}
	if sub.Procedure != "" {
		if len(sub.Procedure) <= 8 {
			if pc, err := vn.ParseProcedureCode(sub.Procedure); err != nil {
				add("procedure", "%v", err)
			} else {
				sub.Procedure = pc.String()
			}
		} else if pi, err := vn.ParseProcedureInstance(sub.Procedure); err != nil {
			add("procedure", "%v", err)
		} else {
			sub.Procedure = pi.String()
			if sub.Agency == "" {
				routed = pi.Agency.String()
			}
		}
	}
	if sub.Dossier != "" {
		if dc, err := vn.ParseDossierCode(sub.Dossier); err != nil {
			add("dossier", "%v", err)
		} else {
			sub.Dossier = dc.String()
			if sub.Agency == "" && routed == "" {
				routed = dc.Agency.String()
			}
		}
	}
	switch {
	case routed != "" && !s.agencies.Exists(ctx, routed):
		add("agency", "there is no agency %s in the registry", routed)
	case routed == "" && sub.Agency == "":
		add("agency", "say which agency the %s is for (or name a procedure instance or a dossier)", kindNoun(sub.Kind))
	}
	sub.Agency = routed
	sub.IdempotencyKey = strings.TrimSpace(sub.IdempotencyKey)
	if len(sub.IdempotencyKey) > 200 {
		add("idempotency_key", "at most 200 characters")
	}
	return bad
}

func kindNoun(k Kind) string {
	switch k {
	case Petition:
		return "petition"
	case Question:
		return "question"
	}
	return "feedback"
}

// checkSender tidies and checks the sender's details: a name and at least one way to reach them.
func checkSender(p *Sender) []errs.FieldError {
	var bad []errs.FieldError
	p.Name = strings.Join(strings.Fields(p.Name), " ")
	p.Email = strings.TrimSpace(p.Email)
	p.Phone = strings.TrimSpace(p.Phone)
	p.Address = strings.Join(strings.Fields(p.Address), " ")
	if n := utf8.RuneCountInString(p.Name); n == 0 || n > 200 {
		bad = append(bad, errs.FieldError{Field: "sender.name", Message: "the sender's name is needed (at most 200 characters); it is never shown publicly"})
	}
	if p.Email != "" {
		a, err := mail.ParseAddress(p.Email)
		if err != nil || a.Address != p.Email || len(p.Email) > 254 || !strings.Contains(p.Email[strings.LastIndexByte(p.Email, '@')+1:], ".") {
			bad = append(bad, errs.FieldError{Field: "sender.email", Message: fmt.Sprintf("%q is not an e-mail address", trimForError(p.Email))})
		}
	}
	if p.Phone != "" && !validPhone(p.Phone) {
		bad = append(bad, errs.FieldError{Field: "sender.phone", Message: fmt.Sprintf("%q is not a phone number (8 to 15 digits)", trimForError(p.Phone))})
	}
	if utf8.RuneCountInString(p.Address) > 500 {
		bad = append(bad, errs.FieldError{Field: "sender.address", Message: "at most 500 characters"})
	}
	if p.Email == "" && p.Phone == "" && p.Address == "" {
		bad = append(bad, errs.FieldError{Field: "sender", Message: "give an e-mail address, a phone number or a postal address, so the agency can answer"})
	}
	return bad
}

func validPhone(s string) bool {
	digits := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '+' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return false
		}
	}
	return digits >= 8 && digits <= 15 && len(s) <= 24
}

// Submit records a new item and returns it. Anyone may submit (by may be nil). A repeated
// IdempotencyKey from the same caller returns the first item; the same key with a different
// submission is a conflict. Nothing is stored when the submission is refused.
func (s *Service) Submit(ctx context.Context, by *auth.Principal, sub Submission) (*Item, error) {
	if bad := s.normalize(ctx, &sub); len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_submission", "the %s cannot be accepted as it is", kindNoun(sub.Kind)).WithFields(bad...)
	}
	hash := submissionHash(sub)
	var key any
	if sub.IdempotencyKey != "" {
		k := by.Actor() + " " + sub.IdempotencyKey
		key = k
		if it, err := s.byKey(ctx, k, hash); it != nil || err != nil {
			return it, err
		}
	}
	ac, _ := vn.ParseAgencyCode(sub.Agency)
	days := s.opt.Days[sub.Kind]
	// A tracking code has 50 random bits; a collision is all but impossible, but costs only a retry.
	for attempt := 0; ; attempt++ {
		code := newCode(sub.Kind)
		now := s.now()
		due, note := s.deadline(now, days)
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO feedback_items (code, kind, status, is_open, subject, content, field_code,
				procedure_code, dossier_code, sender_name, sender_email, sender_phone, sender_address, agency_code, agency_key,
				province_code, response_days, received_at, due_at, deadline_note, search_text, sender_search, idempotency_key,
				request_hash, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				code, string(sub.Kind), string(Received), sub.Subject, sub.Content, sub.Field, sub.Procedure, sub.Dossier,
				sub.Sender.Name, sub.Sender.Email, sub.Sender.Phone, sub.Sender.Address, sub.Agency, treeKey(ac), provinceOf(ac),
				days, now, due, note, searchText(sub.Subject, sub.Content, sub.Field, sub.Procedure, ""),
				senderSearch(code, sub.Sender, sub.Dossier), key, hash, now)
			if err != nil {
				return err
			}
			return addEvent(ctx, tx, code, by, now, "submit", "", Received, sub.Agency, "",
				encodeDetail(map[string]any{"due_at": due.Format(time.RFC3339), "response_days": days}))
		})
		if errs.Is(err, errs.Conflict) {
			if key != nil {
				// The same key raced another request: that one won, answer with its item.
				if it, err2 := s.byKey(ctx, key.(string), hash); it != nil || err2 != nil {
					return it, err2
				}
			}
			if attempt < 3 {
				continue
			}
		}
		if err != nil {
			return nil, fmt.Errorf("feedback.Submit: %w", err)
		}
		return s.load(ctx, code, true)
	}
}

// submissionHash identifies a submission's content, to tell a retry from a different submission
// that reuses an idempotency key.
func submissionHash(sub Submission) string {
	sub.IdempotencyKey = ""
	b, _ := json.Marshal(sub)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (s *Service) byKey(ctx context.Context, key, hash string) (*Item, error) {
	var code, stored string
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT code, request_hash FROM feedback_items WHERE idempotency_key = ?", key).Scan(&code, &stored)
	})
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("feedback.Submit: %w", err)
	}
	if stored != hash {
		return nil, errs.Reasonf(errs.Conflict, "idempotency_key_reused", "this Idempotency-Key was already used for a different submission")
	}
	return s.load(ctx, code, true)
}

// deadline computes the deadline of an item received at t that is owed an answer in days working
// days, and a note (Vietnamese, then English) when a year it spans has no published holiday
// schedule, so the computed public holidays were used and the date may move.
func (s *Service) deadline(t time.Time, days int) (time.Time, string) {
	due := s.cal.Deadline(t, days).UTC()
	var unknown []string
	for y := t.In(s.cal.Location()).Year(); y <= due.In(s.cal.Location()).Year(); y++ {
		if !s.cal.Known(y) {
			unknown = append(unknown, fmt.Sprint(y))
		}
	}
	if len(unknown) == 0 {
		return due, ""
	}
	years := strings.Join(unknown, ", ")
	return due, "Lịch nghỉ lễ năm " + years + " chưa được công bố; hạn trả lời tính theo ngày lễ mặc định. " +
		"The official holiday schedule for " + years + " is not loaded; the deadline uses the computed public holidays."
}

// searchText is what the public search looks in, folded: never the sender's details.
func searchText(subject, content, field, procedure, answer string) string {
	return vn.Fold(strings.Join([]string{subject, content, field, procedure, answer}, " "))
}

// senderSearch is what officers may also search by: the code, the sender and the dossier.
func senderSearch(code string, p Sender, dossier string) string {
	return vn.Fold(strings.Join([]string{code, p.Name, p.Email, p.Phone, dossier}, " "))
}

func encodeDetail(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// mayView returns an error unless by may see the items of agency's subtree: its viewers,
// officers and leaders (administrators included) and machine clients acting for it.
func mayView(by *auth.Principal, agency string) error {
	if by == nil {
		return errs.New(errs.Unauthorized, "please log in")
	}
	if by.Can(auth.Viewer, agency) || by.Can(auth.Officer, agency) || by.Can(auth.Leader, agency) || by.ActsFor(agency) {
		return nil
	}
	return errs.Reasonf(errs.Forbidden, "missing_role", "%s may not see the feedback of %s", by.Actor(), agency)
}

// mayAct returns an error unless by holds the officer or leader role over agency (auth.Require's
// rule, for a principal passed explicitly).
func mayAct(by *auth.Principal, agency string) error {
	if by == nil {
		return errs.New(errs.Unauthorized, "please log in")
	}
	if by.Kind == auth.KindUser && (by.Can(auth.Officer, agency) || by.Can(auth.Leader, agency)) {
		return nil
	}
	return errs.Reasonf(errs.Forbidden, "missing_role", "%s needs the officer or leader role for %s", by.Actor(), agency)
}
