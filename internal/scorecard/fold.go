package scorecard

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/vn"
)

// The refresher folds the event tables into the count tables. Each source table is read by its
// increasing id from the stored cursor, a chunk at a time; the counts and the new cursor are written
// in one transaction, so a crash or a second node folding at the same time never counts a row twice
// (the cursor update is conditional on the old value). Facts that change later (a dossier processed
// late) are counted when their event happens, never by re-reading rows.

// Built-in counted indicators (the per-level ones carry "@level" in the province table only).
const (
	cSent        = "axis_sent"
	cReceived    = "axis_received"
	cIssued      = "office_issued"
	cSigned      = "office_signed"
	cFilesClosed = "office_files_closed"
	cFilesElec   = "office_files_electronic"
	cDosReceived = "dossier_received"
	cDosOnline   = "dossier_online"
	cDosOnTime   = "dossier_on_time"
	cDosLate     = "dossier_late"
)

type countKey struct {
	province, month, agency, indicator string
}

// deltas collects the increments of one chunk.
type deltas map[countKey]int64

// add counts n for an agency in the month of at, and in its province's total; levelled indicators
// also get a per-level province figure.
func (s *Service) add(d deltas, agencyCode string, at time.Time, indicator string, n int64, levelled bool) {
	c, err := vn.ParseAgencyCode(agencyCode)
	if err != nil {
		return // not an identifier code: nothing to attribute it to
	}
	prov := c.RootCode().String()
	month := at.In(ict).Format("2006-01")
	d[countKey{prov, month, agencyCode, indicator}] += n
	d[countKey{prov, month, "", indicator}] += n
	if levelled {
		lv := "unknown"
		if a, ok := s.reg.Index().Get(agencyCode); ok && a.Level != "" {
			lv = string(a.Level)
		}
		d[countKey{prov, month, "", indicator + "@" + lv}] += n
	}
}

