package calendar

import (
	"strings"
	"testing"
	"time"
)

func mustNew(tb testing.TB, opts ...Option) *Calendar {
	tb.Helper()
	c, err := New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// ict builds a time in UTC+7.
func ict(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.FixedZone("ICT", 7*3600))
}

func date(s string) time.Time {
	y, m, d := ymd(s)
	return ict(y, time.Month(m), d, 12, 0)
}

// schedules are the "whole break" and "make-up working day" columns of vn-calendar-and-rules.md §1.2,
// written independently of the data files: every day of a break is off, every make-up day is worked.
var schedules = map[int]struct {
	breaks  [][2]string
	makeUps []string
}{
	2024: {
		breaks: [][2]string{
			{"2023-12-30", "2024-01-01"}, {"2024-02-08", "2024-02-14"}, {"2024-04-18", "2024-04-18"},
			{"2024-04-27", "2024-05-01"}, {"2024-08-31", "2024-09-03"},
		},
		makeUps: []string{"2024-05-04"},
	},
	2025: {
		breaks: [][2]string{
			{"2025-01-01", "2025-01-01"}, {"2025-01-25", "2025-02-02"}, {"2025-04-05", "2025-04-07"},
			{"2025-04-30", "2025-05-04"}, {"2025-08-30", "2025-09-02"},
		},
		makeUps: []string{"2025-04-26"},
	},
	2026: {
		breaks: [][2]string{
			{"2026-01-01", "2026-01-04"}, {"2026-02-14", "2026-02-22"}, {"2026-04-25", "2026-04-27"},
			{"2026-04-30", "2026-05-03"}, {"2026-08-29", "2026-09-02"},
		},
		makeUps: []string{"2026-01-10", "2026-08-22"},
	},
}

func TestSchedulesDayByDay(t *testing.T) {
	c := mustNew(t)
	for year, s := range schedules {
		off := map[string]bool{}
		for _, b := range s.breaks {
			for d := date(b[0]); !d.After(date(b[1])); d = d.AddDate(0, 0, 1) {
				off[d.Format(time.DateOnly)] = true
			}
		}
		made := map[string]bool{}
		for _, d := range s.makeUps {
			made[d] = true
		}
		for d := date(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)); d.Year() == year; d = d.AddDate(0, 0, 1) {
			key := d.Format(time.DateOnly)
			want := made[key] || (!off[key] && !isWeekend(d.Weekday()))
			if got := c.IsWorkingDay(d); got != want {
				t.Errorf("IsWorkingDay(%s %s) = %v; want %v", d.Weekday(), key, got, want)
			}
		}
		if !c.Known(year) || c.Source(year) != SourceData {
			t.Errorf("year %d: Known = %v, Source = %q; want data", year, c.Known(year), c.Source(year))
		}
	}
}

func TestScheduleSpotChecks(t *testing.T) {
	c := mustNew(t)
	for _, tc := range []struct {
		date    string
		working bool
		kind    Kind
	}{
		{"2025-04-26", true, MakeUp},        // Saturday worked for Friday 2/5
		{"2025-05-02", false, Swapped},      // Friday
		{"2024-02-13", false, Compensatory}, // for mùng 1 on a Saturday
		{"2024-02-10", false, Holiday},      // mùng 1, a Saturday
		{"2026-08-22", true, MakeUp},
		{"2026-08-31", false, Swapped},
		{"2026-04-27", false, Compensatory}, // for Hùng Kings' Day on a Sunday
		{"2026-04-26", false, Holiday},
		{"2026-01-02", false, Swapped},
		{"2025-01-27", false, Holiday},
		{"2025-02-03", true, Workday}, // Monday after Tết Ất Tỵ: no make-up, no extra day
		{"2024-05-04", true, MakeUp},
		{"2024-04-29", false, Swapped},
		{"2024-09-03", false, Holiday},
		{"2026-09-03", true, Workday},
		{"2026-11-24", true, Workday}, // Ngày Văn hóa Việt Nam was only proposed
	} {
		d := c.Day(date(tc.date))
		if d.Working() != tc.working || d.Kind != tc.kind || c.IsWorkingDay(date(tc.date)) != tc.working {
			t.Errorf("%s: working %v kind %v; want %v %v", tc.date, d.Working(), d.Kind, tc.working, tc.kind)
		}
		_, isHoliday := c.Holiday(date(tc.date))
		if want := tc.kind == Holiday || tc.kind == Compensatory || tc.kind == Swapped; isHoliday != want {
			t.Errorf("Holiday(%s) ok = %v; want %v", tc.date, isHoliday, want)
		}
	}
	if label, ok := c.Holiday(date("2024-02-13")); !ok || !strings.Contains(label, "Nghỉ bù") {
		t.Errorf("Holiday(2024-02-13) = %q, %v", label, ok)
	}
}

