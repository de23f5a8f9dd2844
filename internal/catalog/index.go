package catalog

import (
	"slices"
	"sort"
	"strings"

	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/wordindex"
)

// Index is an immutable snapshot of the catalogue, shared by all readers. Procedures are kept in
// code order; a word index over the folded names and field names answers text searches by reading
// a few posting lists.
type Index struct {
	byCode     map[string]*Procedure
	ordered    []*Procedure
	byAgency   map[string][]int // agency code → positions of procedures it implements or has instances of
	fields     []Field
	generation int64

	words *wordindex.Index // folded words of names and field names → positions in ordered
}

// newIndex builds an index; the procedures must already be normalized.
func newIndex(list []*Procedure, generation int64) *Index {
	ordered := append([]*Procedure(nil), list...)
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].Code < ordered[j].Code })
	ix := &Index{byCode: make(map[string]*Procedure, len(list)), ordered: ordered, byAgency: map[string][]int{},
		generation: generation}
	var words wordindex.Builder
	fields := map[string]string{}
	for i, p := range ordered {
		ix.byCode[p.Code] = p
		if _, ok := fields[p.Field.Code]; !ok {
			fields[p.Field.Code] = p.Field.Name
		}
		addAgency := func(a string) {
			l := ix.byAgency[a]
			if len(l) == 0 || l[len(l)-1] != i {
				ix.byAgency[a] = append(l, i)
			}
		}
		for _, a := range p.Agencies {
			addAgency(a)
		}
		for _, in := range p.Instances {
			addAgency(in.Agency)
		}
		words.Add(i, strings.Fields(p.folded)...)
	}
	ix.words = words.Build()
	for c, n := range fields {
		ix.fields = append(ix.fields, Field{Code: c, Name: n})
	}
	sort.Slice(ix.fields, func(i, j int) bool { return ix.fields[i].Name < ix.fields[j].Name })
	return ix
}

// Get returns the procedure with the national code.
func (ix *Index) Get(code string) (*Procedure, bool) {
	p, ok := ix.byCode[code]
	return p, ok
}

// Len returns the number of procedures.
func (ix *Index) Len() int { return len(ix.ordered) }

// All returns every procedure in code order.
func (ix *Index) All() []*Procedure { return ix.ordered }

// Fields returns the fields that procedures belong to, by name.
func (ix *Index) Fields() []Field { return ix.fields }

// AgencyInstance is one procedure as an agency carries it out, with the instance's own processing
// time and fees resolved.
type AgencyInstance struct {
	Instance
	Procedure      *Procedure `json:"-"`
	ProcedureCode  string     `json:"procedure_code"`
	Name           string     `json:"name"`
	ProcessingDays int        `json:"processing_days"`
	Fees           []Fee      `json:"fees"`
}

// Instances returns the procedure instances of an agency, in procedure code order.
func (ix *Index) Instances(agency string) []AgencyInstance {
	var out []AgencyInstance
	for _, i := range ix.byAgency[agency] {
		p := ix.ordered[i]
		for _, in := range p.Instances {
			if in.Agency == agency {
				fees := p.FeesAt(in)
				if fees == nil {
					fees = []Fee{}
				}
				out = append(out, AgencyInstance{Instance: in, Procedure: p, ProcedureCode: p.Code, Name: p.Name,
					ProcessingDays: p.DaysAt(in), Fees: fees})
			}
		}
	}
	return out
}

// Query filters a search.
type Query struct {
	Text   string // words of the name or field name (diacritics and case ignored), or the start of a code
	Field  string // field code
	Level  Level
	Online OnlineLevel
	Agency string // only procedures the agency implements or has an instance of
	Limit  int
}

// Search returns up to q.Limit procedures in which every word of q.Text begins a word of the name
// or the field name, regardless of diacritics, case and Đ/đ; text starting with a digit matches
// the start of procedure codes (an instance code finds its procedure). Best matches first: a name
// starting with the text, then names containing the words together, then the rest, each shortest
// first, then in code order. It also returns how many procedures matched in all.
func (ix *Index) Search(q Query) ([]*Procedure, int) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	text := vn.Fold(q.Text)
	words := strings.Fields(text)
	raw := strings.TrimSpace(q.Text)
	var cand []int
	switch {
	case raw != "" && raw[0] >= '0' && raw[0] <= '9':
		// A code or the start of one; an instance code names its procedure in its first 8 characters.
		prefix := raw
		if len(prefix) > procedureCodeLen {
			prefix = prefix[:procedureCodeLen]
		}
		lo := sort.Search(len(ix.ordered), func(i int) bool { return ix.ordered[i].Code >= prefix })
		for i := lo; i < len(ix.ordered) && strings.HasPrefix(ix.ordered[i].Code, prefix); i++ {
			cand = append(cand, i)
		}
		words = nil
	case len(words) > 0:
		cand = ix.words.Match(words)
	default:
		cand = nil
	}
	all := raw == ""
	if q.Agency != "" {
		ag := ix.byAgency[q.Agency]
		if all {
			cand, all = ag, false
		} else {
			cand = wordindex.Intersect(cand, ag)
		}
	}
	field := strings.ToUpper(strings.TrimSpace(q.Field))
	top := make([]scored, 0, limit+1)
	matched := 0
	consider := func(p *Procedure) {
		if field != "" && p.Field.Code != field || q.Online != "" && p.Online != q.Online {
			return
		}
		if q.Level != "" && !p.HasLevel(q.Level) {
			return
		}
		matched++
		score := 0
		if len(words) > 0 {
			switch {
			case strings.HasPrefix(p.folded, text):
				score = 300
			case strings.Contains(p.folded, text):
				score = 260
			default:
				score = 200
			}
			// Among equal matches the shorter text is the more specific procedure.
			score = score*1000 - min(len(p.folded), 999)
		}
		top = pushTop(top, scored{p, score}, limit)
	}
	if all {
		for _, p := range ix.ordered {
			consider(p)
		}
	} else {
		for _, i := range cand {
			consider(ix.ordered[i])
		}
	}
	out := make([]*Procedure, len(top))
	for i, h := range top {
		out[i] = h.p
	}
	return out, matched
}

// procedureCodeLen is the length of a national procedure code such as 1.001612.
const procedureCodeLen = 8

type scored struct {
	p     *Procedure
	score int
}

// pushTop keeps the best limit hits in order; earlier hits win ties, so results follow code order.
func pushTop(top []scored, h scored, limit int) []scored {
	if len(top) == limit && h.score <= top[len(top)-1].score {
		return top
	}
	i := sort.Search(len(top), func(i int) bool { return top[i].score < h.score })
	top = slices.Insert(top, i, h)
	if len(top) > limit {
		top = top[:limit]
	}
	return top
}
