package calendar

import (
	"fmt"
	"sort"
	"time"
)

// Sources cited by computed entries.
const (
	srcHoliday      = "Computed: Bộ luật Lao động 45/2019/QH14, Điều 112(1)"
	srcChosen       = "Computed: Bộ luật Lao động 45/2019/QH14, Điều 112(1); the Prime Minister fixes the days (Điều 112(3)), this is Liên Thông's default"
	srcCompensatory = "Computed: Bộ luật Lao động 45/2019/QH14, Điều 111(3)"
	srcOldNational  = "Computed: Quốc khánh was 1 day before 2021 (the 2019 Labour Code added the second day)"
)

// ComputedYear returns the default schedule of a year, computed from the Labour Code 2019 (Bộ luật Lao
// động 45/2019/QH14) for years that have no published schedule. It is a forecast: each year the Prime
// Minister fixes the Tết and National Day days and approves swaps, and the notice replaces it. It lists:
//
//   - New Year's Day, 1 January;
//   - Tết, 5 days: the last two days of the old lunar year and mùng 1–3 (as in 2024 and 2025), or, when
//     mùng 1 is a Tuesday, the last day of the old year and mùng 1–4, so that the five days are Monday to
//     Friday (as in 2026);
//   - Hùng Kings' Day, 10/3 lunar (of the ordinary month 3 when month 3 is doubled);
//   - Victory Day, 30 April, and Labour Day, 1 May;
//   - National Day, 2 September, and from 2021 one adjacent day: 3 September when 2 September is a Sunday,
//     Monday or Thursday, otherwise 1 September, the choices of 2021–2026, which join the weekend;
//   - for each holiday on a Saturday or Sunday, in date order, a compensatory day on the next weekday
//     that is not already a holiday or compensatory day (art. 111(3)).
//
// Two holidays on the same date (possible for Hùng Kings' Day and 30 April) give one day off with both
// labels. Swaps and make-up days are never computed: they exist only in published schedules.
func ComputedYear(year int) YearData {
	type hol struct {
		date   time.Time
		vi, en string
		source string
	}
	var hs []hol
	add := func(d time.Time, vi, en, source string) {
		for i := range hs {
			if hs[i].date.Equal(d) {
				hs[i].vi += "; " + vi
				hs[i].en += "; " + en
				return
			}
		}
		hs = append(hs, hol{d, vi, en, source})
	}
	date := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }

	add(date(time.January, 1), "Tết Dương lịch", "New Year's Day", srcHoliday)

	name := YearName(year)
	if y, m, d, ok := LunarToSolar(LunarDate{Year: year, Month: 1, Day: 1}); ok {
		first := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		before := 2
		if first.Weekday() == time.Tuesday {
			before = 1
		}
		for i := -before; i < 5-before; i++ {
			t := first.AddDate(0, 0, i)
			ld := SolarToLunar(t.Year(), int(t.Month()), t.Day())
			if ld.Month == 12 {
				add(t, fmt.Sprintf("Tết Nguyên đán %s (%d tháng Chạp)", name, ld.Day),
					fmt.Sprintf("Lunar New Year %s (day %d of the 12th lunar month)", name, ld.Day), srcChosen)
			} else {
				add(t, fmt.Sprintf("Tết Nguyên đán %s (mùng %d)", name, ld.Day),
					fmt.Sprintf("Lunar New Year %s (day %d)", name, ld.Day), srcChosen)
			}
		}
	}
	if y, m, d, ok := LunarToSolar(LunarDate{Year: year, Month: 3, Day: 10}); ok {
		add(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), "Giỗ Tổ Hùng Vương (10/3 âm lịch)",
			"Hùng Kings' Commemoration Day (10th day of the 3rd lunar month)", srcHoliday)
	}
	add(date(time.April, 30), "Ngày Chiến thắng (30/4)", "Victory Day (30 April)", srcHoliday)
	add(date(time.May, 1), "Ngày Quốc tế Lao động (1/5)", "International Labour Day (1 May)", srcHoliday)
	national := date(time.September, 2)
	if year < 2021 {
		add(national, "Quốc khánh (2/9)", "National Day (2 September)", srcOldNational)
	} else {
		add(national, "Quốc khánh (2/9)", "National Day (2 September)", srcHoliday)
		adj := 1
		switch national.Weekday() {
		case time.Sunday, time.Monday, time.Thursday:
			adj = 3
		}
		add(date(time.September, adj), fmt.Sprintf("Quốc khánh (ngày liền kề, %d/9)", adj),
			fmt.Sprintf("National Day (adjacent day, %d September)", adj), srcChosen)
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].date.Before(hs[j].date) })

	off := make(map[string]bool, 2*len(hs)) // dates, YYYY-MM-DD
	for _, h := range hs {
		off[h.date.Format(time.DateOnly)] = true
	}
	yd := YearData{
		Year:   year,
		Source: "Computed by Liên Thông from the Labour Code 2019; no published schedule for this year",
	}
	var comp []Entry
	for _, h := range hs {
		yd.Days = append(yd.Days, Entry{Date: h.date.Format(time.DateOnly), Kind: Holiday, Vi: h.vi, En: h.en,
			Source: h.source})
		if !isWeekend(h.date.Weekday()) {
			continue
		}
		d := h.date.AddDate(0, 0, 1)
		for isWeekend(d.Weekday()) || off[d.Format(time.DateOnly)] {
			d = d.AddDate(0, 0, 1)
		}
		off[d.Format(time.DateOnly)] = true
		comp = append(comp, Entry{
			Date: d.Format(time.DateOnly),
			Kind: Compensatory,
			Vi:   fmt.Sprintf("Nghỉ bù cho %s, trùng %s %d/%d", h.vi, weekdayVi(h.date.Weekday()), h.date.Day(), h.date.Month()),
			En: fmt.Sprintf("Compensatory day off for %s, which fell on %s %d %s", h.en, h.date.Weekday(),
				h.date.Day(), h.date.Month()),
			Source: srcCompensatory,
		})
	}
	yd.Days = append(yd.Days, comp...)
	sort.SliceStable(yd.Days, func(i, j int) bool { return yd.Days[i].Date < yd.Days[j].Date })
	return yd
}

// isWeekend reports whether wd is a weekly rest day of the civil service.
func isWeekend(wd time.Weekday) bool { return wd == time.Saturday || wd == time.Sunday }

// weekdayVi names a weekend day in Vietnamese.
func weekdayVi(wd time.Weekday) string {
	if wd == time.Sunday {
		return "Chủ nhật"
	}
	return "thứ Bảy"
}