func (d deltas) write(ctx context.Context, tx *db.Tx) error {
	for k, n := range d {
		if n == 0 {
			continue
		}
		var err error
		if k.agency == "" {
			_, err = tx.Exec(ctx, `INSERT INTO scorecard_province (month, province_code, indicator, value) VALUES (?, ?, ?, ?)
				ON CONFLICT (month, province_code, indicator) DO UPDATE SET value = scorecard_province.value + excluded.value`,
				k.month, k.province, k.indicator, n)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO scorecard_agency (province_code, month, agency_code, indicator, value) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (province_code, month, agency_code, indicator) DO UPDATE SET value = scorecard_agency.value + excluded.value`,
				k.province, k.month, k.agency, k.indicator, n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// feed is one source table tailed by id.
type feed struct {
	name  string
	table string
	// at is the table's time column, for the settling delay.
	at string
	// fold reads the rows with lo < id <= hi (at most limit of them) and returns the last id it
	// looked at, or hi when it read fewer than limit.
	fold func(s *Service, ctx context.Context, tx *db.Tx, lo, hi int64, limit int, d deltas) (int64, error)
}

var feeds = []feed{
	{name: "axis", table: "axis_deliveries", at: "created_at", fold: (*Service).foldAxis},
	{name: "dossier", table: "dossier_events", at: "at", fold: (*Service).foldDossiers},
	{name: "office", table: "office_events", at: "at", fold: (*Service).foldOffice},
}

// Refresh folds every source until it is caught up and returns how far the cursors moved (in
// ids). When nothing is new it only reads: a scorecard read does not queue behind writers.
func (s *Service) Refresh(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	behind, err := s.behind(ctx)
	if err != nil {
		return 0, fmt.Errorf("scorecard: %w", err)
	}
	var total int64
	for _, f := range feeds {
		if !behind[f.name] {
			continue
		}
		for {
			n, done, err := s.foldChunk(ctx, f)
			total += n
			if err != nil {
				return total, fmt.Errorf("scorecard: folding %s: %w", f.name, err)
			}
			if done {
				break
			}
		}
	}
	return total, nil
}

// behind reports which feeds have rows past their cursor, in one read transaction.
func (s *Service) behind(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		for _, f := range feeds {
			var last sql.NullInt64
			if err := tx.QueryRow(ctx, `SELECT last_id FROM scorecard_cursors WHERE source = ?`, f.name).Scan(&last); err != nil && err != sql.ErrNoRows {
				return err
			}
			var hi sql.NullInt64
			if err := tx.QueryRow(ctx, `SELECT MAX(id) FROM `+f.table).Scan(&hi); err != nil {
				return err
			}
			out[f.name] = hi.Int64 > last.Int64
		}
		return nil
	})
	return out, err
}

// foldChunk folds one chunk of a feed in one transaction.
func (s *Service) foldChunk(ctx context.Context, f feed) (n int64, done bool, err error) {
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		n, done = 0, false
		var lo int64
		err := tx.QueryRow(ctx, `SELECT last_id FROM scorecard_cursors WHERE source = ?`, f.name).Scan(&lo)
		if err == sql.ErrNoRows {
			if _, err := tx.Exec(ctx, `INSERT INTO scorecard_cursors (source, last_id, updated_at) VALUES (?, 0, ?)`, f.name, tx.Now); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		// On PostgreSQL a row with a lower id can commit after one with a higher id; folding only
		// rows older than the settling delay keeps the cursor from passing a row still in flight.
		var hi sql.NullInt64
		q, args := `SELECT MAX(id) FROM `+f.table, []any{}
		if s.opt.Settle > 0 {
			q, args = q+` WHERE `+f.at+` <= ?`, append(args, s.opt.Now().Add(-s.opt.Settle).UTC())
		}
		if err := tx.QueryRow(ctx, q, args...).Scan(&hi); err != nil {
			return err
		}
		top := hi.Int64
		if top > lo+int64(s.opt.Chunk)*4 {
			top = lo + int64(s.opt.Chunk)*4 // bounds a chunk even when few rows match
		}
		if top <= lo {
			done = true
			return nil
		}
		d := deltas{}
		last, err := f.fold(s, ctx, tx, lo, top, s.opt.Chunk, d)
		if err != nil {
			return err
		}
		if err := d.write(ctx, tx); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE scorecard_cursors SET last_id = ?, updated_at = ? WHERE source = ? AND last_id = ?`, last, tx.Now, f.name, lo)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errRaced
		}
		n = last - lo
		done = last >= hi.Int64
		return nil
	})
	if err == errRaced {
		return 0, true, nil // another node folded this chunk; its counts stand
	}
	return n, done, err
}

var errRaced = fmt.Errorf("scorecard: cursor moved under us")

