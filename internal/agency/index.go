package agency

import (
	"sort"
	"strings"

	"github.com/lienthong/lienthong/internal/vn"
)

// Index is an immutable snapshot of the registry, shared by all readers. Lookups are map reads;
// search scans folded names (a registry of tens of thousands fits in a few megabytes).
type Index struct {
	byCode   map[string]*Agency
	children map[string][]*Agency
	// successorOf lists, for each code, the agencies that it succeeded (predecessors).
	predecessors map[string][]*Agency
	ordered      []*Agency
	roots        []*Agency
	generation   int64
}

// newIndex builds an index; the agencies must already be normalized.
func newIndex(list []*Agency, generation int64) *Index {
	ix := &Index{
		byCode:       make(map[string]*Agency, len(list)),
		children:     map[string][]*Agency{},
		predecessors: map[string][]*Agency{},
		generation:   generation,
	}
	ordered := append([]*Agency(nil), list...)
	sort.Slice(ordered, func(i, j int) bool { return treeLess(ordered[i].code, ordered[j].code) })
	ix.ordered = ordered
	for _, a := range ordered {
		ix.byCode[a.Code] = a
		if a.Parent == "" {
			ix.roots = append(ix.roots, a)
		} else {
			ix.children[a.Parent] = append(ix.children[a.Parent], a)
		}
		if a.Successor != "" {
			ix.predecessors[a.Successor] = append(ix.predecessors[a.Successor], a)
		}
	}
	return ix
}

// Get returns the agency with the code.
func (ix *Index) Get(code string) (*Agency, bool) {
	a, ok := ix.byCode[code]
	return a, ok
}

// Len returns the number of agencies.
func (ix *Index) Len() int { return len(ix.ordered) }

// Children returns the direct children of code in tree order.
func (ix *Index) Children(code string) []*Agency { return ix.children[code] }

// Roots returns the agencies without a parent (ministries, provincial People's Committees and Councils).
func (ix *Index) Roots() []*Agency { return ix.roots }

// All returns every agency in tree order.
func (ix *Index) All() []*Agency { return ix.ordered }

// Predecessors returns the agencies whose successor is code.
func (ix *Index) Predecessors(code string) []*Agency { return ix.predecessors[code] }

// SuccessorChain follows successor links from code to the agency that exists now.
func (ix *Index) SuccessorChain(code string) []*Agency {
	var out []*Agency
	seen := map[string]bool{code: true}
	a := ix.byCode[code]
	for a != nil && a.Successor != "" && !seen[a.Successor] {
		seen[a.Successor] = true
		a = ix.byCode[a.Successor]
		if a != nil {
			out = append(out, a)
		}
	}
	return out
}

// Query filters a search.
type Query struct {
	Text   string // matched against the folded name, abbreviation and code
	Level  Level
	Kind   Kind
	Within string // only agencies in this subtree
	Active bool   // only agencies that exist today
	OnAxis *bool
	Limit  int
}

// Search returns agencies matching every word of q.Text regardless of diacritics, case and Đ/đ,
// best matches first: name starting with the query, then a word starting with it, then anywhere;
// agencies that exist today before closed ones; higher levels before lower ones.
func (ix *Index) Search(q Query) []*Agency {
	text := vn.Fold(q.Text)
	words := strings.Fields(text)
	var within vn.AgencyCode
	if q.Within != "" {
		within, _ = vn.ParseAgencyCode(q.Within)
	}
	today := Today()
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	type hit struct {
		a     *Agency
		score int
	}
	var hits []hit
	codeQuery := strings.ToUpper(strings.TrimSpace(q.Text))
	for _, a := range ix.ordered {
		if q.Level != "" && a.Level != q.Level || q.Kind != "" && a.Kind != q.Kind {
			continue
		}
		if q.OnAxis != nil && a.OnAxis != *q.OnAxis {
			continue
		}
		if q.Within != "" && !a.code.Within(within) {
			continue
		}
		active := a.ActiveOn(today)
		if q.Active && !active {
			continue
		}
		score := 0
		if len(words) > 0 {
			switch {
			case codeQuery != "" && strings.HasPrefix(a.Code, codeQuery):
				score = 400
			case strings.HasPrefix(a.folded, text):
				score = 300
			default:
				matched := true
				wordStart := true
				for _, w := range words {
					i := strings.Index(a.folded, w)
					if i < 0 && !strings.EqualFold(a.Abbreviation, w) {
						matched = false
						break
					}
					if i > 0 && a.folded[i-1] != ' ' {
						wordStart = false
					}
				}
				if !matched {
					continue
				}
				score = 100
				if wordStart {
					score = 200
				}
			}
		}
		if active {
			score += 50
		}
		score -= a.code.Depth() * 5
		hits = append(hits, hit{a, score})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]*Agency, len(hits))
	for i, h := range hits {
		out[i] = h.a
	}
	return out
}
