package calendar

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// vietnameseTet lists mùng 1 Tết in Vietnam. It equals the Chinese New Year except where the new moon
// falls between 23:00 and 24:00 UTC+7 (1985, 2007, 2030), so the day differs in UTC+7 and UTC+8.
var vietnameseTet = map[int]string{
	1970: "1970-02-06", 1971: "1971-01-27", 1972: "1972-02-15", 1973: "1973-02-03", 1974: "1974-01-23",
	1975: "1975-02-11", 1976: "1976-01-31", 1977: "1977-02-18", 1978: "1978-02-07", 1979: "1979-01-28",
	1980: "1980-02-16", 1981: "1981-02-05", 1982: "1982-01-25", 1983: "1983-02-13", 1984: "1984-02-02",
	1985: "1985-01-21", // China: 20 February
	1986: "1986-02-09", 1987: "1987-01-29", 1988: "1988-02-17", 1989: "1989-02-06", 1990: "1990-01-27",
	1991: "1991-02-15", 1992: "1992-02-04", 1993: "1993-01-23", 1994: "1994-02-10", 1995: "1995-01-31",
	1996: "1996-02-19", 1997: "1997-02-07", 1998: "1998-01-28", 1999: "1999-02-16", 2000: "2000-02-05",
	2001: "2001-01-24", 2002: "2002-02-12", 2003: "2003-02-01", 2004: "2004-01-22", 2005: "2005-02-09",
	2006: "2006-01-29",
	2007: "2007-02-17", // China: 18 February
	2008: "2008-02-07", 2009: "2009-01-26", 2010: "2010-02-14", 2011: "2011-02-03", 2012: "2012-01-23",
	2013: "2013-02-10", 2014: "2014-01-31", 2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28",
	2018: "2018-02-16", 2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
	2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06",
	2028: "2028-01-26", 2029: "2029-02-13",
	2030: "2030-02-02", // China: 3 February (new moon 2 February 23:07 UTC+7)
	2031: "2031-01-23", 2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19", 2035: "2035-02-08",
	2036: "2036-01-28", 2037: "2037-02-15", 2038: "2038-02-04", 2039: "2039-01-24", 2040: "2040-02-12",
}

func ymd(s string) (y, m, d int) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Year(), int(t.Month()), t.Day()
}

func TestTet(t *testing.T) {
	if len(vietnameseTet) < 25 {
		t.Fatalf("table has %d years", len(vietnameseTet))
	}
	for year, want := range vietnameseTet {
		y, m, d, ok := LunarToSolar(LunarDate{Year: year, Month: 1, Day: 1})
		if got := fmt.Sprintf("%04d-%02d-%02d", y, m, d); !ok || got != want {
			t.Errorf("LunarToSolar(1/1/%d) = %s, %v; want %s", year, got, ok, want)
		}
		wy, wm, wd := ymd(want)
		if got := SolarToLunar(wy, wm, wd); got != (LunarDate{Year: year, Month: 1, Day: 1}) {
			t.Errorf("SolarToLunar(%s) = %+v; want 1/1/%d", want, got, year)
		}
		// The day before Tết is the last day (29 or 30) of month 12 of the year before.
		prev := SolarToLunar(wy, wm, wd-1)
		if prev.Year != year-1 || prev.Month != 12 || prev.Leap || (prev.Day != 29 && prev.Day != 30) {
			t.Errorf("SolarToLunar(day before %s) = %+v; want 29 or 30/12/%d", want, prev, year-1)
		}
	}
}

