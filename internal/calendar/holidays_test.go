package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestComputedYearRules(t *testing.T) {
	type day struct {
		date string
		kind Kind
	}
	tests := []struct {
		year int
		want []day // days that must be listed, with their kind
		not  []string
	}{
		// 2027: mùng 1 on a Saturday → 28, 29 Chạp and mùng 1–3, compensatory Tuesday and Wednesday;
		// 1 May on a Saturday → Monday 3 May; 2 September on a Thursday → 3 September.
		{2027, []day{
			{"2027-02-04", Holiday}, {"2027-02-08", Holiday}, {"2027-02-09", Compensatory},
			{"2027-02-10", Compensatory}, {"2027-05-03", Compensatory}, {"2027-09-03", Holiday},
		}, []string{"2027-02-03", "2027-09-01"}},
		// 2028: 1 January on a Saturday → Monday 3 January; 30 April on a Sunday → Tuesday 2 May, after
		// the 1 May holiday; 2 September on a Saturday → 1 September and Monday 4 September.
		{2028, []day{
			{"2028-01-03", Compensatory}, {"2028-05-02", Compensatory}, {"2028-09-01", Holiday},
			{"2028-09-04", Compensatory}, {"2028-04-04", Holiday},
		}, nil},
		// 2029: mùng 1 on a Tuesday → 29/30 Chạp and mùng 1–4, Monday to Friday; 2 September on a Sunday →
		// 3 September and compensatory Tuesday 4 September.
		{2029, []day{
			{"2029-02-12", Holiday}, {"2029-02-16", Holiday}, {"2029-09-03", Holiday}, {"2029-09-04", Compensatory},
		}, []string{"2029-02-11", "2029-02-19"}},
		// 2020: before the 2019 Code took effect National Day was one day.
		{2020, []day{{"2020-09-02", Holiday}}, []string{"2020-09-01", "2020-09-03"}},
	}
	for _, tc := range tests {
		yd := ComputedYear(tc.year)
		got := map[string]Kind{}
		for _, e := range yd.Days {
			got[e.Date] = e.Kind
		}
		for _, d := range tc.want {
			if k, ok := got[d.date]; !ok || k != d.kind {
				t.Errorf("ComputedYear(%d) %s = %v (listed %v); want %v", tc.year, d.date, k, ok, d.kind)
			}
		}
		for _, d := range tc.not {
			if _, ok := got[d]; ok {
				t.Errorf("ComputedYear(%d) lists %s", tc.year, d)
			}
		}
	}
}

func TestComputedYearsValid(t *testing.T) {
	// Every computed year passes the data-file checks and has the statutory number of holidays: 11 from
	// 2021 (10 before), fewer only when two holidays share a date.
	for year := MinYear; year <= MaxYear; year++ {
		yd := ComputedYear(year)
		if _, err := yd.entries(); err != nil {
			t.Fatalf("ComputedYear(%d): %v", year, err)
		}
		holidays, merged := 0, 0
		for _, e := range yd.Days {
			if e.Kind == Holiday {
				holidays++
				merged += strings.Count(e.Vi, "; ")
			}
		}
		want := 11
		if year < 2021 {
			want = 10
		}
		if holidays+merged != want {
			t.Errorf("ComputedYear(%d) has %d holidays (+%d merged); want %d", year, holidays, merged, want)
		}
		for _, e := range yd.Days {
			if d, _ := time.Parse(time.DateOnly, e.Date); d.Year() != year {
				t.Errorf("ComputedYear(%d) lists %s", year, e.Date)
			}
		}
	}
}
