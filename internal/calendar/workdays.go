package calendar

import (
	"fmt"
	"sync"
	"time"
)

// MinYear and MaxYear bound the years whose holidays a Calendar knows and whose schedules it accepts.
// Outside them only weekends are days off.
const (
	MinYear = 1900
	MaxYear = 2199
)

// Source says where a Calendar takes a year's days off from.
type Source string

// The sources of a year's days off.
const (
	// SourceData means a published schedule (a year data file) fixes the year.
	SourceData Source = "data"
	// SourceComputed means the year has no schedule and follows ComputedYear.
	SourceComputed Source = "computed"
	// SourceWeekends means the year is outside MinYear–MaxYear: only weekends are days off.
	SourceWeekends Source = "weekends"
)

// Default office hours of a one-stop shop, as durations since local midnight.
const (
	DefaultOpen  = 7*time.Hour + 30*time.Minute
	DefaultClose = 17 * time.Hour
)

// Option configures a Calendar built by New.
type Option func(*settings)

type settings struct {
	open, close time.Duration
	years       []YearData
	noEmbedded  bool
}

// WithOfficeHours sets the office hours of the receiving office, as durations since local midnight
// (default 07:30–17:00). ReceivedAt moves receipts outside them, and deadlines fall at the closing time.
func WithOfficeHours(open, close time.Duration) Option {
	return func(s *settings) { s.open, s.close = open, close }
}

// WithYearData adds published schedules, for example next year's notice read with LoadYear. A schedule
// replaces an embedded one for the same year, and a later one replaces an earlier one.
func WithYearData(years ...YearData) Option {
	return func(s *settings) { s.years = append(s.years, years...) }
}

// WithoutEmbeddedData leaves out the schedules compiled into the program, so that only WithYearData and
// the computed defaults count.
func WithoutEmbeddedData() Option {
	return func(s *settings) { s.noEmbedded = true }
}

// Calendar answers working-day questions for Vietnamese civil servants. Build it with New; it is
// immutable afterwards and safe for concurrent use. Each year's table of days is built on first use.
type Calendar struct {
	loc         *time.Location
	open, close time.Duration
	data        map[int][]dayEntry
	years       [MaxYear - MinYear + 1]yearSlot
}

// yearSlot holds a year's table, built once.
type yearSlot struct {
	once sync.Once
	t    *yearTable
}

// yearTable is one Gregorian year, day by day, with prefix counts of working days so that moving n working
// days costs one table look-up per year crossed.
type yearTable struct {
	year   int
	first  int // day number (days since 1970-01-01) of 1 January
	n      int // days in the year
	total  int // working days in the year
	source Source
	kind   [366]Kind
	cum    [367]uint16 // cum[i]: working days among the year's first i days
	pos    [366]uint16 // pos[r]: index of the year's (r+1)-th working day
	info   map[int]dayEntry
}

// New builds a Calendar with the embedded schedules (data/2024.json …), any added with WithYearData, and
// office hours 07:30–17:00 unless WithOfficeHours says otherwise. It fails on invalid office hours or
// schedules.
func New(opts ...Option) (*Calendar, error) {
	s := settings{open: DefaultOpen, close: DefaultClose}
	for _, o := range opts {
		o(&s)
	}
	if s.open < 0 || s.close > 24*time.Hour || s.open >= s.close {
		return nil, fmt.Errorf("calendar.New: office hours %v–%v must satisfy 0 ≤ open < close ≤ 24h", s.open, s.close)
	}
	c := &Calendar{
		loc:   time.FixedZone("ICT", 7*3600),
		open:  s.open,
		close: s.close,
		data:  make(map[int][]dayEntry),
	}
	var years []YearData
	if !s.noEmbedded {
		emb, err := EmbeddedYears()
		if err != nil {
			return nil, fmt.Errorf("calendar.New: %w", err)
		}
		years = emb
	}
	for _, yd := range append(years, s.years...) {
		es, err := yd.entries()
		if err != nil {
			return nil, fmt.Errorf("calendar.New: year data %d: %w", yd.Year, err)
		}
		c.data[yd.Year] = es
	}
	return c, nil
}

// Location returns the calendar's zone, a fixed UTC+7 named ICT, in which all results are given.
func (c *Calendar) Location() *time.Location { return c.loc }

// OfficeHours returns the opening and closing times as durations since local midnight.
func (c *Calendar) OfficeHours() (open, close time.Duration) { return c.open, c.close }

// Source says whether year follows a published schedule ("data"), the computed defaults ("computed"), or,
// outside MinYear–MaxYear, weekends only ("weekends").
func (c *Calendar) Source(year int) Source {
	switch {
	case year < MinYear || year > MaxYear:
		return SourceWeekends
	case c.data[year] != nil:
		return SourceData
	}
	return SourceComputed
}

// Known reports whether year follows a published schedule. Deadlines that reach a year that is not known
// rest on the computed defaults and may move when the year's notice is added.
func (c *Calendar) Known(year int) bool { return c.Source(year) == SourceData }