func (s *Service) foldAxis(ctx context.Context, tx *db.Tx, lo, hi int64, limit int, d deltas) (int64, error) {
	// A document is sent once however many recipients it has: count it at its first delivery.
	rows, err := tx.Query(ctx, `SELECT l.id, l.recipient_code, l.created_at, d.sender_code,
		CASE WHEN EXISTS (SELECT 1 FROM axis_deliveries e WHERE e.document = l.document AND e.id < l.id) THEN 0 ELSE 1 END
		FROM axis_deliveries l JOIN axis_documents d ON d.id = l.document
		WHERE l.id > ? AND l.id <= ? ORDER BY l.id LIMIT ?`, lo, hi, limit)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	last, count := lo, 0
	for rows.Next() {
		var id int64
		var recipient, sender string
		var at time.Time
		var first int64
		if err := rows.Scan(&id, &recipient, &at, &sender, &first); err != nil {
			return 0, err
		}
		last, count = id, count+1
		s.add(d, recipient, at, cReceived, 1, false)
		if first == 1 {
			s.add(d, sender, at, cSent, 1, false)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if count < limit {
		last = hi
	}
	return last, nil
}

func (s *Service) foldDossiers(ctx context.Context, tx *db.Tx, lo, hi int64, limit int, d deltas) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT e.id, e.at, e.action, d.agency_code, d.channel, d.due_at
		FROM dossier_events e JOIN dossiers d ON d.code = e.dossier_code
		WHERE e.id > ? AND e.id <= ? AND (e.action = 'submit' OR (e.to_status = 9 AND e.from_status <> 9))
		ORDER BY e.id LIMIT ?`, lo, hi, limit)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	last, count := lo, 0
	for rows.Next() {
		var id int64
		var at time.Time
		var action, agencyCode, channel string
		var due sql.NullTime
		if err := rows.Scan(&id, &at, &action, &agencyCode, &channel, &due); err != nil {
			return 0, err
		}
		last, count = id, count+1
		if action == "submit" {
			s.add(d, agencyCode, at, cDosReceived, 1, false)
			if channel == "online" {
				s.add(d, agencyCode, at, cDosOnline, 1, false)
			}
			continue
		}
		if !due.Valid || !at.After(due.Time) {
			s.add(d, agencyCode, at, cDosOnTime, 1, false)
		} else {
			s.add(d, agencyCode, at, cDosLate, 1, false)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if count < limit {
		last = hi
	}
	return last, nil
}

type officeEvent struct {
	id      int64
	at      time.Time
	kind    string
	owner   int64
	reopen  bool
	isIssue bool
}

func (s *Service) foldOffice(ctx context.Context, tx *db.Tx, lo, hi int64, limit int, d deltas) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT id, at, owner_kind, owner_id, action, from_state, to_state FROM office_events
		WHERE id > ? AND id <= ? AND ((owner_kind = 'outgoing' AND action = 'issue')
			OR (owner_kind = 'file' AND (to_state = 'closed' OR (from_state = 'closed' AND to_state = 'open'))))
		ORDER BY id LIMIT ?`, lo, hi, limit)
	if err != nil {
		return 0, err
	}
	var evs []officeEvent
	for rows.Next() {
		var e officeEvent
		var action, from, to string
		if err := rows.Scan(&e.id, &e.at, &e.kind, &e.owner, &action, &from, &to); err != nil {
			rows.Close()
			return 0, err
		}
		e.isIssue = e.kind == "outgoing"
		e.reopen = e.kind == "file" && to == "open"
		evs = append(evs, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, e := range evs {
		if e.isIssue {
			var code, method string
			var signed bool
			if err := tx.QueryRow(ctx, `SELECT agency_code, signed, signature_method FROM office_outgoing WHERE id = ?`, e.owner).Scan(&code, &signed, &method); err != nil {
				return 0, err
			}
			s.add(d, code, e.at, cIssued, 1, false)
			if signed && method == "digital" {
				s.add(d, code, e.at, cSigned, 1, false)
			}
			continue
		}
		// A file counts when closed, as electronic when every document in it was handled
		// electronically (the office package's own rule); reopening takes it back out.
		var code string
		var items, electronic int64
		if err := tx.QueryRow(ctx, `SELECT f.agency_code, COUNT(i.doc_id), COALESCE(SUM(`+electronicItem+`), 0)
			FROM office_files f
			LEFT JOIN office_file_items i ON i.file_id = f.id
			LEFT JOIN office_outgoing o ON i.kind = 'outgoing' AND o.id = i.doc_id
			LEFT JOIN office_incoming n ON i.kind = 'incoming' AND n.id = i.doc_id
			WHERE f.id = ? GROUP BY f.agency_code`, e.owner).Scan(&code, &items, &electronic); err != nil {
			return 0, err
		}
		if items == 0 {
			continue // the office package leaves empty files out of its rate too
		}
		sign := int64(1)
		if e.reopen {
			sign = -1
		}
		s.add(d, code, e.at, cFilesClosed, sign, true)
		if electronic == items {
			s.add(d, code, e.at, cFilesElec, sign, true)
		}
	}
	last := lo
	if len(evs) > 0 {
		last = evs[len(evs)-1].id
	}
	if len(evs) < limit {
		last = hi
	}
	return last, nil
}

// electronicItem mirrors internal/office's rule: an outgoing document signed digitally, an incoming
// one received through the axis.
const electronicItem = `CASE WHEN (i.kind = 'outgoing' AND o.signed AND o.signature_method = 'digital') OR (i.kind = 'incoming' AND n.source = 'axis') THEN 1 ELSE 0 END`
