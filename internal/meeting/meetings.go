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

var attendances = map[string]bool{"invited": true, "present": true, "remote": true, "absent": true, "delegated": true}

// Create convenes a meeting. Only the convening agency's leaders (or admins) may.
func (s *Service) Create(ctx context.Context, by *auth.Principal, nm NewMeeting) (*Meeting, error) {
	nm.Agency, nm.Title, nm.Kind = clean(nm.Agency), clean(nm.Title), clean(nm.Kind)
	if !s.agencies.Exists(ctx, nm.Agency) {
		return nil, invalid("agency", "unknown_agency", "unknown agency %q", nm.Agency)
	}
	if !organiser(by, nm.Agency) {
		return nil, errs.New(errs.Forbidden, "only leaders of %s convene its meetings", nm.Agency)
	}
	if id, err := s.byKey(ctx, "meetings", strings.TrimSpace(nm.IdempotencyKey)); err != nil || id != 0 {
		if err != nil {
			return nil, err
		}
		return s.Get(ctx, by, id)
	}
	if nm.Title == "" {
		return nil, invalid("title", "required", "the meeting needs a title")
	}
	if _, ok := kinds[nm.Kind]; !ok {
		return nil, invalid("kind", "bad_kind", "kind %q: want government_regular, government_thematic, provincial_committee or other", nm.Kind)
	}
	if nm.StartsAt.IsZero() {
		return nil, invalid("starts_at", "required", "the meeting needs a time")
	}
	items := make([]Item, len(nm.Items))
	for i, it := range nm.Items {
		f := "items[" + itoa(i) + "]"
		if clean(it.Title) == "" {
			return nil, invalid(f+".title", "required", "agenda item %d needs a title", i+1)
		}
		if it.PresenterAgency != "" && !s.agencies.Exists(ctx, it.PresenterAgency) {
			return nil, invalid(f+".presenter_agency", "unknown_agency", "agenda item %d: unknown agency %q", i+1, it.PresenterAgency)
		}
		ps, err := s.resolvePapers(ctx, by, f+".papers", it.Papers)
		if err != nil {
			return nil, err
		}
		items[i] = Item{Position: i + 1, Title: clean(it.Title), PresenterAgency: it.PresenterAgency, Papers: ps}
	}
	seen := map[string]bool{}
	for i, p := range nm.Participants {
		if clean(p.Login) == "" || seen[p.Login] {
			return nil, invalid("participants["+itoa(i)+"].login", "bad_participant", "participant %d: missing or repeated login", i+1)
		}
		seen[p.Login] = true
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO meetings (agency, title, kind, starts_at, place, chair, idempotency_key, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, nm.Agency, nm.Title, nm.Kind, nm.StartsAt.UTC(), clean(nm.Place),
			clean(nm.Chair), nullKey(nm.IdempotencyKey), by.Actor(), tx.Now).Scan(&id); err != nil {
			return err
		}
		for _, it := range items {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_items (meeting_id, position, title, presenter_agency) VALUES (?, ?, ?, ?)`,
				id, it.Position, it.Title, it.PresenterAgency); err != nil {
				return err
			}
			if err := insertPapers(ctx, tx, "meeting", id, it.Position, it.Papers); err != nil {
				return err
			}
		}
		for _, p := range nm.Participants {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_participants (meeting_id, login, agency) VALUES (?, ?, ?)`,
				id, clean(p.Login), p.Agency); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, by, id)
}

