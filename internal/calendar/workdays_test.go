package calendar

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAddWorkingDays(t *testing.T) {
	c := mustNew(t)
	for _, tc := range []struct {
		start string
		n     int
		want  string
	}{
		{"2024-02-05", 3, "2024-02-15"},  // Mon; Tết Giáp Thìn is 8–14 February
		{"2024-02-05", 2, "2024-02-07"},  // Wed before Tết
		{"2024-02-10", 1, "2024-02-15"},  // from mùng 1, a Saturday
		{"2025-04-24", 2, "2025-04-26"},  // Thu → Fri 25, make-up Sat 26
		{"2025-04-25", 2, "2025-04-28"},  // Fri → make-up Sat 26, Mon 28
		{"2026-08-20", 2, "2026-08-22"},  // Thu → Fri 21, make-up Sat 22
		{"2026-04-24", 1, "2026-04-28"},  // Fri; Mon 27 is nghỉ bù
		{"2024-12-27", 3, "2025-01-02"},  // across the New Year: Mon 30, Tue 31, (Wed 1 off), Thu 2
		{"2026-03-02", 0, "2026-03-02"},  // n = 0: the start date itself
		{"2026-03-07", 0, "2026-03-07"},  // even a Saturday
		{"2024-02-15", -1, "2024-02-07"}, // the working day before Tết Giáp Thìn
		{"2025-01-02", -3, "2024-12-27"},
	} {
		got := c.AddWorkingDays(date(tc.start), tc.n)
		want := date(tc.want)
		want = time.Date(want.Year(), want.Month(), want.Day(), 17, 0, 0, 0, c.Location())
		if !got.Equal(want) {
			t.Errorf("AddWorkingDays(%s, %d) = %v; want %v", tc.start, tc.n, got, want)
		}
	}
}

