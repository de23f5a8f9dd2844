package vn

import (
	"strconv"
	"strings"
	"time"
)

// DossierCode is a dossier code (mã hồ sơ) issued by the one-stop system when a dossier is
// received, <agency code>-<yyMMdd>-<sequence> as in 000.00.53.H48-220921-0099 (TT 01/2018/TT-VPCP
// art. 19): the identifier of the receiving unit, the date of receipt and the 4-digit sequence
// number of that day's receipts. DossierCode is comparable.
type DossierCode struct {
	Agency AgencyCode
	// Year, Month and Day are the date of receipt; the code carries two year digits, read as 20yy.
	Year  int
	Month time.Month
	Day   int
	// Seq is the sequence number of the receipt within the day, 1–9999.
	Seq int
}

// dossierCodeLen is the length of every dossier code, such as "000.00.53.H48-220921-0099".
const dossierCodeLen = agencyCodeLen + 1 + 6 + 1 + 4

// ParseDossierCode parses a dossier code such as 000.00.53.H48-220921-0099. It checks the agency
// code as ParseAgencyCode does, requires a real calendar date in 2000–2099 and a sequence number
// 0001–9999. Errors are *CodeError. It does not allocate when s is valid.
func ParseDossierCode(s string) (DossierCode, error) {
	if len(s) != dossierCodeLen || !plainASCII(s) || s[agencyCodeLen] != '-' || s[agencyCodeLen+7] != '-' {
		return DossierCode{}, dossierFormError(s)
	}
	agency, err := ParseAgencyCode(s[:agencyCodeLen])
	if err != nil {
		ce := err.(*CodeError)
		return DossierCode{}, dossierErr(s, "agency code part: "+ce.Reason, "phần mã định danh: "+ce.ReasonVI)
	}
	date := s[agencyCodeLen+1 : agencyCodeLen+7]
	yy, ok1 := digits(date[0:2])
	mm, ok2 := digits(date[2:4])
	dd, ok3 := digits(date[4:6])
	if !ok1 || !ok2 || !ok3 {
		return DossierCode{}, dossierErr(s,
			"date part must be 6 digits yyMMdd like 220921, got "+strconv.Quote(date),
			"phần ngày phải gồm 6 chữ số yyMMdd như 220921, nhận được "+strconv.Quote(date))
	}
	if !validDate(2000+yy, mm, dd) {
		return DossierCode{}, dossierErr(s,
			"date part "+strconv.Quote(date)+" is not a real calendar date",
			"phần ngày "+strconv.Quote(date)+" không phải là ngày có thật")
	}
	seqPart := s[agencyCodeLen+8:]
	seq, ok := digits(seqPart)
	if !ok {
		return DossierCode{}, dossierErr(s,
			"sequence part must be 4 digits like 0099, got "+strconv.Quote(seqPart),
			"phần số thứ tự phải gồm 4 chữ số như 0099, nhận được "+strconv.Quote(seqPart))
	}
	if seq == 0 {
		return DossierCode{}, dossierErr(s,
			"sequence number must be 0001–9999, got 0000",
			"số thứ tự phải từ 0001 đến 9999, nhận được 0000")
	}
	return DossierCode{Agency: agency, Year: 2000 + yy, Month: time.Month(mm), Day: dd, Seq: seq}, nil
}

// NewDossierCode builds a dossier code after checking that agency is valid, the date is a real
// calendar date in 2000–2099 and seq is 1–9999. Errors are *CodeError.
func NewDossierCode(agency AgencyCode, year int, month time.Month, day, seq int) (DossierCode, error) {
	d := DossierCode{Agency: agency, Year: year, Month: month, Day: day, Seq: seq}
	input := agency.String() + " " + strconv.Itoa(year) + "-" + strconv.Itoa(int(month)) + "-" +
		strconv.Itoa(day) + " #" + strconv.Itoa(seq)
	switch {
	case agency.IsZero():
		return DossierCode{}, dossierErr(input, "agency code is missing", "thiếu mã định danh")
	case year < 2000 || year > 2099 || !validDate(year, int(month), day):
		return DossierCode{}, dossierErr(input,
			"date must be a real calendar date in 2000–2099",
			"ngày phải là ngày có thật trong các năm 2000–2099")
	case seq < 1 || seq > 9999:
		return DossierCode{}, dossierErr(input,
			"sequence number must be 1–9999, got "+strconv.Itoa(seq),
			"số thứ tự phải từ 1 đến 9999, nhận được "+strconv.Itoa(seq))
	}
	return d, nil
}

// FormatDossierCode formats a dossier code from its parts without checking them; the caller
// passes a valid agency, a date in 2000–2099 and seq 1–9999 (NewDossierCode checks all three).
func FormatDossierCode(agency AgencyCode, year int, month time.Month, day, seq int) string {
	return DossierCode{Agency: agency, Year: year, Month: month, Day: day, Seq: seq}.String()
}

// String returns the code in its canonical form, such as "000.00.53.H48-220921-0099".
func (d DossierCode) String() string {
	var buf [dossierCodeLen]byte
	b := buf[:0]
	if !d.Agency.IsZero() {
		b = d.Agency.appendTo(b)
	}
	yy := d.Year % 100
	b = append(b, '-', '0'+byte(yy/10), '0'+byte(yy%10),
		'0'+byte(d.Month/10), '0'+byte(d.Month%10), '0'+byte(d.Day/10), '0'+byte(d.Day%10), '-')
	b = append(b, pad(d.Seq, 4)...)
	return string(b)
}

// ReceivedOn returns midnight at the start of the day of receipt in loc, usually Asia/Ho_Chi_Minh.
func (d DossierCode) ReceivedOn(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// validDate reports whether year-month-day is a real proleptic Gregorian date.
func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= daysIn(year, time.Month(month))
}

func daysIn(year int, month time.Month) int {
	switch month {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// dossierFormError explains a dossier code with the wrong overall shape, naming the part at fault.
func dossierFormError(s string) error {
	const example = "000.00.53.H48-220921-0099"
	if reason, reasonVI, bad := formDefect(s, dossierCodeLen, example); bad {
		return dossierErr(s, reason, reasonVI)
	}
	if parts := strings.Count(s, "-") + 1; parts != 3 {
		return dossierErr(s,
			"want 3 parts separated by '-' like "+example+", got "+strconv.Itoa(parts),
			"cần 3 phần ngăn cách bởi '-' như "+example+", nhận được "+strconv.Itoa(parts))
	}
	first := strings.IndexByte(s, '-')
	second := strings.LastIndexByte(s, '-')
	if _, err := ParseAgencyCode(s[:first]); err != nil {
		ce := err.(*CodeError)
		return dossierErr(s, "agency code part: "+ce.Reason, "phần mã định danh: "+ce.ReasonVI)
	}
	if n := second - first - 1; n != 6 {
		return dossierErr(s,
			"date part must be 6 digits yyMMdd like 220921, got "+strconv.Itoa(n)+" characters",
			"phần ngày phải gồm 6 chữ số yyMMdd như 220921, nhận được "+strconv.Itoa(n)+" ký tự")
	}
	n := strconv.Itoa(len(s) - second - 1)
	return dossierErr(s,
		"sequence part must be 4 digits like 0099, got "+n+" characters",
		"phần số thứ tự phải gồm 4 chữ số như 0099, nhận được "+n+" ký tự")
}

func dossierErr(input, reason, reasonVI string) error {
	return codeErr(KindDossierCode, input, reason, reasonVI)
}