// Get returns a meeting to its organisers and participants.
func (s *Service) Get(ctx context.Context, by *auth.Principal, id int64) (*Meeting, error) {
	var m *Meeting
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		m, err = loadMeeting(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !s.canSee(by, m) {
		return nil, errs.New(errs.Forbidden, "meeting %d is for its organisers and participants", id)
	}
	return m, nil
}

func (s *Service) canSee(by *auth.Principal, m *Meeting) bool {
	if organiser(by, m.Agency) {
		return true
	}
	login := userLogin(by)
	for _, p := range m.Participants {
		if login != "" && (p.Login == login || p.Delegate == login) {
			return true
		}
	}
	return false
}

func loadMeeting(ctx context.Context, tx *db.Tx, id int64) (*Meeting, error) {
	m := &Meeting{ID: id}
	var signed sql.NullTime
	var made int
	err := tx.QueryRow(ctx, `SELECT agency, title, kind, starts_at, place, chair, minutes_text, minutes_status, signed_at,
		tasks_made, created_by, created_at FROM meetings WHERE id = ?`, id).Scan(&m.Agency, &m.Title, &m.Kind, &m.StartsAt,
		&m.Place, &m.Chair, &m.Minutes, &m.MinutesStatus, &signed, &made, &m.CreatedBy, &m.CreatedAt)
	if db.IsNoRows(err) {
		return nil, errs.New(errs.NotFound, "no meeting %d", id)
	} else if err != nil {
		return nil, err
	}
	m.KindName, m.TasksMade = kinds[m.Kind], made == 1
	m.StartsAt, m.CreatedAt = m.StartsAt.In(ict), m.CreatedAt.In(ict)
	if signed.Valid {
		t := signed.Time.In(ict)
		m.SignedAt = &t
	}
	papers, err := loadPapers(ctx, tx, "meeting", id)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT position, title, presenter_agency FROM meeting_items WHERE meeting_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	m.Items = []Item{}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.Position, &it.Title, &it.PresenterAgency); err != nil {
			rows.Close()
			return nil, err
		}
		it.Papers = papers[it.Position]
		m.Items = append(m.Items, it)
	}
	rows.Close()
	rows, err = tx.Query(ctx, `SELECT login, agency, attendance, delegate FROM meeting_participants WHERE meeting_id = ? ORDER BY login`, id)
	if err != nil {
		return nil, err
	}
	m.Participants = []Participant{}
	for rows.Next() {
		var p Participant
		if err := rows.Scan(&p.Login, &p.Agency, &p.Attendance, &p.Delegate); err != nil {
			rows.Close()
			return nil, err
		}
		m.Participants = append(m.Participants, p)
	}
	rows.Close()
	m.Conclusions, err = loadConclusions(ctx, tx, id)
	return m, err
}

