package calendar

import (
	"math"
	"time"
)

// This file computes the Vietnamese lunar calendar (âm lịch) by the astronomical method that Hồ Ngọc Đức
// described for Vietnamese calendars: every date is reckoned in UTC+7, a month begins on the local day of a
// true new moon, the month that contains the December solstice is month 11, and in a year of 13 months
// (month 11 to the next month 11) the first month without a major solar term (trung khí, a multiple of 30°
// of solar longitude) is the leap month. The new moons and the Sun's longitude use the short series of
// Jean Meeus, which are accurate to minutes in 1900–2199. A Chinese-calendar library computes the same
// rules in UTC+8 and disagrees in some years (Tết 1985, 2007), so it cannot be used instead.

// LunarDate is a date of the Vietnamese lunar calendar (âm lịch). Year is the Gregorian year in which
// the lunar year begins, so the last months of a lunar year (months 11 and 12, tháng Một and tháng Chạp)
// fall in January of Year+1 or at the end of Year. Leap is true in the leap month (tháng nhuận), which
// repeats the number of the month before it.
type LunarDate struct {
	Year  int
	Month int
	Day   int
	Leap  bool
}

const (
	// zoneDays is UTC+7, the Vietnamese calendar's meridian, as a fraction of a day.
	zoneDays = 7.0 / 24
	// jdnUnixEpoch is the Julian Day Number of 1970-01-01.
	jdnUnixEpoch = 2440588
	// newMoonK0 and synodicMonth are the mean new moon number 0 (1900 January 0.76 TT) and the mean
	// length of a lunation in days, the first terms of the new-moon series below.
	newMoonK0    = 2415020.75933
	synodicMonth = 29.53058868
)

// sinDeg is the sine of an angle in degrees.
func sinDeg(deg float64) float64 { return math.Sin(deg * math.Pi / 180) }

// newMoonJD returns the Julian Day (Universal Time) of the true new moon number k, counted from the
// new moon of 1900 January 0, by the series of Meeus' "Astronomical Formulae for Calculators" (ch. 32).
func newMoonJD(k int) float64 {
	kf := float64(k)
	t := kf / 1236.85 // Julian centuries since 1900 January 0.5
	t2, t3 := t*t, t*t*t
	jde := newMoonK0 + synodicMonth*kf + 0.0001178*t2 - 0.000000155*t3 +
		0.00033*sinDeg(166.56+132.87*t-0.009173*t2)
	m := 359.2242 + 29.10535608*kf - 0.0000333*t2 - 0.00000347*t3   // the Sun's mean anomaly
	mp := 306.0253 + 385.81691806*kf + 0.0107306*t2 + 0.00001236*t3 // the Moon's mean anomaly
	f := 21.2964 + 390.67050646*kf - 0.0016528*t2 - 0.00000239*t3   // the Moon's argument of latitude
	corr := (0.1734-0.000393*t)*sinDeg(m) + 0.0021*sinDeg(2*m) -
		0.4068*sinDeg(mp) + 0.0161*sinDeg(2*mp) - 0.0004*sinDeg(3*mp) +
		0.0104*sinDeg(2*f) - 0.0051*sinDeg(m+mp) - 0.0074*sinDeg(m-mp) +
		0.0004*sinDeg(2*f+m) - 0.0004*sinDeg(2*f-m) - 0.0006*sinDeg(2*f+mp) +
		0.0010*sinDeg(2*f-mp) + 0.0005*sinDeg(m+2*mp)
	return jde + corr - deltaT(t)
}

// deltaT approximates TT − UT in days for t Julian centuries after 1900, with the polynomials that the
// published Vietnamese algorithm uses, so that borderline new moons fall on the same day as in its tables.
func deltaT(t float64) float64 {
	if t < -11 {
		return 0.001 + 0.000839*t + 0.0002261*t*t - 0.00000845*t*t*t - 0.000000081*t*t*t*t
	}
	return -0.000278 + 0.000265*t + 0.000262*t*t
}

// newMoonDay returns the Julian Day Number of the local (UTC+7) day of new moon number k.
func newMoonDay(k int) int {
	return int(math.Floor(newMoonJD(k) + 0.5 + zoneDays))
}

// sunLongitude returns the Sun's true geometric longitude in degrees, in [0, 360), at Julian Day jd
// (Meeus, "Astronomical Algorithms", ch. 25, low accuracy).
func sunLongitude(jd float64) float64 {
	t := (jd - 2451545.0) / 36525 // Julian centuries since J2000.0
	t2 := t * t
	m := 357.52910 + 35999.05030*t - 0.0001559*t2 - 0.00000048*t*t2 // mean anomaly
	l0 := 280.46645 + 36000.76983*t + 0.0003032*t2                  // mean longitude
	c := (1.914600-0.004817*t-0.000014*t2)*sinDeg(m) + (0.019993-0.000101*t)*sinDeg(2*m) +
		0.000290*sinDeg(3*m) // equation of centre
	l := math.Mod(l0+c, 360)
	if l < 0 {
		l += 360
	}
	return l
}

// sunSector returns which 30° sector (0–11, sector 9 starting at the December solstice) the Sun is in at
// the local (UTC+7) midnight that begins day jdn. A major solar term falls within a run of days exactly when
// the sector at the start of the run differs from the sector at the start of the day after it.
func sunSector(jdn int) int {
	return int(sunLongitude(float64(jdn)-0.5-zoneDays) / 30)
}