// table returns the table of year y.
func (c *Calendar) table(y int) *yearTable {
	if y < MinYear || y > MaxYear {
		return c.build(y)
	}
	s := &c.years[y-MinYear]
	s.once.Do(func() { s.t = c.build(y) })
	return s.t
}

// build makes the table of year y: weekends by weekday, then the computed defaults or the year's own
// schedule, with the neighbouring years' schedules applied to any dates of y they list.
func (c *Calendar) build(y int) *yearTable {
	t := &yearTable{year: y, first: unixDayOf(y, time.January, 1), info: make(map[int]dayEntry)}
	t.n = unixDayOf(y+1, time.January, 1) - t.first
	for i := 0; i < t.n; i++ {
		if isWeekend(weekdayOf(t.first + i)) {
			t.kind[i] = Weekend
		}
	}
	apply := func(es []dayEntry) {
		for _, e := range es {
			if i := e.day - t.first; i >= 0 && i < t.n {
				t.kind[i] = e.kind
				t.info[i] = e
			}
		}
	}
	if y < MinYear || y > MaxYear {
		t.source = SourceWeekends
	} else if own, ok := c.data[y]; ok {
		t.source = SourceData
		apply(c.data[y-1])
		apply(c.data[y+1])
		apply(own) // the year's own schedule wins over its neighbours'
	} else {
		t.source = SourceComputed
		computed, err := ComputedYear(y).entries()
		if err != nil {
			panic(fmt.Sprintf("calendar: computed year %d is invalid: %v", y, err)) // a bug, caught by tests
		}
		apply(computed)
		apply(c.data[y-1])
		apply(c.data[y+1]) // published data wins over computed defaults
	}
	for i := 0; i < t.n; i++ {
		t.cum[i] = uint16(t.total)
		if t.kind[i].Working() {
			t.pos[t.total] = uint16(i)
			t.total++
		}
	}
	t.cum[t.n] = uint16(t.total)
	return t
}

// Day is one day of the calendar.
type Day struct {
	// Date is the day's local midnight in the calendar's zone.
	Date time.Time
	// Kind says what the day is.
	Kind Kind
	// Vi and En label holidays, compensatory, swapped and make-up days; they are empty for ordinary
	// workdays and weekends.
	Vi, En string
	// Source cites the notice or rule behind a labelled day.
	Source string
	// Lunar is the day's date in the Vietnamese lunar calendar.
	Lunar LunarDate
}

// Working reports whether the day is a working day.
func (d Day) Working() bool { return d.Kind.Working() }

// Day describes the local date of t.
func (c *Calendar) Day(t time.Time) Day {
	day := dayOf(t)
	tab := c.table(yearOfDay(day))
	y, m, d := civilFromUnixDay(day)
	out := c.day(tab, day-tab.first)
	out.Lunar = SolarToLunar(y, int(m), d)
	return out
}

// day describes day i of table t, without its lunar date.
func (c *Calendar) day(t *yearTable, i int) Day {
	e := t.info[i]
	return Day{Date: c.at(t.first+i, 0), Kind: t.kind[i], Vi: e.vi, En: e.en, Source: e.source}
}

// Days returns every day of year, 1 January to 31 December, with its kind, labels and lunar date, for a
// calendar page.
func (c *Calendar) Days(year int) []Day {
	t := c.table(year)
	type month struct {
		start int // day number of day 1
		ld    LunarDate
	}
	var months []month
	for _, s := range []lunarSpan{spanOf(year - 1), spanOf(year)} {
		for o := 0; o < s.months; o++ {
			ly, lm, leap := s.label(o)
			months = append(months, month{newMoonDay(s.k11+o) - jdnUnixEpoch, LunarDate{ly, lm, 1, leap}})
		}
	}
	out := make([]Day, t.n)
	mi := 0
	for i := range out {
		day := t.first + i
		for mi+1 < len(months) && months[mi+1].start <= day {
			mi++
		}
		out[i] = c.day(t, i)
		out[i].Lunar = months[mi].ld
		out[i].Lunar.Day = day - months[mi].start + 1
	}
	return out
}

// IsWorkingDay reports whether the local date of t is a working day: Monday to Friday unless it is a
// holiday, compensatory or swapped day off, or a make-up Saturday or Sunday.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.working(dayOf(t)) }

// Holiday returns the Vietnamese label of the local date of t when it is a day off other than the weekly
// rest: a holiday (also one that falls on a weekend), a compensatory day or a swapped day. Day gives the
// English label too.
func (c *Calendar) Holiday(t time.Time) (label string, ok bool) {
	day := dayOf(t)
	tab := c.table(yearOfDay(day))
	switch i := day - tab.first; tab.kind[i] {
	case Holiday, Compensatory, Swapped:
		return tab.info[i].vi, true
	}
	return "", false
}

// NextWorkingDay returns the local midnight that begins the first working day after the local date of t.
func (c *Calendar) NextWorkingDay(t time.Time) time.Time { return c.at(c.shift(dayOf(t), 1), 0) }

