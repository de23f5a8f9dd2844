package agency

import (
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/agency/agencytest"
)

// index20k builds the in-memory index of a synthetic registry of about 20,000 agencies.
func index20k(b *testing.B) (*Index, []string) {
	b.Helper()
	rows, err := ParseCSV(strings.NewReader(agencytest.CSV(15, 19)))
	if err != nil {
		b.Fatal(err)
	}
	for _, a := range rows {
		if p := a.normalize(); len(p) > 0 {
			b.Fatalf("%s: %v", a.Code, p)
		}
	}
	ix := newIndex(rows, 1)
	codes := make([]string, len(rows))
	for i, a := range rows {
		codes[i] = a.Code
	}
	return ix, codes
}

// BenchmarkLookupByCode measures registry lookups by identifier code on one goroutine.
func BenchmarkLookupByCode(b *testing.B) {
	ix, codes := index20k(b)
	b.ReportMetric(float64(ix.Len()), "agencies")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := ix.Get(codes[i%len(codes)]); !ok {
			b.Fatal("missing")
		}
	}
}

// BenchmarkSearchInProcess measures a diacritics-insensitive name search without HTTP.
func BenchmarkSearchInProcess(b *testing.B) {
	ix, _ := index20k(b)
	queries := []string{"dak lak", "so noi vu lam dong", "ubnd xa hoa tan", "000.00.05.H36", "thanh tra", "ea kon 7"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix.Search(Query{Text: queries[i%len(queries)]})
	}
}