func loadConclusions(ctx context.Context, tx *db.Tx, id int64) ([]Conclusion, error) {
	rows, err := tx.Query(ctx, `SELECT content, lead_agency, coordinating, deadline, ongoing, product, item_position, task_id
		FROM meeting_conclusions WHERE meeting_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Conclusion{}
	for rows.Next() {
		var c Conclusion
		var coord string
		var ongoing int
		if err := rows.Scan(&c.Content, &c.LeadAgency, &coord, &c.Deadline, &ongoing, &c.Product, &c.ItemPosition, &c.TaskID); err != nil {
			return nil, err
		}
		if coord != "" {
			c.Coordinating = strings.Split(coord, ",")
		}
		c.Ongoing = ongoing == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

// List returns the meetings the caller organises or attends, newest first.
func (s *Service) List(ctx context.Context, by *auth.Principal) ([]Meeting, error) {
	if userLogin(by) == "" || by.IsApplicant() {
		return nil, errs.New(errs.Forbidden, "meetings are for officers")
	}
	var out []Meeting
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, agency, title, kind, starts_at, place, minutes_status FROM meetings m
			ORDER BY starts_at DESC, id DESC LIMIT 500`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m Meeting
			if err := rows.Scan(&m.ID, &m.Agency, &m.Title, &m.Kind, &m.StartsAt, &m.Place, &m.MinutesStatus); err != nil {
				return err
			}
			m.KindName, m.StartsAt = kinds[m.Kind], m.StartsAt.In(ict)
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// Participants see meetings of other agencies too.
	mine := map[int64]bool{}
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT meeting_id FROM meeting_participants WHERE login = ? OR delegate = ?`, by.ID, by.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			mine[id] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	shown := out[:0]
	for _, m := range out {
		if organiser(by, m.Agency) || mine[m.ID] {
			shown = append(shown, m)
		}
	}
	return shown, nil
}

// Attendance records who came: present, remote, absent, or delegated to someone.
func (s *Service) SetAttendance(ctx context.Context, by *auth.Principal, id int64, p Participant) (*Meeting, error) {
	if !attendances[p.Attendance] || p.Attendance == "invited" {
		return nil, invalid("attendance", "bad_attendance", "attendance %q: want present, remote, absent or delegated", p.Attendance)
	}
	if (p.Attendance == "delegated") != (clean(p.Delegate) != "") {
		return nil, invalid("delegate", "bad_delegate", "a delegate is named exactly when the attendance is delegated")
	}
	err := s.organiserTx(ctx, by, id, func(tx *db.Tx, m *Meeting) error {
		res, err := tx.Exec(ctx, `UPDATE meeting_participants SET attendance = ?, delegate = ? WHERE meeting_id = ? AND login = ?`,
			p.Attendance, clean(p.Delegate), id, p.Login)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return invalid("login", "not_participant", "%q is not invited to meeting %d", p.Login, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, by, id)
}

// organiserTx loads the meeting in a write transaction and runs fn if by organises it.
func (s *Service) organiserTx(ctx context.Context, by *auth.Principal, id int64, fn func(*db.Tx, *Meeting) error) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		m, err := loadMeeting(ctx, tx, id)
		if err != nil {
			return err
		}
		if !organiser(by, m.Agency) {
			return errs.New(errs.Forbidden, "only leaders of %s run meeting %d", m.Agency, id)
		}
		return fn(tx, m)
	})
}

// DraftMinutes writes (or rewrites) the minutes; approved or signed minutes are final.
func (s *Service) DraftMinutes(ctx context.Context, by *auth.Principal, id int64, text string) (*Meeting, error) {
	if clean(text) == "" {
		return nil, invalid("minutes", "required", "the minutes are empty")
	}
	err := s.organiserTx(ctx, by, id, func(tx *db.Tx, m *Meeting) error {
		if m.MinutesStatus == "approved" || m.MinutesStatus == "signed" {
			return errs.Reasonf(errs.Conflict, "minutes_final", "the minutes of meeting %d are %s", id, m.MinutesStatus)
		}
		_, err := tx.Exec(ctx, `UPDATE meetings SET minutes_text = ?, minutes_status = 'drafted' WHERE id = ?`, text, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, by, id)
}

// ApproveMinutes fixes drafted minutes.
func (s *Service) ApproveMinutes(ctx context.Context, by *auth.Principal, id int64) (*Meeting, error) {
	err := s.organiserTx(ctx, by, id, func(tx *db.Tx, m *Meeting) error {
		if m.MinutesStatus != "drafted" {
			return errs.Reasonf(errs.Conflict, "minutes_not_drafted", "meeting %d has minutes %s, not drafted", id, m.MinutesStatus)
		}
		_, err := tx.Exec(ctx, `UPDATE meetings SET minutes_status = 'approved' WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, by, id)
}