func TestReceivedAtAndDeadline(t *testing.T) {
	c := mustNew(t)
	utc := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name     string
		in       time.Time
		received time.Time
		days     int
		deadline time.Time
	}{
		{"during hours", ict(2026, 3, 2, 10, 0), ict(2026, 3, 2, 10, 0), 3, ict(2026, 3, 5, 17, 0)},
		{"before opening", ict(2026, 3, 2, 6, 0), ict(2026, 3, 2, 7, 30), 1, ict(2026, 3, 3, 17, 0)},
		{"at opening", ict(2026, 3, 2, 7, 30), ict(2026, 3, 2, 7, 30), 1, ict(2026, 3, 3, 17, 0)},
		{"at closing", ict(2026, 3, 2, 17, 0), ict(2026, 3, 3, 7, 30), 3, ict(2026, 3, 6, 17, 0)},
		{"after hours", ict(2026, 3, 2, 17, 30), ict(2026, 3, 3, 7, 30), 3, ict(2026, 3, 6, 17, 0)},
		{"friday night", ict(2026, 3, 6, 22, 0), ict(2026, 3, 9, 7, 30), 1, ict(2026, 3, 10, 17, 0)},
		{"sunday", ict(2026, 3, 8, 10, 0), ict(2026, 3, 9, 7, 30), 0, ict(2026, 3, 9, 17, 0)},
		{"given in UTC", utc(2026, 3, 2, 10, 30), ict(2026, 3, 3, 7, 30), 1, ict(2026, 3, 4, 17, 0)}, // 17:30 in Vietnam
		{"UTC evening is next day", utc(2026, 3, 1, 23, 0), ict(2026, 3, 2, 7, 30), 1, ict(2026, 3, 3, 17, 0)},
		{"eve of Tết", ict(2024, 2, 7, 18, 0), ict(2024, 2, 15, 7, 30), 1, ict(2024, 2, 16, 17, 0)},
		{"make-up Saturday", ict(2025, 4, 26, 9, 0), ict(2025, 4, 26, 9, 0), 1, ict(2025, 4, 28, 17, 0)},
		{"swapped Friday", ict(2025, 5, 2, 9, 0), ict(2025, 5, 5, 7, 30), 1, ict(2025, 5, 6, 17, 0)},
	} {
		if got := c.ReceivedAt(tc.in); !got.Equal(tc.received) || got.Location() != c.Location() {
			t.Errorf("%s: ReceivedAt(%v) = %v; want %v", tc.name, tc.in, got, tc.received)
		}
		if got := c.Deadline(tc.in, tc.days); !got.Equal(tc.deadline) {
			t.Errorf("%s: Deadline(%v, %d) = %v; want %v", tc.name, tc.in, tc.days, got, tc.deadline)
		}
	}

	c2 := mustNew(t, WithOfficeHours(8*time.Hour, 17*time.Hour+30*time.Minute))
	if got, want := c2.ReceivedAt(ict(2026, 3, 2, 17, 15)), ict(2026, 3, 2, 17, 15); !got.Equal(want) {
		t.Errorf("custom hours: ReceivedAt = %v; want %v", got, want)
	}
	if got, want := c2.ReceivedAt(ict(2026, 3, 2, 7, 45)), ict(2026, 3, 2, 8, 0); !got.Equal(want) {
		t.Errorf("custom hours: ReceivedAt = %v; want %v", got, want)
	}
	if got, want := c2.AddWorkingDays(ict(2026, 3, 2, 9, 0), 1), ict(2026, 3, 3, 17, 30); !got.Equal(want) {
		t.Errorf("custom hours: AddWorkingDays = %v; want %v", got, want)
	}
	for _, h := range [][2]time.Duration{{9 * time.Hour, 8 * time.Hour}, {-time.Hour, 8 * time.Hour}, {0, 25 * time.Hour}} {
		if _, err := New(WithOfficeHours(h[0], h[1])); err == nil {
			t.Errorf("New accepted office hours %v–%v", h[0], h[1])
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := mustNew(t)
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2024-02-07", "2024-02-15", 1},
		{"2024-02-07", "2024-02-14", 0},
		{"2024-02-15", "2024-02-07", -1},
		{"2026-03-02", "2026-03-02", 0},
		{"2025-04-25", "2025-04-28", 2},   // make-up Saturday 26 and Monday 28
		{"2024-01-01", "2025-01-01", 251}, // 262 weekdays − 12 weekdays off + 1 make-up Saturday
	} {
		if got := c.WorkingDaysBetween(date(tc.a), date(tc.b)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d; want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// slowAdd is the day-by-day definition of AddWorkingDays for n ≥ 0.
func slowAdd(c *Calendar, start time.Time, n int) time.Time {
	d := time.Date(start.In(c.Location()).Year(), start.In(c.Location()).Month(), start.In(c.Location()).Day(),
		12, 0, 0, 0, c.Location())
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 17, 0, 0, 0, c.Location())
}

func TestWorkingDayProperties(t *testing.T) {
	c := mustNew(t)
	rng := rand.New(rand.NewPCG(2026, 1))
	lo, hi := date("1990-01-01").Unix(), date("2090-12-31").Unix()
	for i := 0; i < 20000; i++ {
		s := time.Unix(lo+rng.Int64N(hi-lo), 0)
		n, m := rng.IntN(300), rng.IntN(300)
		got := c.AddWorkingDays(s, n)
		if n > 0 && !c.IsWorkingDay(got) {
			t.Fatalf("AddWorkingDays(%v, %d) = %v is not a working day", s, n, got)
		}
		if i%10 == 0 {
			if want := slowAdd(c, s, n); !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%v, %d) = %v; day by day %v", s, n, got, want)
			}
		}
		if next := c.AddWorkingDays(s, n+1); !next.After(got) {
			t.Fatalf("AddWorkingDays(%v, %d) = %v not after n-1 = %v", s, n+1, next, got)
		}
		if w := c.WorkingDaysBetween(s, got); w != n {
			t.Fatalf("WorkingDaysBetween(%v, AddWorkingDays(…, %d)) = %d", s, n, w)
		}
		if w := c.WorkingDaysBetween(got, s); w != -n {
			t.Fatalf("WorkingDaysBetween reversed = %d; want %d", w, -n)
		}
		if a, b := c.AddWorkingDays(got, m), c.AddWorkingDays(s, n+m); !a.Equal(b) {
			t.Fatalf("AddWorkingDays(AddWorkingDays(%v, %d), %d) = %v; AddWorkingDays(…, %d) = %v", s, n, m, a, n+m, b)
		}
		if n > 0 {
			if back := c.AddWorkingDays(got, -n); c.IsWorkingDay(s) && dayOf(back) != dayOf(s) {
				t.Fatalf("AddWorkingDays(AddWorkingDays(%v, %d), %d) = %v", s, n, -n, back)
			}
		}
		r := c.ReceivedAt(s)
		if r.Before(s) || !c.IsWorkingDay(r) || r.Sub(s) > 31*24*time.Hour {
			t.Fatalf("ReceivedAt(%v) = %v", s, r)
		}
		if nw := c.NextWorkingDay(s); !c.IsWorkingDay(nw) || dayOf(nw) != dayOf(c.AddWorkingDays(s, 1)) {
			t.Fatalf("NextWorkingDay(%v) = %v", s, nw)
		}
	}
}

