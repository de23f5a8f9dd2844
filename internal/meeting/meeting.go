// Package meeting runs e-Cabinet meetings (agenda with papers, participants and attendance,
// minutes drafted → approved → signed, conclusions that become tasks) and written-opinion ballots
// of Government members (phiếu lấy ý kiến thành viên Chính phủ).
//
// Access: organisers are the leaders (and admins) of the convening agency; members are the users
// listed on the meeting or ballot. Organisers create and change; members read, and ballot members
// answer. Nobody, organisers included, sees other members' answers before the result is published.
package meeting

import (
	"context"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/vn"
)

var ict = vn.ICT

// Agencies is the part of the agency registry used here.
type Agencies interface {
	Exists(ctx context.Context, code string) bool
	Name(code string) string
}

// PaperInfo describes an office document as a meeting or ballot paper. Secret is true for mật,
// tối mật and tuyệt mật documents, which stay on paper.
type PaperInfo struct {
	Title  string
	Secret bool
}

// PaperFunc looks up an office document ("outgoing" or "incoming") by id for a caller.
type PaperFunc func(ctx context.Context, by *auth.Principal, kind string, id int64) (PaperInfo, error)

// SignerFunc returns the key an agency signs minutes and ballot records with.
type SignerFunc func(ctx context.Context, agency string) (signature.Signer, error)

// Conclusion is one conclusion of a meeting, handed to the task hook.
type Conclusion struct {
	Content      string   `json:"content"`
	LeadAgency   string   `json:"lead_agency"`
	Coordinating []string `json:"coordinating,omitempty"`
	Deadline     string   `json:"deadline,omitempty"` // YYYY-MM-DD; empty when Ongoing
	Ongoing      bool     `json:"ongoing,omitempty"`
	Product      string   `json:"product,omitempty"`
	ItemPosition int      `json:"item_position,omitempty"` // agenda item, 0 for none
	TaskID       string   `json:"task_id,omitempty"`       // set once the task exists
}

// Options wires the service to the rest of the node.
type Options struct {
	// CreateTasks turns conclusions into tasks in one step and returns one task id per conclusion.
	CreateTasks func(ctx context.Context, by *auth.Principal, meetingID int64, cs []Conclusion) ([]string, error)
	// Papers reads office documents; nil refuses every paper.
	Papers PaperFunc
}

// Service is the meetings and ballots service.
type Service struct {
	db       *db.DB
	agencies Agencies
	signer   SignerFunc
	opt      Options
}

// New returns the service.
func New(d *db.DB, agencies Agencies, signer SignerFunc, opt Options) *Service {
	return &Service{db: d, agencies: agencies, signer: signer, opt: opt}
}

// Paper is a paper on an agenda item or a ballot.
type Paper struct {
	DocKind   string `json:"doc_kind"`
	DocID     int64  `json:"doc_id"`
	Title     string `json:"title"`
	PaperOnly bool   `json:"paper_only"` // secret: title only, no file in the system
	// AttachFile asks for the document's file to be part of the electronic papers; refused for a
	// secret document.
	AttachFile bool `json:"attach_file,omitempty"`
}

// Item is one agenda item.
type Item struct {
	Position        int     `json:"position"`
	Title           string  `json:"title"`
	PresenterAgency string  `json:"presenter_agency,omitempty"`
	Papers          []Paper `json:"papers,omitempty"`
}

// Participant is an invited user and their attendance.
type Participant struct {
	Login      string `json:"login"`
	Agency     string `json:"agency,omitempty"`
	Attendance string `json:"attendance"`
	Delegate   string `json:"delegate,omitempty"`
}

// Meeting kinds.
var kinds = map[string]string{
	"government_regular":   "Phiên họp Chính phủ thường kỳ",
	"government_thematic":  "Phiên họp Chính phủ chuyên đề",
	"provincial_committee": "Họp Ủy ban nhân dân tỉnh",
	"other":                "Cuộc họp khác",
}

// Meeting is a meeting with everything on it.
type Meeting struct {
	ID            int64         `json:"id"`
	Agency        string        `json:"agency"`
	Title         string        `json:"title"`
	Kind          string        `json:"kind"`
	KindName      string        `json:"kind_name"`
	StartsAt      time.Time     `json:"starts_at"`
	Place         string        `json:"place,omitempty"`
	Chair         string        `json:"chair,omitempty"`
	Items         []Item        `json:"items"`
	Participants  []Participant `json:"participants"`
	Minutes       string        `json:"minutes,omitempty"`
	MinutesStatus string        `json:"minutes_status"`
	SignedAt      *time.Time    `json:"signed_at,omitempty"`
	Conclusions   []Conclusion  `json:"conclusions"`
	TasksMade     bool          `json:"tasks_made"`
	CreatedBy     string        `json:"created_by"`
	CreatedAt     time.Time     `json:"created_at"`
}