func TestEmbeddedYears(t *testing.T) {
	years, err := EmbeddedYears()
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 3 || years[0].Year != 2024 || years[2].Year != 2026 {
		t.Fatalf("embedded years = %d files", len(years))
	}
	for _, yd := range years {
		if _, err := yd.entries(); err != nil {
			t.Fatal(err)
		}
		holidays := 0
		for i, e := range yd.Days {
			if e.Source == "" || e.Vi == "" || e.En == "" {
				t.Errorf("%d days[%d]: missing source or label", yd.Year, i)
			}
			if e.Kind == Holiday {
				holidays++
			}
		}
		// Labour Code 2019 art. 112(1): 11 days of holiday in all.
		if holidays != 11 {
			t.Errorf("%d lists %d holidays; want 11", yd.Year, holidays)
		}
	}
}

// TestComputedMatchesPublished checks the computed defaults against the published years: the same
// holidays and compensatory days, the published ones adding only swaps and make-up days.
func TestComputedMatchesPublished(t *testing.T) {
	years, err := EmbeddedYears()
	if err != nil {
		t.Fatal(err)
	}
	for _, yd := range years {
		want := map[string]Kind{}
		for _, e := range yd.Days {
			if e.Kind == Holiday || e.Kind == Compensatory {
				want[e.Date] = e.Kind
			}
		}
		got := map[string]Kind{}
		for _, e := range ComputedYear(yd.Year).Days {
			got[e.Date] = e.Kind
		}
		for d, k := range want {
			if got[d] != k {
				t.Errorf("computed %s = %v; published %v", d, got[d], k)
			}
		}
		for d, k := range got {
			if want[d] != k {
				t.Errorf("computed %s = %v; published %v", d, k, want[d])
			}
		}
	}
}

func TestLoadYear(t *testing.T) {
	good := `{"year": 2027, "source": "TB test", "days": [
		{"date": "2027-01-01", "kind": "holiday", "vi": "Tết Dương lịch", "en": "New Year's Day"},
		{"date": "2027-01-09", "kind": "makeup", "vi": "Làm bù", "en": "Make-up day", "source": "other"},
		{"date": "2026-12-31", "kind": "swapped", "vi": "Nghỉ hoán đổi", "en": "Swapped"}]}`
	yd, err := LoadYear(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if yd.Year != 2027 || len(yd.Days) != 3 || yd.Days[1].Kind != MakeUp {
		t.Errorf("LoadYear = %+v", yd)
	}
	for name, bad := range map[string]string{
		"syntax":        `{"year": 2027,`,
		"unknown field": `{"year": 2027, "source": "x", "days": [], "extra": 1}`,
		"trailing":      `{"year": 2027, "source": "x", "days": []} {}`,
		"year range":    `{"year": 1800, "source": "x", "days": []}`,
		"bad date":      `{"year": 2027, "source": "x", "days": [{"date": "2027-02-30", "kind": "holiday", "vi": "a", "en": "b"}]}`,
		"far date":      `{"year": 2027, "source": "x", "days": [{"date": "2029-01-01", "kind": "holiday", "vi": "a", "en": "b"}]}`,
		"kind":          `{"year": 2027, "source": "x", "days": [{"date": "2027-01-01", "kind": "party", "vi": "a", "en": "b"}]}`,
		"workday kind":  `{"year": 2027, "source": "x", "days": [{"date": "2027-01-01", "kind": "workday", "vi": "a", "en": "b"}]}`,
		"makeup Mon":    `{"year": 2027, "source": "x", "days": [{"date": "2027-01-04", "kind": "makeup", "vi": "a", "en": "b"}]}`,
		"swap Sat":      `{"year": 2027, "source": "x", "days": [{"date": "2027-01-02", "kind": "swapped", "vi": "a", "en": "b"}]}`,
		"comp Sun":      `{"year": 2027, "source": "x", "days": [{"date": "2027-01-03", "kind": "compensatory", "vi": "a", "en": "b"}]}`,
		"no label":      `{"year": 2027, "source": "x", "days": [{"date": "2027-01-01", "kind": "holiday", "vi": "a", "en": " "}]}`,
		"no source":     `{"year": 2027, "days": [{"date": "2027-01-01", "kind": "holiday", "vi": "a", "en": "b"}]}`,
		"twice": `{"year": 2027, "source": "x", "days": [{"date": "2027-01-01", "kind": "holiday", "vi": "a", "en": "b"},
			{"date": "2027-01-01", "kind": "holiday", "vi": "a", "en": "b"}]}`,
	} {
		if _, err := LoadYear(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: LoadYear accepted %s", name, bad)
		} else if !strings.HasPrefix(err.Error(), "calendar.LoadYear") {
			t.Errorf("%s: error %q lacks the operation", name, err)
		}
	}
	// New checks data passed directly too.
	if _, err := New(WithYearData(YearData{Year: 2027, Source: "x", Days: []Entry{{Date: "2027-01-04", Kind: MakeUp, Vi: "a", En: "b"}}})); err == nil {
		t.Error("New accepted a make-up Monday")
	}
}