func TestYearWithoutData(t *testing.T) {
	c := mustNew(t)
	if c.Known(2027) || c.Source(2027) != SourceComputed {
		t.Fatalf("2027: Known %v, Source %q; want computed", c.Known(2027), c.Source(2027))
	}
	if c.Source(2300) != SourceWeekends || c.Source(1850) != SourceWeekends {
		t.Errorf("Source outside the range = %q, %q", c.Source(2300), c.Source(1850))
	}
	// Tết Đinh Mùi 2027: mùng 1 on Saturday 6 February → computed nghỉ bù on Tuesday 9 and Wednesday 10.
	if label, ok := c.Holiday(date("2027-02-09")); !ok || !strings.Contains(label, "Nghỉ bù") {
		t.Errorf("Holiday(2027-02-09) = %q, %v", label, ok)
	}
	if d := c.Day(date("2027-02-06")); d.Kind != Holiday || d.Lunar != (LunarDate{2027, 1, 1, false}) || d.Source == "" {
		t.Errorf("Day(2027-02-06) = %+v", d)
	}
	// A schedule loaded at run time replaces the computed defaults for its year.
	yd, err := LoadYear(strings.NewReader(`{"year": 2027, "source": "TB test 2027", "days": [
		{"date": "2027-02-05", "kind": "holiday", "vi": "Tết", "en": "Tết"},
		{"date": "2027-02-13", "kind": "makeup", "vi": "Làm bù", "en": "Make-up"},
		{"date": "2026-12-31", "kind": "swapped", "vi": "Nghỉ hoán đổi", "en": "Swapped"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c2 := mustNew(t, WithYearData(yd))
	if !c2.Known(2027) || c2.Source(2027) != SourceData {
		t.Errorf("with data: Known %v, Source %q", c2.Known(2027), c2.Source(2027))
	}
	for d, want := range map[string]bool{
		"2027-02-05": false, "2027-02-09": true, "2027-02-13": true, "2027-01-01": true,
		"2026-12-31": false, // the 2027 notice swaps a day of 2026, whose own schedule does not list it
		"2026-12-30": true,
	} {
		if got := c2.IsWorkingDay(date(d)); got != want {
			t.Errorf("with 2027 data: IsWorkingDay(%s) = %v; want %v", d, got, want)
		}
	}
	// Without the embedded files, 2026 follows the computed defaults.
	c3 := mustNew(t, WithoutEmbeddedData())
	if c3.Source(2026) != SourceComputed || !c3.IsWorkingDay(date("2026-01-02")) || c3.IsWorkingDay(date("2026-01-10")) {
		t.Errorf("without embedded data 2026 should be computed")
	}
}

func TestDays(t *testing.T) {
	c := mustNew(t)
	for _, year := range []int{2024, 2025, 2033} {
		days := c.Days(year)
		want := 365
		if year == 2024 {
			want = 366
		}
		if len(days) != want {
			t.Fatalf("Days(%d) has %d days", year, len(days))
		}
		for i, d := range days {
			if y, m, dd := d.Date.Date(); d.Lunar != SolarToLunar(y, int(m), dd) || d.Date.Location() != c.Location() {
				t.Fatalf("Days(%d)[%d] = %+v; lunar %+v", year, i, d, SolarToLunar(y, int(m), dd))
			}
			if d.Working() != c.IsWorkingDay(d.Date) || (d.Kind == Holiday && d.Vi == "") {
				t.Fatalf("Days(%d)[%d] = %+v", year, i, d)
			}
		}
	}
	days := c.Days(2024)
	if d := days[40]; d.Date.Day() != 10 || d.Kind != Holiday || d.Lunar.Day != 1 || !strings.Contains(d.En, "Lunar New Year") {
		t.Errorf("Days(2024)[40] = %+v", d)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := mustNew(t)
	var wg sync.WaitGroup
	results := make([]time.Time, 8)
	for g := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for y := 1990; y < 2100; y += 3 {
				results[g] = c.AddWorkingDays(ict(y, 6, 1, 9, 0), 60)
			}
		}()
	}
	wg.Wait()
	for _, r := range results[1:] {
		if !r.Equal(results[0]) {
			t.Errorf("goroutines disagree: %v vs %v", r, results[0])
		}
	}
}

func BenchmarkAddWorkingDays60(b *testing.B) {
	c := mustNew(b)
	starts := make([]time.Time, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range starts {
		starts[i] = ict(2024+rng.IntN(3), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0)
		c.AddWorkingDays(starts[i], 60) // build the year tables before timing
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.AddWorkingDays(starts[i&1023], 60)
	}
}

func BenchmarkDeadline(b *testing.B) {
	c := mustNew(b)
	start := ict(2025, 12, 15, 16, 0)
	c.Deadline(start, 60)
	b.ReportAllocs()
	for b.Loop() {
		c.Deadline(start, 60)
	}
}

func TestDayArithmetic(t *testing.T) {
	for y := 1600; y <= 2400; y++ {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {3, 1}, {12, 31}} {
			day := unixDayOf(y, time.Month(md[0]), md[1])
			if got := yearOfDay(day); got != y {
				t.Fatalf("yearOfDay(%d-%02d-%02d) = %d", y, md[0], md[1], got)
			}
			if got, want := weekdayOf(day), time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC).Weekday(); got != want {
				t.Fatalf("weekdayOf(%d-%02d-%02d) = %v; want %v", y, md[0], md[1], got, want)
			}
		}
	}
	for _, tc := range []struct {
		t    time.Time
		want int
	}{
		{ict(1970, 1, 1, 0, 0), 0},
		{ict(1969, 12, 31, 23, 59), -1},
		{time.Date(1969, 12, 31, 17, 0, 0, 0, time.UTC), 0}, // midnight in Vietnam
		{time.Date(1969, 12, 31, 16, 59, 59, 0, time.UTC), -1},
		{ict(2026, 3, 2, 23, 59), unixDayOf(2026, 3, 2)},
	} {
		if got := dayOf(tc.t); got != tc.want {
			t.Errorf("dayOf(%v) = %d; want %d", tc.t, got, tc.want)
		}
	}
}
