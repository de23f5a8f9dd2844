// Package catalog is the procedure catalogue (danh mục thủ tục hành chính): the national
// administrative procedures with their fields, levels, processing times, fees, dossier components
// and online level, and the instances carried out by each agency. Readers share an immutable
// in-memory snapshot; imports replace it atomically.
package catalog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Level is an administrative level that implements a procedure (cấp thực hiện).
type Level string

// The implementing levels.
const (
	Central  Level = "central"
	Province Level = "province"
	District Level = "district"
	Commune  Level = "commune"
)

// Levels lists the implementing levels from the top.
var Levels = []Level{Central, Province, District, Commune}

func validLevel(l Level) bool {
	for _, x := range Levels {
		if x == l {
			return true
		}
	}
	return false
}

// OnlineLevel says how much of a procedure can be done online (Decree 42/2022/NĐ-CP).
type OnlineLevel string

// The online levels.
const (
	FullyOnline  OnlineLevel = "toan_trinh" // toàn trình: submission, payment and result online
	PartlyOnline OnlineLevel = "mot_phan"   // một phần: some steps need the counter
	NotOnline    OnlineLevel = "khong"      // not offered online
)

// OnlineLevels lists the online levels.
var OnlineLevels = []OnlineLevel{FullyOnline, PartlyOnline, NotOnline}

func validOnline(o OnlineLevel) bool {
	return o == FullyOnline || o == PartlyOnline || o == NotOnline
}

// FeeKind tells a fee (phí) from a charge (lệ phí).
type FeeKind string

// The fee kinds.
const (
	KindFee    FeeKind = "phi"    // phí: pays for a service
	KindCharge FeeKind = "le_phi" // lệ phí: a charge for a state act
)

// Field is a field of state management (lĩnh vực) that procedures are grouped by, such as G03-GD10.
type Field struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Fee is one line of a procedure's fees and charges, in whole đồng.
type Fee struct {
	Name   string  `json:"name"`
	Kind   FeeKind `json:"kind"`
	Amount int64   `json:"amount"`
}

// Formatted returns the amount in Vietnamese notation, such as "1.000.000 đ".
func (f Fee) Formatted() string { return FormatVND(f.Amount) }

// FormatVND formats whole đồng with dots between thousands: 1000000 → "1.000.000 đ".
func FormatVND(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	b.WriteString(" đ")
	return b.String()
}

// Component is one paper of the dossier (thành phần hồ sơ).
type Component struct {
	Name      string   `json:"name"`
	Required  bool     `json:"required"`
	Copies    int      `json:"copies"`
	FileTypes []string `json:"file_types,omitempty"`
}

// Instance is a procedure as carried out by one agency (thủ tục tại cơ quan), coded
// 1.001612.000.00.00.H48. It may set its own processing time and fees; nil means the procedure's.
type Instance struct {
	Code           string `json:"code"`
	Agency         string `json:"agency"`
	ProcessingDays *int   `json:"processing_days,omitempty"`
	// Fees replaces the procedure's fees when not nil; an empty list means free at this agency.
	Fees   []Fee `json:"fees,omitzero"`
	Online bool  `json:"online"`
}

// Procedure is an administrative procedure (thủ tục hành chính) of the national catalogue.
type Procedure struct {
	Code           string      `json:"code"`
	Name           string      `json:"name"`
	Field          Field       `json:"field"`
	Levels         []Level     `json:"levels"`
	Agencies       []string    `json:"agencies,omitempty"`
	ProcessingDays int         `json:"processing_days"`
	Fees           []Fee       `json:"fees,omitempty"`
	Components     []Component `json:"components,omitempty"`
	Online         OnlineLevel `json:"online_level"`
	Result         string      `json:"result,omitempty"`
	LegalBasis     string      `json:"legal_basis,omitempty"`
	Instances      []Instance  `json:"instances,omitempty"`
	UpdatedAt      time.Time   `json:"updated_at,omitzero"`

	folded  string         // folded name and field name, for search
	line    int            // line in the CSV file it came from, for errors
	columns map[string]int // that file's columns (1-based), for errors
}

// DaysAt returns the processing time at an instance, which may override the procedure's.
func (p *Procedure) DaysAt(in Instance) int {
	if in.ProcessingDays != nil {
		return *in.ProcessingDays
	}
	return p.ProcessingDays
}

// FeesAt returns the fees at an instance, which may override the procedure's.
func (p *Procedure) FeesAt(in Instance) []Fee {
	if in.Fees != nil {
		return in.Fees
	}
	return p.Fees
}

// HasLevel reports whether the procedure is implemented at level l.
func (p *Procedure) HasLevel(l Level) bool {
	for _, x := range p.Levels {
		if x == l {
			return true
		}
	}
	return false
}

var (
	fieldCodeRe = regexp.MustCompile(`^[A-Z][0-9]{2}-[A-Z0-9]{1,12}$`)
	fileTypeRe  = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
)

// AgencyExists reports whether an identifier code is in the agency registry.
type AgencyExists func(code string) bool

