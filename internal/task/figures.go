package task

import (
	"context"
	"sort"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Period selects months 'YYYY-MM' (inclusive); empty bounds are open. Assigned counts tasks by
// assignment month and completed ones by completion month; in progress and overdue are as of today.
type Period struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

func (p Period) bounds() (string, string) {
	from, to := p.From, p.To
	if to == "" {
		to = "9999-12"
	}
	return from, to
}

// Figure is one line of figures.
type Figure struct {
	Key        string  `json:"key"` // agency code, province code or authority code
	Assigned   int     `json:"assigned"`
	OnTime     int     `json:"on_time"`
	Late       int     `json:"late"`
	InProgress int     `json:"in_progress"`     // open, within deadline (incl. regular tasks)
	Overdue    int     `json:"overdue"`         // open, past deadline
	Rate       float64 `json:"completion_rate"` // completed / (completed + open), percent
	Share      float64 `json:"share"`           // assigned / all assigned, percent
}

// Figures holds the cells (agency × authority) and their totals.
type Figures struct {
	Today string                `json:"today"`
	Cells map[[2]string]*Figure `json:"-"`
	Total Figure                `json:"total"`
}

func (f *Figures) cell(agency, authority string) *Figure {
	k := [2]string{agency, authority}
	c := f.Cells[k]
	if c == nil {
		c = &Figure{Key: agency}
		f.Cells[k] = c
	}
	return c
}

// By rolls the cells up by "agency", "province" or "authority", sorted by key, and fills rates and
// shares. A filter on authority ("" = all) applies first.
func (f *Figures) By(dim, authority string) []Figure {
	m := map[string]*Figure{}
	for k, c := range f.Cells {
		if authority != "" && k[1] != authority {
			continue
		}
		key := k[0]
		switch dim {
		case "province":
			if ac, err := vn.ParseAgencyCode(k[0]); err == nil {
				key = ac.RootCode().String()
			}
		case "authority":
			key = k[1]
		}
		g := m[key]
		if g == nil {
			g = &Figure{Key: key}
			m[key] = g
		}
		g.Assigned += c.Assigned
		g.OnTime += c.OnTime
		g.Late += c.Late
		g.InProgress += c.InProgress
		g.Overdue += c.Overdue
	}
	out := make([]Figure, 0, len(m))
	for _, g := range m {
		g.finish(f.Total.Assigned)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (g *Figure) finish(all int) {
	done := g.OnTime + g.Late
	if n := done + g.InProgress + g.Overdue; n > 0 {
		g.Rate = float64(done) * 100 / float64(n)
	}
	if all > 0 {
		g.Share = float64(g.Assigned) * 100 / float64(all)
	}
}

// Figures reads the aggregate tables (never the tasks): per lead agency and authority. Any signed-in
// officer or viewer may read figures; applicants may not.
func (s *Service) Figures(ctx context.Context, p *auth.Principal, per Period) (*Figures, error) {
	if p == nil {
		return nil, errs.New(errs.Unauthorized, "please log in")
	}
	if p.IsApplicant() {
		return nil, errs.New(errs.Forbidden, "figures are for agencies")
	}
	return s.figures(ctx, per)
}

func (s *Service) figures(ctx context.Context, per Period) (*Figures, error) {
	today := s.today()
	from, to := per.bounds()
	f := &Figures{Today: today, Cells: map[[2]string]*Figure{}}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT agency_code, authority, SUM(n) FROM task_count_assigned
			WHERE month >= ? AND month <= ? GROUP BY agency_code, authority`, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a, au string
			var n int
			if err := rows.Scan(&a, &au, &n); err != nil {
				rows.Close()
				return err
			}
			f.cell(a, au).Assigned += n
		}
		rows.Close()
		rows, err = tx.Query(ctx, `SELECT agency_code, authority, SUM(on_time), SUM(late) FROM task_count_done
			WHERE month >= ? AND month <= ? GROUP BY agency_code, authority`, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a, au string
			var on, late int
			if err := rows.Scan(&a, &au, &on, &late); err != nil {
				rows.Close()
				return err
			}
			c := f.cell(a, au)
			c.OnTime += on
			c.Late += late
		}
		rows.Close()
		rows, err = tx.Query(ctx, `SELECT agency_code, authority,
			SUM(CASE WHEN deadline <> '' AND deadline < ? THEN n ELSE 0 END), SUM(n)
			FROM task_count_open GROUP BY agency_code, authority`, today)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, au string
			var over, all int
			if err := rows.Scan(&a, &au, &over, &all); err != nil {
				return err
			}
			c := f.cell(a, au)
			c.Overdue += over
			c.InProgress += all - over
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	for k, c := range f.Cells {
		if c.Assigned+c.OnTime+c.Late+c.InProgress+c.Overdue == 0 {
			delete(f.Cells, k)
			continue
		}
		f.Total.Assigned += c.Assigned
		f.Total.OnTime += c.OnTime
		f.Total.Late += c.Late
		f.Total.InProgress += c.InProgress
		f.Total.Overdue += c.Overdue
	}
	f.Total.Key = "*"
	f.Total.finish(f.Total.Assigned)
	return f, nil
}

// ScorecardRow is a province's line for the scorecard.
type ScorecardRow struct {
	Province   string `json:"province"`
	Assigned   int    `json:"assigned"`
	OnTime     int    `json:"on_time"`
	Late       int    `json:"late"`
	InProgress int    `json:"in_progress"`
	Overdue    int    `json:"overdue"`
}

// ProvinceFigures is what the scorecard calls: per province (agency subtree root), for the period.
func (s *Service) ProvinceFigures(ctx context.Context, per Period) ([]ScorecardRow, error) {
	f, err := s.figures(ctx, per)
	if err != nil {
		return nil, err
	}
	var out []ScorecardRow
	for _, g := range f.By("province", "") {
		out = append(out, ScorecardRow{Province: g.Key, Assigned: g.Assigned, OnTime: g.OnTime, Late: g.Late,
			InProgress: g.InProgress, Overdue: g.Overdue})
	}
	return out, nil
}

// scanFigures computes the same cells from the tasks themselves; tests compare it with figures.
func (s *Service) scanFigures(ctx context.Context, per Period) (*Figures, error) {
	today := s.today()
	from, to := per.bounds()
	f := &Figures{Today: today, Cells: map[[2]string]*Figure{}}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT lead_agency, authority, assigned_on, deadline, state, completed_on FROM tasks`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, au, on, dl, st, co string
			if err := rows.Scan(&a, &au, &on, &dl, &st, &co); err != nil {
				return err
			}
			c := f.cell(a, au)
			if on[:7] >= from && on[:7] <= to {
				c.Assigned++
			}
			switch derive(st, dl, co, today) {
			case OnTime, Late:
				if st == "submitted" { // reported, not yet accepted: still open
					if dl != "" && dl < today {
						c.Overdue++
					} else {
						c.InProgress++
					}
				} else if co[:7] >= from && co[:7] <= to {
					if derive(st, dl, co, today) == Late {
						c.Late++
					} else {
						c.OnTime++
					}
				}
			case Overdue:
				c.Overdue++
			case InProgress:
				c.InProgress++
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	for k, c := range f.Cells {
		if c.Assigned+c.OnTime+c.Late+c.InProgress+c.Overdue == 0 {
			delete(f.Cells, k)
		}
	}
	return f, nil
}

// Rebuild recomputes the aggregate tables from the tasks (for repair after a bulk load); normal
// operation keeps them current in each change's transaction.
func (s *Service) Rebuild(ctx context.Context) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		for _, q := range []string{
			`DELETE FROM task_count_assigned`, `DELETE FROM task_count_open`, `DELETE FROM task_count_done`,
			`INSERT INTO task_count_assigned (agency_code, authority, month, n)
				SELECT lead_agency, authority, substr(assigned_on, 1, 7), COUNT(*) FROM tasks
				GROUP BY lead_agency, authority, substr(assigned_on, 1, 7)`,
			`INSERT INTO task_count_open (agency_code, authority, deadline, n)
				SELECT lead_agency, authority, deadline, COUNT(*) FROM tasks WHERE state IN ('open', 'submitted')
				GROUP BY lead_agency, authority, deadline`,
			`INSERT INTO task_count_done (agency_code, authority, month, on_time, late)
				SELECT lead_agency, authority, substr(completed_on, 1, 7),
					SUM(CASE WHEN deadline = '' OR completed_on <= deadline THEN 1 ELSE 0 END),
					SUM(CASE WHEN deadline <> '' AND completed_on > deadline THEN 1 ELSE 0 END)
				FROM tasks WHERE state = 'done' GROUP BY lead_agency, authority, substr(completed_on, 1, 7)`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}