func TestLunarKnownDates(t *testing.T) {
	tests := []struct {
		solar string
		lunar LunarDate
	}{
		// Hùng Kings' Day, 10/3.
		{"2020-04-02", LunarDate{2020, 3, 10, false}},
		{"2021-04-21", LunarDate{2021, 3, 10, false}},
		{"2022-04-10", LunarDate{2022, 3, 10, false}},
		{"2023-04-29", LunarDate{2023, 3, 10, false}}, // after the leap month 2 of 2023
		{"2024-04-18", LunarDate{2024, 3, 10, false}},
		{"2025-04-07", LunarDate{2025, 3, 10, false}},
		{"2026-04-26", LunarDate{2026, 3, 10, false}},
		// Mid-Autumn, 15/8.
		{"2023-09-29", LunarDate{2023, 8, 15, false}},
		{"2024-09-17", LunarDate{2024, 8, 15, false}},
		{"2025-10-06", LunarDate{2025, 8, 15, false}}, // after the leap month 6 of 2025
		// The schedules' own lunar labels (vn-calendar-and-rules.md §1.2).
		{"2024-02-08", LunarDate{2023, 12, 29, false}},
		{"2026-02-16", LunarDate{2025, 12, 29, false}},
		// Leap months: 4/2020, 2/2023, 6/2025, and 11/2033 at the end of the Gregorian year.
		{"2020-05-23", LunarDate{2020, 4, 1, true}},
		{"2023-03-22", LunarDate{2023, 2, 1, true}},
		{"2025-07-25", LunarDate{2025, 6, 1, true}},
		{"2033-12-22", LunarDate{2033, 11, 1, true}},
	}
	for _, tc := range tests {
		y, m, d := ymd(tc.solar)
		if got := SolarToLunar(y, m, d); got != tc.lunar {
			t.Errorf("SolarToLunar(%s) = %+v; want %+v", tc.solar, got, tc.lunar)
		}
		gy, gm, gd, ok := LunarToSolar(tc.lunar)
		if got := fmt.Sprintf("%04d-%02d-%02d", gy, gm, gd); !ok || got != tc.solar {
			t.Errorf("LunarToSolar(%+v) = %s, %v; want %s", tc.lunar, got, ok, tc.solar)
		}
	}
}

func TestLeapMonths(t *testing.T) {
	// Leap months of the Vietnamese calendar, by lunar year; other years have none.
	want := map[int]int{2012: 4, 2014: 9, 2017: 6, 2020: 4, 2023: 2, 2025: 6, 2028: 5, 2031: 3, 2033: 11}
	for year := 2010; year <= 2035; year++ {
		got := 0
		for m := 1; m <= 12; m++ {
			if _, _, _, ok := LunarToSolar(LunarDate{Year: year, Month: m, Day: 1, Leap: true}); ok {
				if got != 0 {
					t.Errorf("year %d has two leap months, %d and %d", year, got, m)
				}
				got = m
			}
		}
		if got != want[year] {
			t.Errorf("leap month of %d = %d; want %d", year, got, want[year])
		}
	}
}

func TestLunarRoundTrip(t *testing.T) {
	// Every day 1900–2199 converts to a lunar date and back, and consecutive days advance by one lunar day
	// or start a month of 29 or 30 days.
	start, end := unixDayOf(1900, 1, 1), unixDayOf(2200, 1, 1)
	step := 1
	if testing.Short() {
		step = 7
	}
	for day := start; day < end; day += step {
		y, m, d := civilFromUnixDay(day)
		ld := SolarToLunar(y, int(m), d)
		gy, gm, gd, ok := LunarToSolar(ld)
		if !ok || gy != y || gm != int(m) || gd != d {
			t.Fatalf("%04d-%02d-%02d → %+v → %04d-%02d-%02d, %v", y, m, d, ld, gy, gm, gd, ok)
		}
		if step == 1 && ld.Day == 1 && day > start {
			py, pm, pd := civilFromUnixDay(day - 1)
			if last := SolarToLunar(py, int(pm), pd); last.Day != 29 && last.Day != 30 {
				t.Fatalf("month before %+v has %d days", ld, last.Day)
			}
		}
	}
}

func TestLunarToSolarInvalid(t *testing.T) {
	for _, ld := range []LunarDate{
		{2024, 0, 1, false}, {2024, 13, 1, false}, {2024, 1, 0, false}, {2024, 1, 31, false},
		{2024, 4, 1, true},    // 2024 has no leap month
		{2025, 5, 1, true},    // 2025's leap month is 6
		{2026, 12, 30, false}, // month 12 of Bính Ngọ has 29 days (Tết 2027 is 6 February)
	} {
		if y, m, d, ok := LunarToSolar(ld); ok {
			t.Errorf("LunarToSolar(%+v) = %d-%d-%d, true; want not ok", ld, y, m, d)
		}
	}
}

