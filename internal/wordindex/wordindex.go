// Package wordindex is the in-memory word index behind the diacritics-insensitive searches of the
// registry and the catalogue: every distinct (already folded) word, sorted, with the ascending
// positions of the documents containing it. A query word matches every indexed word it begins, so a
// search reads a few posting lists instead of scanning every name.
package wordindex

import (
	"slices"
	"sort"
	"strings"
)

// Builder collects words per document; add documents in increasing position order.
type Builder struct {
	postings map[string][]int
}

// Add records that document doc contains the words.
func (b *Builder) Add(doc int, words ...string) {
	if b.postings == nil {
		b.postings = map[string][]int{}
	}
	for _, w := range words {
		if w == "" {
			continue
		}
		p := b.postings[w]
		if len(p) == 0 || p[len(p)-1] != doc {
			b.postings[w] = append(p, doc)
		}
	}
}

// Build returns the immutable index.
func (b *Builder) Build() *Index {
	ix := &Index{postings: b.postings, vocab: make([]string, 0, len(b.postings))}
	for w := range b.postings {
		ix.vocab = append(ix.vocab, w)
	}
	sort.Strings(ix.vocab)
	return ix
}

// Index is a built word index, safe for concurrent reads.
type Index struct {
	vocab    []string
	postings map[string][]int
}

// Prefix returns, ascending, the documents having a word that begins with w.
func (ix *Index) Prefix(w string) []int {
	lo := sort.SearchStrings(ix.vocab, w)
	var lists [][]int
	total := 0
	for i := lo; i < len(ix.vocab) && strings.HasPrefix(ix.vocab[i], w); i++ {
		p := ix.postings[ix.vocab[i]]
		lists = append(lists, p)
		total += len(p)
	}
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	out := make([]int, 0, total)
	for _, l := range lists {
		out = append(out, l...)
	}
	sort.Ints(out)
	return slices.Compact(out)
}

// Match returns, ascending, the documents in which every query word begins some word.
func (ix *Index) Match(words []string) []int {
	if len(words) == 0 {
		return nil
	}
	cand := ix.Prefix(words[0])
	for _, w := range words[1:] {
		if len(cand) == 0 {
			break
		}
		cand = Intersect(cand, ix.Prefix(w))
	}
	return cand
}

// Intersect returns the elements of sorted a that are also in sorted b.
func Intersect(a, b []int) []int {
	out := make([]int, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