// NewMeeting is the input of Create.
type NewMeeting struct {
	Agency       string        `json:"agency"`
	Title        string        `json:"title"`
	Kind         string        `json:"kind"`
	StartsAt     time.Time     `json:"starts_at"`
	Place        string        `json:"place"`
	Chair        string        `json:"chair"`
	Items        []Item        `json:"items"`
	Participants []Participant `json:"participants"`
	// IdempotencyKey (or the Idempotency-Key header) makes a repeated create return the first meeting.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// byKey returns the id stored under an idempotency key, or 0.
func (s *Service) byKey(ctx context.Context, table, key string) (int64, error) {
	if key == "" {
		return 0, nil
	}
	var id int64
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT id FROM "+table+" WHERE idempotency_key = ?", key).Scan(&id)
	})
	if db.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}

// nullKey stores an empty key as NULL, so that keyless rows do not collide.
func nullKey(k string) any {
	if k = strings.TrimSpace(k); k == "" {
		return nil
	}
	return k
}

func invalid(field, reason, format string, args ...any) error {
	return errs.Reasonf(errs.Invalid, reason, format, args...).WithFields(errs.FieldError{Field: field, Message: reason})
}

// organiser reports whether by may run meetings and ballots of agency.
func organiser(by *auth.Principal, agency string) bool {
	return by != nil && by.Kind == auth.KindUser && !by.IsApplicant() && by.Can(auth.Leader, agency)
}

func userLogin(by *auth.Principal) string {
	if by == nil || by.Kind != auth.KindUser {
		return ""
	}
	return by.ID
}

// resolvePapers checks each paper with the office module: secret ones become paper-only (title
// only) and asking for a secret paper's file is refused.
func (s *Service) resolvePapers(ctx context.Context, by *auth.Principal, field string, ps []Paper) ([]Paper, error) {
	out := make([]Paper, 0, len(ps))
	for i, p := range ps {
		f := field + "[" + itoa(i) + "]"
		if p.DocKind != "outgoing" && p.DocKind != "incoming" {
			return nil, invalid(f+".doc_kind", "bad_paper_kind", "paper %d: doc_kind must be outgoing or incoming", i+1)
		}
		if s.opt.Papers == nil {
			return nil, errs.New(errs.Unavailable, "papers cannot be read: the office module is not wired")
		}
		info, err := s.opt.Papers(ctx, by, p.DocKind, p.DocID)
		if err != nil {
			return nil, err
		}
		if info.Secret && p.AttachFile {
			return nil, invalid(f+".attach_file", "secret_paper_file",
				"paper %d (%s %d) is secret: it stays on paper, its file cannot be attached", i+1, p.DocKind, p.DocID)
		}
		out = append(out, Paper{DocKind: p.DocKind, DocID: p.DocID, Title: info.Title, PaperOnly: info.Secret})
	}
	return out, nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func insertPapers(ctx context.Context, tx *db.Tx, owner string, id int64, item int, ps []Paper) error {
	for _, p := range ps {
		if _, err := tx.Exec(ctx, `INSERT INTO meeting_papers (owner_kind, owner_id, item_position, doc_kind, doc_id, title, paper_only)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, owner, id, item, p.DocKind, p.DocID, p.Title, b2i(p.PaperOnly)); err != nil {
			return err
		}
	}
	return nil
}

func loadPapers(ctx context.Context, tx *db.Tx, owner string, id int64) (map[int][]Paper, error) {
	rows, err := tx.Query(ctx, `SELECT item_position, doc_kind, doc_id, title, paper_only FROM meeting_papers
		WHERE owner_kind = ? AND owner_id = ? ORDER BY item_position, doc_kind, doc_id`, owner, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int][]Paper{}
	for rows.Next() {
		var pos, only int
		var p Paper
		if err := rows.Scan(&pos, &p.DocKind, &p.DocID, &p.Title, &only); err != nil {
			return nil, err
		}
		p.PaperOnly = only == 1
		out[pos] = append(out[pos], p)
	}
	return out, rows.Err()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func clean(s string) string { return strings.TrimSpace(s) }