// SignMinutes renders approved minutes to PDF and signs it (PAdES) with the agency's key.
// Signing signed minutes again returns them unchanged.
func (s *Service) SignMinutes(ctx context.Context, by *auth.Principal, id int64) (*Meeting, error) {
	m, err := s.Get(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if !organiser(by, m.Agency) {
		return nil, errs.New(errs.Forbidden, "only leaders of %s sign the minutes", m.Agency)
	}
	if m.MinutesStatus == "signed" {
		return m, nil
	}
	if m.MinutesStatus != "approved" {
		return nil, errs.Reasonf(errs.Conflict, "minutes_not_approved", "meeting %d has minutes %s, not approved", id, m.MinutesStatus)
	}
	now := s.db.Now().UTC()
	signed, err := s.signPDF(ctx, m.Agency, "Biên bản cuộc họp", func() ([]byte, error) { return s.minutesPDF(m, now) }, now)
	if err != nil {
		return nil, err
	}
	err = s.organiserTx(ctx, by, id, func(tx *db.Tx, cur *Meeting) error {
		if cur.MinutesStatus != "approved" {
			return errs.Reasonf(errs.Conflict, "minutes_changed", "the minutes of meeting %d changed while signing", id)
		}
		_, err := tx.Exec(ctx, `UPDATE meetings SET minutes_status = 'signed', minutes_pdf = ?, signed_at = ? WHERE id = ?`, signed, now, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, by, id)
}

// MinutesPDF returns the signed minutes.
func (s *Service) MinutesPDF(ctx context.Context, by *auth.Principal, id int64) ([]byte, error) {
	if _, err := s.Get(ctx, by, id); err != nil {
		return nil, err
	}
	var b []byte
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT minutes_pdf FROM meetings WHERE id = ?`, id).Scan(&b)
	})
	if err == nil && len(b) == 0 {
		err = errs.New(errs.NotFound, "the minutes of meeting %d are not signed yet", id)
	}
	return b, err
}

// SetConclusions replaces the conclusions; once tasks are made they are final.
func (s *Service) SetConclusions(ctx context.Context, by *auth.Principal, id int64, cs []Conclusion) (*Meeting, error) {
	for i, c := range cs {
		f := "conclusions[" + itoa(i) + "]"
		if clean(c.Content) == "" {
			return nil, invalid(f+".content", "required", "conclusion %d is empty", i+1)
		}
		if !s.agencies.Exists(ctx, c.LeadAgency) {
			return nil, invalid(f+".lead_agency", "unknown_agency", "conclusion %d: unknown lead agency %q", i+1, c.LeadAgency)
		}
		for _, a := range c.Coordinating {
			if !s.agencies.Exists(ctx, a) || strings.Contains(a, ",") {
				return nil, invalid(f+".coordinating", "unknown_agency", "conclusion %d: unknown coordinating agency %q", i+1, a)
			}
		}
		if c.Ongoing == (c.Deadline != "") {
			return nil, invalid(f+".deadline", "bad_deadline", "conclusion %d: give a deadline or mark it ongoing, not both", i+1)
		}
		if c.Deadline != "" {
			if _, err := time.Parse("2006-01-02", c.Deadline); err != nil {
				return nil, invalid(f+".deadline", "bad_deadline", "conclusion %d: deadline %q is not YYYY-MM-DD", i+1, c.Deadline)
			}
		}
	}
	err := s.organiserTx(ctx, by, id, func(tx *db.Tx, m *Meeting) error {
		if m.TasksMade {
			return errs.Reasonf(errs.Conflict, "tasks_made", "the conclusions of meeting %d already became tasks", id)
		}
		for i, c := range cs {
			if c.ItemPosition < 0 || c.ItemPosition > len(m.Items) {
				return invalid("conclusions["+itoa(i)+"].item_position", "bad_item", "conclusion %d: no agenda item %d", i+1, c.ItemPosition)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM meeting_conclusions WHERE meeting_id = ?`, id); err != nil {
			return err
		}
		for i, c := range cs {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_conclusions (meeting_id, position, content, lead_agency, coordinating,
				deadline, ongoing, product, item_position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i+1, clean(c.Content), c.LeadAgency,
				strings.Join(c.Coordinating, ","), c.Deadline, b2i(c.Ongoing), clean(c.Product), c.ItemPosition); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, by, id)
}

// MakeTasks hands all conclusions to the task hook in one call and links the returned task ids.
// Once done, calling again returns the meeting without calling the hook. The hook runs outside
// the transaction (it writes through its own service); it gets the meeting id to stay idempotent
// should two calls race.
func (s *Service) MakeTasks(ctx context.Context, by *auth.Principal, id int64) (*Meeting, error) {
	m, err := s.Get(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if !organiser(by, m.Agency) {
		return nil, errs.New(errs.Forbidden, "only leaders of %s turn conclusions into tasks", m.Agency)
	}
	if m.TasksMade {
		return m, nil
	}
	if len(m.Conclusions) == 0 {
		return nil, errs.Reasonf(errs.Conflict, "no_conclusions", "meeting %d has no conclusions", id)
	}
	if s.opt.CreateTasks == nil {
		return nil, errs.New(errs.Unavailable, "tasks cannot be created: the task module is not wired")
	}
	ids, err := s.opt.CreateTasks(ctx, by, id, m.Conclusions)
	if err != nil {
		return nil, err
	}
	if len(ids) != len(m.Conclusions) {
		return nil, errs.New(errs.Internal, "the task module returned %d ids for %d conclusions", len(ids), len(m.Conclusions))
	}
	err = s.organiserTx(ctx, by, id, func(tx *db.Tx, cur *Meeting) error {
		if cur.TasksMade {
			return nil
		}
		for i, tid := range ids {
			if _, err := tx.Exec(ctx, `UPDATE meeting_conclusions SET task_id = ? WHERE meeting_id = ? AND position = ?`, tid, id, i+1); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE meetings SET tasks_made = 1 WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, by, id)
}
