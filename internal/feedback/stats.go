package feedback

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// StatsRow counts the items of one agency, one province or all, by where they stand now.
type StatsRow struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Province string `json:"province,omitempty"`
	Received int    `json:"received"`
	// InProgress items are open with their deadline not passed; DueSoon counts those of them due
	// within DueSoonDays working days. Overdue items are open past their deadline.
	InProgress int `json:"in_progress"`
	DueSoon    int `json:"due_soon"`
	Overdue    int `json:"overdue"`
	OnTime     int `json:"answered_on_time"`
	Late       int `json:"answered_late"`
	Rejected   int `json:"rejected"`
	Published  int `json:"published"`
}

// OnTimeRate is the share of answered items answered by their deadline, in percent (0 when none).
func (r StatsRow) OnTimeRate() float64 {
	if r.OnTime+r.Late == 0 {
		return 0
	}
	return 100 * float64(r.OnTime) / float64(r.OnTime+r.Late)
}

func (r *StatsRow) add(x StatsRow) {
	r.Received += x.Received
	r.InProgress += x.InProgress
	r.DueSoon += x.DueSoon
	r.Overdue += x.Overdue
	r.OnTime += x.OnTime
	r.Late += x.Late
	r.Rejected += x.Rejected
	r.Published += x.Published
}

// StatsQuery selects the items counted: those of an agency subtree (all when Agency is empty)
// received in [From, To) (any time when zero).
type StatsQuery struct {
	Agency   string
	From, To time.Time
}

// Report is the statistics of a StatsQuery at a moment: a total, a row per province (the agencies'
// level-1 roots) and a row per agency, those with the most overdue items first.
type Report struct {
	Agency    string     `json:"agency,omitempty"`
	From      *time.Time `json:"from,omitempty"`
	To        *time.Time `json:"to,omitempty"`
	At        time.Time  `json:"at"`
	Total     StatsRow   `json:"total"`
	Provinces []StatsRow `json:"provinces"`
	Agencies  []StatsRow `json:"agencies"`
}

// mayCount returns an error unless by may read aggregate counts: anyone holding a role somewhere
// (officers, leaders, viewers such as the Government Office's) and connected systems.
func mayCount(by *auth.Principal) error {
	switch {
	case by == nil:
		return errs.New(errs.Unauthorized, "please log in")
	case by.Kind == auth.KindClient || len(by.Grants) > 0:
		return nil
	}
	return errs.Reasonf(errs.Forbidden, "missing_role", "the feedback statistics are for officers")
}

// Stats counts items per agency and per province.
func (s *Service) Stats(ctx context.Context, by *auth.Principal, q StatsQuery) (*Report, error) {
	if err := mayCount(by); err != nil {
		return nil, err
	}
	now := s.now()
	soon := s.cal.AddWorkingDays(now, DueSoonDays).UTC()
	var where []string
	args := []any{now, now, soon, now}
	rep := &Report{Agency: strings.TrimSpace(q.Agency), At: now}
	if rep.Agency != "" {
		lo, hi, err := subtreeRange(rep.Agency)
		if err != nil {
			return nil, errs.Reasonf(errs.Invalid, "bad_agency_code", "%v", err)
		}
		where, args = append(where, "agency_key >= ?", "agency_key < ?"), append(args, lo, hi)
	}
	if !q.From.IsZero() {
		from := q.From.UTC()
		rep.From = &from
		where, args = append(where, "received_at >= ?"), append(args, from)
	}
	if !q.To.IsZero() {
		to := q.To.UTC()
		rep.To = &to
		where, args = append(where, "received_at < ?"), append(args, to)
	}
	if len(where) == 0 {
		where = append(where, "1 = 1")
	}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT agency_code, province_code, COUNT(*),
			SUM(CASE WHEN is_open = 1 AND due_at >= ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN is_open = 1 AND due_at < ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN is_open = 1 AND due_at <= ? AND due_at >= ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN answered_at IS NOT NULL AND answered_at <= due_at THEN 1 ELSE 0 END),
			SUM(CASE WHEN answered_at IS NOT NULL AND answered_at > due_at THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 'published' THEN 1 ELSE 0 END)
			FROM feedback_items WHERE `+strings.Join(where, " AND ")+`
			GROUP BY agency_code, province_code`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x StatsRow
			if err := rows.Scan(&x.Code, &x.Province, &x.Received, &x.InProgress, &x.Overdue, &x.DueSoon, &x.OnTime, &x.Late,
				&x.Rejected, &x.Published); err != nil {
				return err
			}
			rep.Agencies = append(rep.Agencies, x)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("feedback.Stats: %w", err)
	}
	byProvince := map[string]*StatsRow{}
	rep.Total = StatsRow{Code: rep.Agency, Name: s.agencies.Name(rep.Agency)}
	for i := range rep.Agencies {
		x := &rep.Agencies[i]
		x.Name = s.agencies.Name(x.Code)
		p := byProvince[x.Province]
		if p == nil {
			p = &StatsRow{Code: x.Province, Name: s.agencies.Name(x.Province)}
			byProvince[x.Province] = p
		}
		p.add(*x)
		rep.Total.add(*x)
	}
	for _, p := range byProvince {
		rep.Provinces = append(rep.Provinces, *p)
	}
	sortRows(rep.Provinces)
	sortRows(rep.Agencies)
	if rep.Provinces == nil {
		rep.Provinces = []StatsRow{}
	}
	if rep.Agencies == nil {
		rep.Agencies = []StatsRow{}
	}
	return rep, nil
}

// sortRows puts the rows with the most overdue items first, then the busiest, then by code.
func sortRows(rows []StatsRow) {
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Overdue != b.Overdue {
			return a.Overdue > b.Overdue
		}
		if a.Received != b.Received {
			return a.Received > b.Received
		}
		return a.Code < b.Code
	})
}
