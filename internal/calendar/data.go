package calendar

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Kind says what sort of day a date is for civil servants.
type Kind uint8

// The kinds of day. Year data files use the four kinds from Holiday to MakeUp; Workday and Weekend are
// what every other day is.
const (
	// Workday is an ordinary working day (ngày làm việc), Monday to Friday.
	Workday Kind = iota
	// Weekend is the weekly rest day (ngày nghỉ hằng tuần), Saturday or Sunday.
	Weekend
	// Holiday is a public holiday (ngày nghỉ lễ, tết) of Labour Code 2019 art. 112, which may fall on a
	// weekend.
	Holiday
	// Compensatory is a compensatory day off (nghỉ bù) for a holiday that fell on a weekend (art. 111(3)).
	Compensatory
	// Swapped is a working day turned into a day off by a swap (nghỉ hoán đổi) and worked on a MakeUp day.
	Swapped
	// MakeUp is a weekend day worked in exchange for a Swapped day (làm bù); it is a working day for civil
	// servants.
	MakeUp
)

// String returns the kind's name as written in year data files, such as "compensatory".
func (k Kind) String() string {
	switch k {
	case Workday:
		return "workday"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	case Compensatory:
		return "compensatory"
	case Swapped:
		return "swapped"
	case MakeUp:
		return "makeup"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Working reports whether a day of this kind is a working day.
func (k Kind) Working() bool { return k == Workday || k == MakeUp }

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) {
	if k > MakeUp {
		return nil, fmt.Errorf("calendar: unknown day kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for c := Workday; c <= MakeUp; c++ {
		if string(b) == c.String() {
			*k = c
			return nil
		}
	}
	return fmt.Errorf("unknown day kind %q (want holiday, compensatory, swapped or makeup)", b)
}

// YearData is one year's schedule of days off and make-up working days, as the Prime Minister's decision
// and the ministry's notice (thông báo) publish it for civil servants each year. When a Calendar has the
// data of a year, it replaces the computed defaults for that year entirely: every listed day is what it
// says, every other day is a Workday or a Weekend by its weekday.
type YearData struct {
	// Year is the year the schedule is for.
	Year int `json:"year"`
	// Source names the notices transcribed, and is the source of entries that name none.
	Source string `json:"source"`
	// Note is free text for maintainers.
	Note string `json:"note,omitempty"`
	// Days lists the days that are not ordinary: holidays (also those on a weekend), compensatory and
	// swapped days off, and make-up working days. A notice for one year may touch the last or first days of
	// the neighbouring years (a 31 December swapped for the New Year), so dates in Year−1 and Year+1 are
	// allowed; they apply unless that year's own data lists the same date.
	Days []Entry `json:"days"`
}

// Entry is one day of a YearData.
type Entry struct {
	// Date is the day, written YYYY-MM-DD.
	Date string `json:"date"`
	// Kind is Holiday, Compensatory, Swapped or MakeUp.
	Kind Kind `json:"kind"`
	// Vi and En label the day in Vietnamese and English.
	Vi string `json:"vi"`
	En string `json:"en"`
	// Source cites the notice that fixes this day; empty means YearData.Source.
	Source string `json:"source,omitempty"`
}

// dayEntry is a validated Entry: its date as a day number (days since 1970-01-01) and its source filled in.
type dayEntry struct {
	day    int
	kind   Kind
	vi, en string
	source string
}

// maxYearDataSize bounds a year data file, which holds a few dozen entries.
const maxYearDataSize = 1 << 20

// LoadYear reads and checks one year's schedule in the JSON form of YearData (the form of the embedded
// files data/2024.json …). Unknown fields, unknown kinds, repeated dates, dates outside the year and its
// neighbours, compensatory or swapped days on a weekend, make-up days on a weekday and missing labels or
// sources are errors.
func LoadYear(r io.Reader) (YearData, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxYearDataSize))
	dec.DisallowUnknownFields()
	var yd YearData
	if err := dec.Decode(&yd); err != nil {
		return YearData{}, fmt.Errorf("calendar.LoadYear: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return YearData{}, fmt.Errorf("calendar.LoadYear(%d): trailing data after the JSON object", yd.Year)
	}
	if _, err := yd.entries(); err != nil {
		return YearData{}, fmt.Errorf("calendar.LoadYear(%d): %w", yd.Year, err)
	}
	return yd, nil
}

// entries checks yd and returns its days in date order.
func (yd YearData) entries() ([]dayEntry, error) {
	if yd.Year < MinYear || yd.Year > MaxYear {
		return nil, fmt.Errorf("year %d is outside %d–%d", yd.Year, MinYear, MaxYear)
	}
	out := make([]dayEntry, 0, len(yd.Days))
	seen := make(map[int]bool, len(yd.Days))
	for i, e := range yd.Days {
		where := fmt.Sprintf("days[%d] %q", i, e.Date)
		t, err := time.Parse(time.DateOnly, e.Date)
		if err != nil {
			return nil, fmt.Errorf("%s: date must be YYYY-MM-DD", where)
		}
		if t.Year() < yd.Year-1 || t.Year() > yd.Year+1 {
			return nil, fmt.Errorf("%s: date is not in %d or a neighbouring year", where, yd.Year)
		}
		day := unixDayOf(t.Year(), t.Month(), t.Day())
		if seen[day] {
			return nil, fmt.Errorf("%s: date listed twice", where)
		}
		seen[day] = true
		weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
		switch e.Kind {
		case Holiday:
		case Compensatory, Swapped:
			if weekend {
				return nil, fmt.Errorf("%s: a %s day off must be a weekday, not a %s", where, e.Kind, t.Weekday())
			}
		case MakeUp:
			if !weekend {
				return nil, fmt.Errorf("%s: a make-up working day must be a Saturday or Sunday, not a %s",
					where, t.Weekday())
			}
		default:
			return nil, fmt.Errorf("%s: kind %s is not allowed in year data", where, e.Kind)
		}
		if strings.TrimSpace(e.Vi) == "" || strings.TrimSpace(e.En) == "" {
			return nil, fmt.Errorf("%s: both labels vi and en are required", where)
		}
		src := e.Source
		if strings.TrimSpace(src) == "" {
			src = yd.Source
		}
		if strings.TrimSpace(src) == "" {
			return nil, fmt.Errorf("%s: no source (set source on the entry or the file)", where)
		}
		out = append(out, dayEntry{day: day, kind: e.Kind, vi: e.Vi, en: e.En, source: src})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].day < out[j].day })
	return out, nil
}

// embeddedData holds the verified civil-service schedules, one file per year, named YYYY.json.
//
//go:embed data/*.json
var embeddedData embed.FS

// EmbeddedYears returns the schedules compiled into the program, in year order.
func EmbeddedYears() ([]YearData, error) {
	names, err := fs.Glob(embeddedData, "data/*.json")
	if err != nil {
		return nil, fmt.Errorf("calendar.EmbeddedYears: %w", err)
	}
	sort.Strings(names)
	out := make([]YearData, 0, len(names))
	for _, name := range names {
		f, err := embeddedData.Open(name)
		if err != nil {
			return nil, fmt.Errorf("calendar.EmbeddedYears: %w", err)
		}
		yd, err := LoadYear(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("calendar.EmbeddedYears(%s): %w", name, err)
		}
		if want := fmt.Sprintf("%d.json", yd.Year); path.Base(name) != want {
			return nil, fmt.Errorf("calendar.EmbeddedYears(%s): holds year %d, so it must be named %s",
				name, yd.Year, want)
		}
		out = append(out, yd)
	}
	return out, nil
}