// normalize trims and canonicalises the procedure and returns what is wrong with it on its own.
// Field names are CSV column names, with list positions ("fees[1].amount"); exists, when not
// nil, checks agency codes against the registry.
func (p *Procedure) normalize(exists AgencyExists) []errs.FieldError {
	var out []errs.FieldError
	bad := func(field, format string, args ...any) {
		out = append(out, errs.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	p.Code = strings.TrimSpace(p.Code)
	p.Name = strings.Join(strings.Fields(p.Name), " ")
	p.Field.Code = strings.ToUpper(strings.TrimSpace(p.Field.Code))
	p.Field.Name = strings.Join(strings.Fields(p.Field.Name), " ")
	p.Result = strings.TrimSpace(p.Result)
	p.LegalBasis = strings.TrimSpace(p.LegalBasis)
	pc, err := vn.ParseProcedureCode(p.Code)
	if err != nil {
		bad("code", "%v", err)
	} else {
		p.Code = pc.String()
	}
	if p.Name == "" {
		bad("name", "the procedure needs a name")
	}
	if !fieldCodeRe.MatchString(p.Field.Code) {
		bad("field_code", "field code %q: want a level-1 code, '-' and letters or digits, like G03-GD10 or H36-TP", p.Field.Code)
	}
	if p.Field.Name == "" {
		bad("field_name", "the field needs a name")
	}
	if len(p.Levels) == 0 {
		bad("levels", "name at least one implementing level: central, province, district or commune")
	}
	seenLevel := map[Level]bool{}
	for i, l := range p.Levels {
		l = Level(strings.ToLower(strings.TrimSpace(string(l))))
		p.Levels[i] = l
		switch {
		case !validLevel(l):
			bad("levels", "level %q: want central, province, district or commune", l)
		case seenLevel[l]:
			bad("levels", "level %s appears twice", l)
		}
		seenLevel[l] = true
	}
	seenAgency := map[string]bool{}
	for i, a := range p.Agencies {
		a = strings.TrimSpace(a)
		p.Agencies[i] = a
		if _, err := vn.ParseAgencyCode(a); err != nil {
			bad("agencies", "%v", err)
		} else if seenAgency[a] {
			bad("agencies", "agency %s appears twice", a)
		} else if exists != nil && !exists(a) {
			bad("agencies", "agency %s is not in the agency registry", a)
		}
		seenAgency[a] = true
	}
	if p.ProcessingDays < 0 {
		bad("processing_days", "processing time %d: want a number of working days ≥ 0", p.ProcessingDays)
	}
	o := OnlineLevel(strings.ToLower(strings.TrimSpace(string(p.Online))))
	p.Online = o
	if !validOnline(o) {
		bad("online_level", "online level %q: want toan_trinh, mot_phan or khong", o)
	}
	out = append(out, normalizeFees("fees", p.Fees)...)
	for i := range p.Components {
		c := &p.Components[i]
		c.Name = strings.Join(strings.Fields(c.Name), " ")
		at := fmt.Sprintf("components[%d]", i)
		if c.Name == "" {
			bad(at+".name", "the dossier component needs a name")
		}
		if c.Copies < 0 {
			bad(at+".copies", "number of copies %d: want 0 or more", c.Copies)
		}
		for j, t := range c.FileTypes {
			t = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(t)), ".")
			c.FileTypes[j] = t
			if !fileTypeRe.MatchString(t) {
				bad(fmt.Sprintf("%s.file_types[%d]", at, j), "file type %q: want an extension such as pdf, jpg or docx", t)
			}
		}
	}
	seenInstance := map[string]bool{}
	for i := range p.Instances {
		in := &p.Instances[i]
		at := fmt.Sprintf("instances[%d]", i)
		in.Code = strings.TrimSpace(in.Code)
		pi, err := vn.ParseProcedureInstance(in.Code)
		if err != nil {
			bad(at+".code", "%v", err)
			continue
		}
		in.Code = pi.String()
		if p.Code != "" && pi.Procedure.String() != p.Code {
			bad(at+".code", "instance %s is not of procedure %s", in.Code, p.Code)
		}
		if seenInstance[in.Code] {
			bad(at+".code", "instance %s appears twice", in.Code)
		}
		seenInstance[in.Code] = true
		agency := pi.Agency.String()
		if in.Agency != "" && in.Agency != agency {
			bad(at+".agency", "agency %s differs from the instance code's %s", in.Agency, agency)
		}
		in.Agency = agency
		if exists != nil && !exists(agency) {
			bad(at+".code", "agency %s of instance %s is not in the agency registry", agency, in.Code)
		}
		if in.ProcessingDays != nil && *in.ProcessingDays < 0 {
			bad(at+".processing_days", "processing time %d: want a number of working days ≥ 0", *in.ProcessingDays)
		}
		out = append(out, normalizeFees(at+".fees", in.Fees)...)
	}
	p.folded = vn.Fold(p.Name + " " + p.Field.Name)
	return out
}

func normalizeFees(at string, fees []Fee) []errs.FieldError {
	var out []errs.FieldError
	for i := range fees {
		f := &fees[i]
		f.Name = strings.Join(strings.Fields(f.Name), " ")
		where := fmt.Sprintf("%s[%d]", at, i)
		switch strings.ReplaceAll(vn.Fold(string(f.Kind)), " ", "_") {
		case "phi":
			f.Kind = KindFee
		case "le_phi":
			f.Kind = KindCharge
		default:
			out = append(out, errs.FieldError{Field: where + ".kind", Message: fmt.Sprintf("fee kind %q: want phi (phí) or le_phi (lệ phí)", f.Kind)})
		}
		if f.Name == "" {
			out = append(out, errs.FieldError{Field: where + ".name", Message: "the fee needs a name"})
		}
		if f.Amount < 0 {
			out = append(out, errs.FieldError{Field: where + ".amount", Message: fmt.Sprintf("amount %d: want 0 or more đồng", f.Amount)})
		}
	}
	return out
}