// AddWorkingDays returns the deadline of a task of n working days begun on the local date of start:
// the closing time (17:00 by default) of the n-th working day after that date. The start date itself
// never counts, whether or not it is a working day and whatever the time (the first day of a period is
// not counted; counting begins the next working day), and n = 0 gives the closing time of the start
// date. For n < 0 it returns the closing time of the |n|-th working day before the start date. Times of
// day are ignored; use Deadline to apply the office-hours rule for receipts first.
//
// For n ≥ 0, WorkingDaysBetween(start, AddWorkingDays(start, n)) == n, and for n, m ≥ 0 adding n then m
// working days equals adding n+m. The cost is one table look-up per year crossed.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	return c.at(c.shift(dayOf(start), n), c.close)
}

// Deadline returns the date and time by which a dossier received at received must be settled when its
// procedure takes n working days: the receipt is first moved by ReceivedAt (after hours or on a day off it
// counts from the next working day's opening), then AddWorkingDays counts n working days from the day
// after it. A dossier received on Monday at 10:00 with 3 working days is due on Thursday at 17:00; one
// received on Monday at 17:30 is due on Friday at 17:00.
func (c *Calendar) Deadline(received time.Time, n int) time.Time {
	return c.AddWorkingDays(c.ReceivedAt(received), n)
}

// WorkingDaysBetween counts the working days after the local date of a up to and including the local
// date of b; it is negative, the count from b to a, when b is before a. It ignores the time of day:
// a dossier settled on the day after its deadline day is 1 working day late if that day is a working day.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	da, db := dayOf(a), dayOf(b)
	if db < da {
		return -c.between(db, da)
	}
	return c.between(da, db)
}

// ReceivedAt returns when a dossier handed in at t counts as received: t itself during office hours of a
// working day; the opening time of the same day when t is before opening on a working day; otherwise
// (after closing, or on a weekend, holiday or other day off) the opening time of the next working day.
// The result is in the calendar's zone. Lunch breaks are not modelled.
func (c *Calendar) ReceivedAt(t time.Time) time.Time {
	day := dayOf(t)
	clock := time.Duration(t.Unix()+ictOffset-int64(day)*86400)*time.Second + time.Duration(t.Nanosecond())
	if c.working(day) {
		if clock < c.open {
			return c.at(day, c.open)
		}
		if clock < c.close {
			return t.In(c.loc)
		}
	}
	return c.at(c.shift(day, 1), c.open)
}

// ictOffset is UTC+7 in seconds.
const ictOffset = 7 * 3600

// working reports whether day number day is a working day.
func (c *Calendar) working(day int) bool {
	t := c.table(yearOfDay(day))
	return t.kind[day-t.first].Working()
}

// shift returns the day number of the n-th working day after day (n > 0), before it (n < 0), or day
// itself (n = 0).
func (c *Calendar) shift(day, n int) int {
	if n == 0 {
		return day
	}
	t := c.table(yearOfDay(day))
	i := day - t.first
	if n > 0 {
		// The target's 1-based rank among the year's working days; move on a year while it is beyond.
		r := int(t.cum[i+1]) + n
		for r > t.total {
			r -= t.total
			t = c.table(t.year + 1)
		}
		return t.first + int(t.pos[r-1])
	}
	// The working days before day have ranks 1..cum[i]; the |n|-th before is rank cum[i]+n+1.
	r := int(t.cum[i]) + n + 1
	for r < 1 {
		t = c.table(t.year - 1)
		r += t.total
	}
	return t.first + int(t.pos[r-1])
}

// between counts the working days in (da, db], for da ≤ db.
func (c *Calendar) between(da, db int) int {
	ta, tb := c.table(yearOfDay(da)), c.table(yearOfDay(db))
	ia, ib := da-ta.first, db-tb.first
	if ta.year == tb.year {
		return int(tb.cum[ib+1]) - int(ta.cum[ia+1])
	}
	n := ta.total - int(ta.cum[ia+1])
	for y := ta.year + 1; y < tb.year; y++ {
		n += c.table(y).total
	}
	return n + int(tb.cum[ib+1])
}

// at returns the instant clock after the local midnight that begins day number day.
func (c *Calendar) at(day int, clock time.Duration) time.Time {
	return time.Unix(int64(day)*86400-ictOffset, int64(clock)).In(c.loc)
}

// dayOf returns the day number (days since 1970-01-01) of the local (UTC+7) date of t.
func dayOf(t time.Time) int {
	s := t.Unix() + ictOffset
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return int(d)
}

// weekdayOf returns the weekday of day number day (1970-01-01 was a Thursday).
func weekdayOf(day int) time.Weekday { return time.Weekday(mod(day+4, 7)) }

// yearOfDay returns the Gregorian year of day number day, by Howard Hinnant's civil-from-days method
// (eras of 400 years counted from 1 March 0000).
func yearOfDay(day int) int {
	z := day + 719468
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097                                  // day of the era, 0–146096
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, 0–399
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from 1 March
	y := yoe + era*400
	if (5*doy+2)/153 >= 10 { // January and February end the March-based year
		y++
	}
	return y
}
