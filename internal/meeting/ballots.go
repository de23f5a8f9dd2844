package meeting

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// Member is a ballot member and, when visible to the caller, their answer.
type Member struct {
	Login      string     `json:"login"`
	Name       string     `json:"name,omitempty"`
	Answered   bool       `json:"answered"`
	Answer     string     `json:"answer,omitempty"` // agree, disagree, other
	Comment    string     `json:"comment,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// Tally counts the answers of a published ballot.
type Tally struct {
	Agree      int `json:"agree"`
	Disagree   int `json:"disagree"`
	Other      int `json:"other"`
	Unanswered int `json:"unanswered"`
}

// Ballot is a written-opinion ballot. Before publication Members shows every member's answer
// only as Answered, except the caller's own.
type Ballot struct {
	ID          int64      `json:"id"`
	Agency      string     `json:"agency"`
	Question    string     `json:"question"`
	Papers      []Paper    `json:"papers"`
	Deadline    time.Time  `json:"deadline"`
	Status      string     `json:"status"` // open, published
	Members     []Member   `json:"members"`
	Tally       *Tally     `json:"tally,omitempty"`
	Mine        *Member    `json:"mine,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

// NewBallot is the input of CreateBallot.
type NewBallot struct {
	Agency   string    `json:"agency"`
	Question string    `json:"question"`
	Papers   []Paper   `json:"papers"`
	Deadline time.Time `json:"deadline"`
	Members  []Member  `json:"members"` // Login and Name
	// IdempotencyKey (or the Idempotency-Key header) makes a repeated create return the first ballot.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// Answer is a member's answer.
type Answer struct {
	Answer  string `json:"answer"`
	Comment string `json:"comment"`
}

// CreateBallot opens a ballot. Only the convening agency's leaders (or admins) may.
func (s *Service) CreateBallot(ctx context.Context, by *auth.Principal, nb NewBallot) (*Ballot, error) {
	nb.Agency, nb.Question = clean(nb.Agency), clean(nb.Question)
	if !s.agencies.Exists(ctx, nb.Agency) {
		return nil, invalid("agency", "unknown_agency", "unknown agency %q", nb.Agency)
	}
	if !organiser(by, nb.Agency) {
		return nil, errs.New(errs.Forbidden, "only leaders of %s open its ballots", nb.Agency)
	}
	if id, err := s.byKey(ctx, "ballots", strings.TrimSpace(nb.IdempotencyKey)); err != nil || id != 0 {
		if err != nil {
			return nil, err
		}
		return s.GetBallot(ctx, by, id)
	}
	if nb.Question == "" {
		return nil, invalid("question", "required", "the ballot needs a question")
	}
	if !nb.Deadline.After(s.db.Now()) {
		return nil, invalid("deadline", "bad_deadline", "the deadline must be in the future")
	}
	if len(nb.Members) == 0 {
		return nil, invalid("members", "required", "the ballot needs members")
	}
	seen := map[string]bool{}
	for i, m := range nb.Members {
		if clean(m.Login) == "" || seen[m.Login] {
			return nil, invalid("members["+itoa(i)+"].login", "bad_member", "member %d: missing or repeated login", i+1)
		}
		seen[m.Login] = true
	}
	papers, err := s.resolvePapers(ctx, by, "papers", nb.Papers)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO ballots (agency, question, deadline, idempotency_key, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, nb.Agency, nb.Question, nb.Deadline.UTC(), nullKey(nb.IdempotencyKey), by.Actor(), tx.Now).Scan(&id); err != nil {
			return err
		}
		if err := insertPapers(ctx, tx, "ballot", id, 0, papers); err != nil {
			return err
		}
		for _, m := range nb.Members {
			if _, err := tx.Exec(ctx, `INSERT INTO ballot_members (ballot_id, login, name) VALUES (?, ?, ?)`, id, clean(m.Login), clean(m.Name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetBallot(ctx, by, id)
}

func loadBallot(ctx context.Context, tx *db.Tx, id int64) (*Ballot, error) {
	b := &Ballot{ID: id}
	var pub sql.NullTime
	err := tx.QueryRow(ctx, `SELECT agency, question, deadline, status, created_by, created_at, published_at FROM ballots WHERE id = ?`, id).
		Scan(&b.Agency, &b.Question, &b.Deadline, &b.Status, &b.CreatedBy, &b.CreatedAt, &pub)
	if db.IsNoRows(err) {
		return nil, errs.New(errs.NotFound, "no ballot %d", id)
	} else if err != nil {
		return nil, err
	}
	b.Deadline, b.CreatedAt = b.Deadline.In(ict), b.CreatedAt.In(ict)
	if pub.Valid {
		t := pub.Time.In(ict)
		b.PublishedAt = &t
	}
	papers, err := loadPapers(ctx, tx, "ballot", id)
	if err != nil {
		return nil, err
	}
	b.Papers = papers[0]
	if b.Papers == nil {
		b.Papers = []Paper{}
	}
	rows, err := tx.Query(ctx, `SELECT login, name, answer, comment, answered_at FROM ballot_members WHERE ballot_id = ? ORDER BY login`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Member
		var at sql.NullTime
		if err := rows.Scan(&m.Login, &m.Name, &m.Answer, &m.Comment, &at); err != nil {
			return nil, err
		}
		m.Answered = m.Answer != ""
		if at.Valid {
			t := at.Time.In(ict)
			m.AnsweredAt = &t
		}
		b.Members = append(b.Members, m)
	}
	return b, rows.Err()
}

func (b *Ballot) tally() Tally {
	var t Tally
	for _, m := range b.Members {
		switch m.Answer {
		case "agree":
			t.Agree++
		case "disagree":
			t.Disagree++
		case "other":
			t.Other++
		default:
			t.Unanswered++
		}
	}
	return t
}

func (b *Ballot) member(login string) int {
	for i, m := range b.Members {
		if login != "" && m.Login == login {
			return i
		}
	}
	return -1
}

// view hides other members' answers until the result is published.
func (b *Ballot) view(by *auth.Principal) *Ballot {
	me := b.member(userLogin(by))
	if me >= 0 {
		mine := b.Members[me]
		b.Mine = &mine
	}
	if b.Status == "published" {
		t := b.tally()
		b.Tally = &t
		return b
	}
	for i := range b.Members {
		if i != me {
			b.Members[i].Answer, b.Members[i].Comment, b.Members[i].AnsweredAt = "", "", nil
		}
	}
	return b
}

// GetBallot returns a ballot to its organisers and members.
func (s *Service) GetBallot(ctx context.Context, by *auth.Principal, id int64) (*Ballot, error) {
	var b *Ballot
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		b, err = loadBallot(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !organiser(by, b.Agency) && b.member(userLogin(by)) < 0 {
		return nil, errs.New(errs.Forbidden, "ballot %d is for its organisers and members", id)
	}
	return b.view(by), nil
}

// ListBallots returns the ballots the caller organises or answers, newest first.
func (s *Service) ListBallots(ctx context.Context, by *auth.Principal) ([]Ballot, error) {
	login := userLogin(by)
	if login == "" || by.IsApplicant() {
		return nil, errs.New(errs.Forbidden, "ballots are for officers")
	}
	var out []Ballot
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT b.id, b.agency, b.question, b.deadline, b.status,
			(SELECT COUNT(*) FROM ballot_members m WHERE m.ballot_id = b.id AND m.login = ?)
			FROM ballots b ORDER BY b.deadline DESC, b.id DESC LIMIT 500`, login)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b Ballot
			var mine int
			if err := rows.Scan(&b.ID, &b.Agency, &b.Question, &b.Deadline, &b.Status, &mine); err != nil {
				return err
			}
			if mine > 0 || organiser(by, b.Agency) {
				b.Deadline = b.Deadline.In(ict)
				out = append(out, b)
			}
		}
		return rows.Err()
	})
	return out, err
}

var answers = map[string]bool{"agree": true, "disagree": true, "other": true}

// AnswerBallot records (or, before the deadline, changes) the caller's answer.
func (s *Service) AnswerBallot(ctx context.Context, by *auth.Principal, id int64, a Answer) (*Ballot, error) {
	if !answers[a.Answer] {
		return nil, invalid("answer", "bad_answer", "answer %q: want agree, disagree or other", a.Answer)
	}
	if a.Answer == "other" && clean(a.Comment) == "" {
		return nil, invalid("comment", "required", "an other opinion needs a comment")
	}
	login := userLogin(by)
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		b, err := loadBallot(ctx, tx, id)
		if err != nil {
			return err
		}
		if b.member(login) < 0 {
			return errs.Reasonf(errs.Forbidden, "not_member", "you are not a member of ballot %d", id)
		}
		if b.Status != "open" || !tx.Now.Before(b.Deadline) {
			return errs.Reasonf(errs.Conflict, "ballot_closed", "ballot %d closed at %s: answers can no longer be given or changed",
				id, b.Deadline.In(ict).Format("15:04 02/01/2006"))
		}
		_, err = tx.Exec(ctx, `UPDATE ballot_members SET answer = ?, comment = ?, answered_at = ? WHERE ballot_id = ? AND login = ?`,
			a.Answer, clean(a.Comment), tx.Now, id, login)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetBallot(ctx, by, id)
}

// PublishBallot tallies a ballot whose deadline has passed or whose members have all answered,
// and signs the record (PAdES). Publishing a published ballot returns it unchanged. by nil is the
// node's own background loop.
func (s *Service) PublishBallot(ctx context.Context, by *auth.Principal, id int64) (*Ballot, error) {
	return s.publish(ctx, by, id, true)
}

func (s *Service) publish(ctx context.Context, by *auth.Principal, id int64, sign bool) (*Ballot, error) {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		b, err := loadBallot(ctx, tx, id)
		if err != nil {
			return err
		}
		if by != nil && !organiser(by, b.Agency) {
			return errs.New(errs.Forbidden, "only leaders of %s publish ballot %d", b.Agency, id)
		}
		if b.Status == "published" {
			return nil
		}
		t := b.tally()
		if t.Unanswered > 0 && tx.Now.Before(b.Deadline) {
			return errs.Reasonf(errs.Conflict, "ballot_open", "ballot %d is open until %s and %d members have not answered",
				id, b.Deadline.In(ict).Format("15:04 02/01/2006"), t.Unanswered)
		}
		b.Tally = &t
		var record []byte
		if sign {
			if record, err = s.signPDF(ctx, b.Agency, "Kết quả lấy ý kiến thành viên", func() ([]byte, error) { return s.ballotPDF(b, tx.Now) }, tx.Now); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE ballots SET status = 'published', agree = ?, disagree = ?, other = ?, unanswered = ?,
			record_pdf = ?, published_at = ? WHERE id = ? AND status = 'open'`, t.Agree, t.Disagree, t.Other, t.Unanswered, record, tx.Now, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if by == nil {
		return nil, nil
	}
	return s.GetBallot(ctx, by, id)
}

// BallotPDF returns the signed record of a published ballot.
func (s *Service) BallotPDF(ctx context.Context, by *auth.Principal, id int64) ([]byte, error) {
	b, err := s.GetBallot(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if b.Status != "published" {
		return nil, errs.New(errs.NotFound, "ballot %d is not published yet", id)
	}
	var pdf []byte
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT record_pdf FROM ballots WHERE id = ?`, id).Scan(&pdf)
	})
	return pdf, err
}

// PublishDue publishes every open ballot whose deadline has passed; the node runs it periodically.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	var ids []int64
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM ballots WHERE status = 'open' AND deadline <= ?`, tx.Now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := s.publish(ctx, nil, id, true); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// Run publishes due ballots every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = s.PublishDue(ctx)
		}
	}
}
