package office

import (
	"context"
	"sort"
	"strings"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// SignatureFigure is, for a group of agencies and a year, how many outgoing documents were issued
// and how many of them carry a digital signature on their PDF, and how many leaders hold a
// registered personal certificate valid today.
type SignatureFigure struct {
	Agency   string       `json:"agency,omitempty"`
	Name     string       `json:"name,omitempty"`
	Province string       `json:"province,omitempty"`
	Level    agency.Level `json:"level,omitempty"`
	Issued   int          `json:"issued"`
	Signed   int          `json:"signed"`
	// Percent is 100 × Signed / Issued, rounded to one decimal; 0 when nothing was issued.
	Percent float64 `json:"percent"`
	// Leaders counts leaders with a personal certificate registered, not revoked and not expired.
	Leaders int `json:"leaders_with_signature"`
}

// SignatureReport gives the figures per agency, per administrative level and per province and level.
type SignatureReport struct {
	Scope     string            `json:"scope"`
	Year      int               `json:"year"`
	Agencies  []SignatureFigure `json:"agencies"`
	Levels    []SignatureFigure `json:"levels"`
	Provinces []SignatureFigure `json:"provinces"`
}

func (f *SignatureFigure) add(o SignatureFigure) {
	f.Issued, f.Signed, f.Leaders = f.Issued+o.Issued, f.Signed+o.Signed, f.Leaders+o.Leaders
}

func (f *SignatureFigure) finish() {
	if f.Issued > 0 {
		f.Percent = float64(int(float64(f.Signed)*1000/float64(f.Issued)+0.5)) / 10
	}
}

// SignatureFigures computes the figures of a year for the agencies in scope's subtree ("*" for
// all); the scorecard calls it as well as the rates page.
func (s *Service) SignatureFigures(ctx context.Context, by *auth.Principal, scope string, year int) (*SignatureReport, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	scope = strings.TrimSpace(scope)
	if scope == "" {
		return nil, errs.Reasonf(errs.Invalid, "agency_required", "say which agency subtree (scope)")
	}
	if !mayView(by, scope) {
		return nil, notYourAgency(by, scope, "see the figures")
	}
	now := s.db.Now()
	if year == 0 {
		year = now.In(s.cal.Location()).Year()
	}
	per := map[string]*SignatureFigure{}
	get := func(code string) *SignatureFigure {
		if per[code] == nil {
			per[code] = &SignatureFigure{Agency: code}
		}
		return per[code]
	}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT o.agency_code, COUNT(*), COUNT(p.outgoing_id) FROM office_outgoing o
			LEFT JOIN office_signed_pdfs p ON p.outgoing_id = o.id
			WHERE o.issued_at IS NOT NULL AND o.year = ? GROUP BY o.agency_code`, year)
		if err != nil {
			return err
		}
		for rows.Next() {
			var code string
			var issued, signed int
			if err := rows.Scan(&code, &issued, &signed); err != nil {
				rows.Close()
				return err
			}
			if auth.ScopeCovers(scope, code) {
				f := get(code)
				f.Issued, f.Signed = issued, signed
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT agency_code, COUNT(*) FROM office_signing_keys
			WHERE revoked_at IS NULL AND not_before <= ? AND not_after > ? GROUP BY agency_code`, now.UTC(), now.UTC())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var n int
			if err := rows.Scan(&code, &n); err != nil {
				return err
			}
			if auth.ScopeCovers(scope, code) {
				get(code).Leaders = n
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	rep := &SignatureReport{Scope: scope, Year: year, Agencies: []SignatureFigure{}, Levels: []SignatureFigure{}, Provinces: []SignatureFigure{}}
	levels := map[agency.Level]*SignatureFigure{}
	provinces := map[[2]string]*SignatureFigure{}
	ix := s.reg.Index()
	for code, f := range per {
		if a, ok := ix.Get(code); ok {
			f.Name, f.Level = a.Name, a.Level
		}
		if c, err := vn.ParseAgencyCode(code); err == nil {
			f.Province = c.RootCode().String()
		}
		f.finish()
		rep.Agencies = append(rep.Agencies, *f)
		if levels[f.Level] == nil {
			levels[f.Level] = &SignatureFigure{Level: f.Level}
		}
		levels[f.Level].add(*f)
		pk := [2]string{f.Province, string(f.Level)}
		if provinces[pk] == nil {
			provinces[pk] = &SignatureFigure{Province: f.Province, Level: f.Level}
			if a, ok := ix.Get(f.Province); ok {
				provinces[pk].Name = a.Name
			}
		}
		provinces[pk].add(*f)
	}
	sort.Slice(rep.Agencies, func(i, j int) bool { return rep.Agencies[i].Agency < rep.Agencies[j].Agency })
	order := map[agency.Level]int{}
	for i, l := range agency.Levels {
		order[l] = i + 1
	}
	for _, f := range levels {
		f.finish()
		rep.Levels = append(rep.Levels, *f)
	}
	sort.Slice(rep.Levels, func(i, j int) bool { return order[rep.Levels[i].Level] < order[rep.Levels[j].Level] })
	for _, f := range provinces {
		f.finish()
		rep.Provinces = append(rep.Provinces, *f)
	}
	sort.Slice(rep.Provinces, func(i, j int) bool {
		a, b := rep.Provinces[i], rep.Provinces[j]
		if a.Province != b.Province {
			return a.Province < b.Province
		}
		return order[a.Level] < order[b.Level]
	})
	return rep, nil
}