// lunationOnOrBefore returns the number and first day of the lunar month that contains day jdn.
func lunationOnOrBefore(jdn int) (k, start int) {
	k = int(math.Floor((float64(jdn) - newMoonK0) / synodicMonth))
	// The estimate uses the mean new moon; the true one differs by up to about 14 hours, so step.
	next := newMoonDay(k + 1)
	for next <= jdn {
		k++
		next = newMoonDay(k + 1)
	}
	start = newMoonDay(k)
	for start > jdn {
		k--
		start = newMoonDay(k)
	}
	return k, start
}

// month11 returns the lunation number of month 11 of Gregorian year y: the lunar month containing the
// local day on which the Sun reaches longitude 270° (the December solstice, Đông chí).
func month11(y int) int {
	d := jdnOf(y, 12, 19)
	// The solstice is on 20–23 December: step to the day during which the Sun enters sector 9.
	for sunSector(d+1) < 9 {
		d++
	}
	k, _ := lunationOnOrBefore(d)
	return k
}

// lunarSpan is the run of lunar months from month 11 of Gregorian year y0 up to (not including) month
// 11 of year y0+1: months 11 and 12 of lunar year y0, then months 1 to 10 of lunar year y0+1.
type lunarSpan struct {
	y0     int
	k11    int // lunation number of the first month 11
	months int // 12, or 13 when the span holds a leap month
	leap   int // offset of the leap month from month 11 (1–12), or 0 when there is none
}

// spanOf computes the lunar span that begins with month 11 of Gregorian year y0.
func spanOf(y0 int) lunarSpan {
	s := lunarSpan{y0: y0, k11: month11(y0)}
	s.months = month11(y0+1) - s.k11
	if s.months == 13 {
		// The leap month is the first month after month 11 in which no major solar term begins.
		prev := sunSector(newMoonDay(s.k11 + 1))
		for i := 1; i <= 12; i++ {
			next := sunSector(newMoonDay(s.k11 + i + 1))
			if next == prev {
				s.leap = i
				break
			}
			prev = next
		}
	}
	return s
}

// label returns the lunar year, month number and leap flag of the month at offset o of the span.
func (s lunarSpan) label(o int) (year, month int, leap bool) {
	if s.leap > 0 && o >= s.leap {
		leap = o == s.leap
		o--
	}
	month = (o+10)%12 + 1
	if month >= 11 {
		return s.y0, month, leap
	}
	return s.y0 + 1, month, leap
}

// offset returns the offset from month 11 of the month numbered month (leap or not), or false when the
// span has no such month.
func (s lunarSpan) offset(month int, leap bool) (int, bool) {
	o := (month + 1) % 12 // month 11 → 0, 12 → 1, 1 → 2, …, 10 → 11
	switch {
	case leap && (s.leap == 0 || o != s.leap-1):
		return 0, false
	case leap:
		return s.leap, true
	case s.leap > 0 && o >= s.leap:
		return o + 1, true
	}
	return o, true
}

// SolarToLunar converts the Gregorian date y-m-d (normalised as time.Date does) to the Vietnamese lunar
// calendar, reckoned in UTC+7. It is meant for 1900–2199, where the astronomical series are accurate.
func SolarToLunar(y, m, d int) LunarDate {
	jdn := jdnOf(y, m, d)
	k, start := lunationOnOrBefore(jdn)
	gy, _, _ := civilOf(jdn)
	y0 := gy
	if k < month11(gy) {
		y0--
	}
	s := spanOf(y0)
	ly, lm, leap := s.label(k - s.k11)
	return LunarDate{Year: ly, Month: lm, Day: jdn - start + 1, Leap: leap}
}

// LunarToSolar converts a Vietnamese lunar date to the Gregorian calendar. It reports ok = false when the
// date does not exist: a month outside 1–12, a leap flag on a month that is not leap that year, or a day
// beyond the month's 29 or 30 days.
func LunarToSolar(ld LunarDate) (y, m, d int, ok bool) {
	if ld.Month < 1 || ld.Month > 12 || ld.Day < 1 || ld.Day > 30 {
		return 0, 0, 0, false
	}
	y0 := ld.Year - 1
	if ld.Month >= 11 {
		y0 = ld.Year
	}
	s := spanOf(y0)
	o, ok := s.offset(ld.Month, ld.Leap)
	if !ok {
		return 0, 0, 0, false
	}
	start := newMoonDay(s.k11 + o)
	if ld.Day > newMoonDay(s.k11+o+1)-start {
		return 0, 0, 0, false
	}
	y, m, d = civilOf(start + ld.Day - 1)
	return y, m, d, true
}

// YearName returns the sexagenary name (can chi) of a lunar year, such as "Giáp Thìn" for 2024.
func YearName(lunarYear int) string {
	stems := [10]string{"Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý"}
	branches := [12]string{"Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"}
	return stems[mod(lunarYear+6, 10)] + " " + branches[mod(lunarYear+8, 12)]
}

// jdnOf returns the Julian Day Number of the Gregorian date y-m-d, normalised as time.Date does.
func jdnOf(y, m, d int) int {
	return unixDayOf(y, time.Month(m), d) + jdnUnixEpoch
}

// civilOf returns the Gregorian date of Julian Day Number jdn.
func civilOf(jdn int) (y, m, d int) {
	y, mm, d := civilFromUnixDay(jdn - jdnUnixEpoch)
	return y, int(mm), d
}

// unixDayOf returns the number of days from 1970-01-01 to the Gregorian date y-m-d (normalised as
// time.Date does), negative before 1970.
func unixDayOf(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// civilFromUnixDay returns the Gregorian date that is day days after 1970-01-01.
func civilFromUnixDay(day int) (int, time.Month, int) {
	return time.Unix(int64(day)*86400, 0).UTC().Date()
}

// mod returns a mod b in [0, b) for b > 0.
func mod(a, b int) int {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}