func TestYearName(t *testing.T) {
	for year, want := range map[int]string{1985: "Ất Sửu", 2024: "Giáp Thìn", 2025: "Ất Tỵ", 2026: "Bính Ngọ", 1900: "Canh Tý"} {
		if got := YearName(year); got != want {
			t.Errorf("YearName(%d) = %q; want %q", year, got, want)
		}
	}
}

// newMoonMeeus98 is the new moon of Meeus' "Astronomical Algorithms" (2nd ed., ch. 49) with its main
// periodic terms and a fixed ΔT, an independent series to check newMoonJD against.
func newMoonMeeus98(k float64) float64 {
	t := k / 1236.85
	e := 1 - 0.002516*t - 0.0000074*t*t
	m := 2.5534 + 29.10535670*k - 0.0000014*t*t
	mp := 201.5643 + 385.81693528*k + 0.0107582*t*t
	f := 160.7108 + 390.67050284*k - 0.0016118*t*t
	om := 124.7746 - 1.56375588*k + 0.0020672*t*t
	s := sinDeg
	c := -0.40720*s(mp) + 0.17241*e*s(m) + 0.01608*s(2*mp) + 0.01039*s(2*f) + 0.00739*e*s(mp-m) -
		0.00514*e*s(mp+m) + 0.00208*e*e*s(2*m) - 0.00111*s(mp-2*f) - 0.00057*s(mp+2*f) +
		0.00056*e*s(2*mp+m) - 0.00042*s(3*mp) + 0.00042*e*s(m+2*f) + 0.00038*e*s(m-2*f) -
		0.00024*e*s(2*mp-m) - 0.00017*s(om) - 0.00007*s(mp+2*m)
	return 2451550.09766 + 29.530588861*k + 0.00015437*t*t + c - 60.0/86400
}

func TestNewMoonSeries(t *testing.T) {
	// From 1900 to 2100 the short series stays within 4.5 minutes of the longer one.
	worst := 0.0
	for k := 0; k < 2500; k++ {
		jd := newMoonJD(k)
		diff := math.Abs(jd-newMoonMeeus98(math.Round((jd-2451550.09766)/29.530588861))) * 1440
		worst = max(worst, diff)
	}
	t.Logf("largest difference between the new-moon series, 1900–2100: %.2f minutes", worst)
	if worst > 4.5 {
		t.Errorf("largest difference between the new-moon series = %.1f minutes", worst)
	}
	// The new moon of Tết 2030 is late on 2 February in UTC+7, hence the Vietnamese date.
	k, start := lunationOnOrBefore(jdnOf(2030, 2, 2))
	hour := math.Mod(newMoonJD(k)+0.5+zoneDays, 1) * 24
	t.Logf("new moon of Tết 2030 at %.2f h UTC+7", hour)
	if start != jdnOf(2030, 2, 2) || hour < 22.5 {
		y, m, d := civilOf(start)
		t.Errorf("new moon of Tết 2030 = %d-%d-%d at %.2f h UTC+7; want 2030-02-02 after 22:30", y, m, d, hour)
	}
}

func TestSunLongitude(t *testing.T) {
	// December solstice 2024 at 09:21 UT and March equinox 2024 at 03:06 UT.
	for _, tc := range []struct {
		at   time.Time
		want float64
	}{
		{time.Date(2024, 12, 21, 9, 21, 0, 0, time.UTC), 270},
		{time.Date(2024, 3, 20, 3, 6, 0, 0, time.UTC), 0},
	} {
		jd := float64(tc.at.Unix())/86400 + 2440587.5
		got := sunLongitude(jd)
		if d := math.Abs(math.Remainder(got-tc.want, 360)); d > 0.02 {
			t.Errorf("sunLongitude(%v) = %.4f; want %v ± 0.02", tc.at, got, tc.want)
		}
	}
}

func BenchmarkSolarToLunar(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		SolarToLunar(2000+i%50, 1+i%12, 1+i%28)
	}
}
