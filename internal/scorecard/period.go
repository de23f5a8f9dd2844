package scorecard

import (
	"fmt"
	"time"

	"github.com/lienthong/lienthong/internal/errs"
)

// Month is a calendar month, such as 2026-03.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads YYYY-MM.
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("%q is not a month (YYYY-MM)", s)
	}
	return Month{t.Year(), t.Month()}, nil
}

// MonthOf is the month of t in Vietnam's time zone.
func MonthOf(t time.Time) Month {
	t = t.In(ict)
	return Month{t.Year(), t.Month()}
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Add moves by n months (negative goes back).
func (m Month) Add(n int) Month {
	i := m.Year*12 + int(m.Month) - 1 + n
	return Month{i / 12, time.Month(i%12 + 1)}
}

func (m Month) index() int { return m.Year*12 + int(m.Month) - 1 }

// Period is a run of whole months, both ends included.
type Period struct {
	From Month `json:"-"`
	To   Month `json:"-"`
}

// MaxMonths bounds a period (five years).
const MaxMonths = 60

// ParsePeriod reads from and to (YYYY-MM). Empty from means January of to's year; empty to means
// the month of now.
func ParsePeriod(from, to string, now time.Time) (Period, error) {
	var p Period
	var fields []errs.FieldError
	p.To = MonthOf(now)
	if to != "" {
		m, err := ParseMonth(to)
		if err != nil {
			fields = append(fields, errs.FieldError{Field: "to", Message: err.Error()})
		}
		p.To = m
	}
	p.From = Month{p.To.Year, time.January}
	if from != "" {
		m, err := ParseMonth(from)
		if err != nil {
			fields = append(fields, errs.FieldError{Field: "from", Message: err.Error()})
		}
		p.From = m
	}
	if len(fields) > 0 {
		return Period{}, badPeriod(fields...)
	}
	if p.From.index() > p.To.index() {
		return Period{}, badPeriod(errs.FieldError{Field: "from", Message: "the period starts after it ends"})
	}
	if p.Months() > MaxMonths {
		return Period{}, badPeriod(errs.FieldError{Field: "from", Message: fmt.Sprintf("a period is at most %d months", MaxMonths)})
	}
	return p, nil
}

// Months is the number of months in the period.
func (p Period) Months() int { return p.To.index() - p.From.index() + 1 }

// LastYear is the same period one year earlier, for growth figures.
func (p Period) LastYear() Period { return Period{p.From.Add(-12), p.To.Add(-12)} }

// Start and End bound the period in time: [Start, End).
func (p Period) Start() time.Time {
	return time.Date(p.From.Year, p.From.Month, 1, 0, 0, 0, 0, ict)
}

// End is the first instant after the period.
func (p Period) End() time.Time {
	n := p.To.Add(1)
	return time.Date(n.Year, n.Month, 1, 0, 0, 0, 0, ict)
}

func (p Period) String() string { return p.From.String() + "…" + p.To.String() }

// Growth is cur/prev as a multiple (×5 is 5.0), or 0 when there was nothing last year.
func Growth(cur, prev float64) float64 {
	if prev <= 0 {
		return 0
	}
	return cur / prev
}

// Percent is 100·part/whole, or 0 when whole is 0.
func Percent(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return 100 * part / whole
}

func badPeriod(f ...errs.FieldError) error {
	return errs.Reasonf(errs.Invalid, "bad_period", "the period is not valid: %s", f[0].Message).WithFields(f...)
}
