package agency

import (
	"slices"
	"sort"
	"strings"

	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/wordindex"
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

	words *wordindex.Index // folded words of names and abbreviations → positions in ordered
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
	ix.buildText()
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

// buildText indexes the folded words of every name and the folded abbreviation.
func (ix *Index) buildText() {
	var b wordindex.Builder
	for i, a := range ix.ordered {
		b.Add(i, strings.Fields(a.folded)...)
		if a.Abbreviation != "" {
			b.Add(i, vn.Fold(a.Abbreviation))
		}
	}
	ix.words = b.Build()
}

// Search returns agencies in which every word of q.Text begins a word of the name (or is the
// abbreviation), regardless of diacritics, case and Đ/đ; text starting with a digit matches the
// start of identifier codes. Best matches first: a code starting with the query, a name starting
// with it, a name containing the words together, then the rest; agencies that exist today before closed ones; higher levels first.
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
	codeQuery := strings.ToUpper(strings.TrimSpace(q.Text))
	// Candidates: every agency when there is no text or the text may be a code; otherwise those
	// having, for every query word, a word that begins with it.
	var cand []int
	all := len(words) == 0 || (codeQuery != "" && codeQuery[0] >= '0' && codeQuery[0] <= '9')
	if !all {
		cand = ix.words.Match(words)
	}
	top := make([]scored, 0, limit+1)
	consider := func(a *Agency) {
		if q.Level != "" && a.Level != q.Level || q.Kind != "" && a.Kind != q.Kind {
			return
		}
		if q.OnAxis != nil && a.OnAxis != *q.OnAxis {
			return
		}
		if q.Within != "" && !a.code.Within(within) {
			return
		}
		active := a.ActiveOn(today)
		if q.Active && !active {
			return
		}
		score, ok := matchScore(a, text, words, codeQuery)
		if !ok {
			return
		}
		if active {
			score += 50
		}
		score -= a.code.Depth() * 5
		top = pushTop(top, scored{a, score}, limit)
	}
	if all {
		for _, a := range ix.ordered {
			consider(a)
		}
	} else {
		for _, i := range cand {
			consider(ix.ordered[i])
		}
	}
	out := make([]*Agency, len(top))
	for i, h := range top {
		out[i] = h.a
	}
	return out
}

type scored struct {
	a     *Agency
	score int
}

// pushTop keeps the best limit hits in order; earlier hits win ties, so results follow the tree.
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

// matchScore ranks a candidate: a code starting with the query first, then a name starting with
// it, then the rest (every word already matched the start of a word).
func matchScore(a *Agency, text string, words []string, codeQuery string) (int, bool) {
	if len(words) == 0 {
		return 0, true
	}
	if codeQuery != "" && strings.HasPrefix(a.Code, codeQuery) {
		return 400, true
	}
	if codeQuery != "" && codeQuery[0] >= '0' && codeQuery[0] <= '9' {
		return 0, false
	}
	if strings.HasPrefix(a.folded, text) {
		return 300, true
	}
	// The words together, in order ("dak nong" in "ủy ban nhân dân tỉnh đắk nông") beat the same
	// words scattered ("sở nông nghiệp … đắk lắk"), even when the scattered match is still active.
	if strings.Contains(a.folded, text) {
		return 260, true
	}
	return 200, true
}
