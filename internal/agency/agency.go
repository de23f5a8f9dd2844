// Package agency is the agency registry (danh mục mã định danh): every agency's QCVN 102 identifier
// code, name, kind, administrative level, validity dates with successor links (so the 2025 province
// mergers keep history), and whether it is registered on the document exchange axis. Reads are
// served from an in-memory snapshot; changes go through the database and need an administrator.
package agency

import (
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Kind is what sort of body an agency is.
type Kind string

// The kinds of agency.
const (
	Ministry          Kind = "ministry"           // bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ
	ProvinceCommittee Kind = "province_committee" // Ủy ban nhân dân tỉnh
	ProvinceCouncil   Kind = "province_council"   // Hội đồng nhân dân tỉnh
	Department        Kind = "department"         // sở, phòng
	District          Kind = "district"           // Ủy ban nhân dân huyện
	Commune           Kind = "commune"            // Ủy ban nhân dân xã, phường
	Unit              Kind = "unit"               // đơn vị sự nghiệp and others
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{Ministry, ProvinceCommittee, ProvinceCouncil, Department, District, Commune, Unit}

// Level is the administrative level (cấp hành chính) an agency works at.
type Level string

// The administrative levels.
const (
	Central      Level = "central"
	ProvinceLvl  Level = "province"
	DistrictLvl  Level = "district"
	CommuneLevel Level = "commune"
)

// Levels lists the levels from the top.
var Levels = []Level{Central, ProvinceLvl, DistrictLvl, CommuneLevel}

// Agency is one entry of the registry.
type Agency struct {
	Code          string    `json:"code"`
	Parent        string    `json:"parent,omitempty"`
	Name          string    `json:"name"`
	Abbreviation  string    `json:"abbreviation,omitempty"`
	Kind          Kind      `json:"kind"`
	Level         Level     `json:"level"`
	EffectiveFrom string    `json:"effective_from,omitempty"`
	EffectiveTo   string    `json:"effective_to,omitempty"`
	Successor     string    `json:"successor,omitempty"`
	OnAxis        bool      `json:"on_axis"`
	Address       string    `json:"address,omitempty"`
	Email         string    `json:"email,omitempty"`
	Phone         string    `json:"phone,omitempty"`
	Version       int       `json:"version"`
	UpdatedAt     time.Time `json:"updated_at"`

	code   vn.AgencyCode
	folded string
	// line and columns locate a row read from CSV, for precise import errors.
	line    int
	columns map[string]int
}

// ActiveOn reports whether the agency exists on the day (YYYY-MM-DD).
func (a *Agency) ActiveOn(day string) bool {
	return (a.EffectiveFrom == "" || a.EffectiveFrom <= day) && (a.EffectiveTo == "" || day <= a.EffectiveTo)
}

// Active reports whether the agency exists today in Vietnam.
func (a *Agency) Active() bool { return a.ActiveOn(Today()) }

// Identifier returns the parsed identifier code.
func (a *Agency) Identifier() vn.AgencyCode { return a.code }

// Today returns today's date in Vietnam as YYYY-MM-DD.
func Today() string { return time.Now().In(vn.ICT).Format(time.DateOnly) }

func validKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func validLevel(l Level) bool {
	for _, x := range Levels {
		if x == l {
			return true
		}
	}
	return false
}

// normalize trims fields, parses the code and derives the parent; it reports field problems.
func (a *Agency) normalize() []errs.FieldError {
	var out []errs.FieldError
	bad := func(field, format string, args ...any) {
		out = append(out, errs.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for _, p := range []*string{&a.Code, &a.Name, &a.Abbreviation, &a.EffectiveFrom, &a.EffectiveTo, &a.Successor, &a.Address, &a.Email, &a.Phone} {
		*p = strings.TrimSpace(*p)
	}
	a.Kind = Kind(strings.TrimSpace(string(a.Kind)))
	a.Level = Level(strings.TrimSpace(string(a.Level)))
	code, err := vn.ParseAgencyCode(a.Code)
	if err != nil {
		bad("code", "%v", err)
	} else {
		a.code = code
		a.Parent = ""
		if p, ok := code.Parent(); ok {
			a.Parent = p.String()
		}
	}
	if a.Name == "" {
		bad("name", "the name is required")
	}
	a.folded = vn.Fold(a.Name)
	if !validKind(a.Kind) {
		bad("kind", "unknown kind %q: want one of %s", a.Kind, joinKinds())
	}
	if !validLevel(a.Level) {
		bad("level", "unknown level %q: want central, province, district or commune", a.Level)
	}
	for _, d := range []struct{ field, v string }{{"effective_from", a.EffectiveFrom}, {"effective_to", a.EffectiveTo}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			bad(d.field, "%q is not a date like 2025-06-30", d.v)
		}
	}
	if a.EffectiveFrom != "" && a.EffectiveTo != "" && a.EffectiveTo < a.EffectiveFrom {
		bad("effective_to", "the agency cannot close (%s) before it opens (%s)", a.EffectiveTo, a.EffectiveFrom)
	}
	if a.Successor != "" {
		if !vn.ValidAgencyCode(a.Successor) {
			bad("successor", "%q is not an identifier code", a.Successor)
		} else if a.Successor == a.Code {
			bad("successor", "an agency cannot succeed itself")
		}
		if a.EffectiveTo == "" {
			bad("effective_to", "an agency with a successor must have the date it closed")
		}
	}
	return out
}

func joinKinds() string {
	var s []string
	for _, k := range Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// treeLess orders agencies as the tree reads: by level-1 code, then each level downwards.
func treeLess(a, b vn.AgencyCode) bool {
	if a.Root() != b.Root() {
		return a.Root() < b.Root()
	}
	for lvl := 2; lvl <= 4; lvl++ {
		if a.Level(lvl) != b.Level(lvl) {
			return a.Level(lvl) < b.Level(lvl)
		}
	}
	return false
}
