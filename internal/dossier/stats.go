package dossier

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// StatsRow counts one agency's dossiers received in a period by where they stand now.
type StatsRow struct {
	Agency     string `json:"agency"`
	AgencyName string `json:"agency_name"`
	Received   int    `json:"received"`
	Online     int    `json:"online"`
	Waiting    int    `json:"waiting"`     // 1: not yet accepted
	InProgress int    `json:"in_progress"` // running, appointment not passed
	Overdue    int    `json:"overdue"`     // running, appointment passed
	OnTime     int    `json:"on_time"`     // processed by the appointment
	Late       int    `json:"late"`        // processed after it
	Refused    int    `json:"refused"`     // 3
	Withdrawn  int    `json:"withdrawn"`   // 7 and 8
	Rated      int    `json:"rated"`
	RatingSum  int    `json:"rating_sum"`
}

// OnTimeRate is the share of processed dossiers settled by their appointment, in percent (0 when none).
func (r StatsRow) OnTimeRate() float64 {
	if r.OnTime+r.Late == 0 {
		return 0
	}
	return 100 * float64(r.OnTime) / float64(r.OnTime+r.Late)
}

// AverageRating is the mean satisfaction score, or 0 when nobody rated.
func (r StatsRow) AverageRating() float64 {
	if r.Rated == 0 {
		return 0
	}
	return float64(r.RatingSum) / float64(r.Rated)
}

// Stats counts the dossiers of an agency's subtree received in [from, to), per receiving agency,
// with a total row first.
func (s *Service) Stats(ctx context.Context, by *auth.Principal, agency string, from, to time.Time) ([]StatsRow, error) {
	if err := s.MayView(by, agency); err != nil {
		return nil, err
	}
	pat, err := subtreePattern(agency)
	if err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_agency_code", "%v", err)
	}
	now := s.db.Now().UTC()
	var rows []StatsRow
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		r, err := tx.Query(ctx, `SELECT agency_code, COUNT(*),
			SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 1 THEN 1 ELSE 0 END),
			SUM(CASE WHEN status IN (2, 4, 5, 6) AND due_at >= ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN status IN (2, 4, 5, 6) AND due_at < ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN processed_at IS NOT NULL AND processed_at <= due_at THEN 1 ELSE 0 END),
			SUM(CASE WHEN processed_at IS NOT NULL AND processed_at > due_at THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 3 THEN 1 ELSE 0 END),
			SUM(CASE WHEN status IN (7, 8) THEN 1 ELSE 0 END),
			SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END),
			COALESCE(SUM(rating), 0)
			FROM dossiers WHERE agency_code LIKE ? AND submitted_at >= ? AND submitted_at < ?
			GROUP BY agency_code`, now, now, pat, from.UTC(), to.UTC())
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
			var x StatsRow
			if err := r.Scan(&x.Agency, &x.Received, &x.Online, &x.Waiting, &x.InProgress, &x.Overdue, &x.OnTime, &x.Late,
				&x.Refused, &x.Withdrawn, &x.Rated, &x.RatingSum); err != nil {
				return err
			}
			x.AgencyName = s.agencies.Name(x.Agency)
			rows = append(rows, x)
		}
		return r.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.Stats(%s): %w", agency, err)
	}
	sort.Slice(rows, func(i, j int) bool {
		return rows[i].Received > rows[j].Received || rows[i].Received == rows[j].Received && rows[i].Agency < rows[j].Agency
	})
	total := StatsRow{Agency: agency, AgencyName: s.agencies.Name(agency)}
	for _, x := range rows {
		total.Received += x.Received
		total.Online += x.Online
		total.Waiting += x.Waiting
		total.InProgress += x.InProgress
		total.Overdue += x.Overdue
		total.OnTime += x.OnTime
		total.Late += x.Late
		total.Refused += x.Refused
		total.Withdrawn += x.Withdrawn
		total.Rated += x.Rated
		total.RatingSum += x.RatingSum
	}
	return append([]StatsRow{total}, rows...), nil
}
