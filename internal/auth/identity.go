package auth

import (
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lienthong/lienthong/internal/vn"
)

// The checks below read what an applicant types into the registration form. They are pure
// functions of the standard library and could move to internal/vn with the other identifier codes.

// ParseIdentificationNumber checks a personal identification number (số định danh cá nhân, the
// number of the chip-based citizen identity card, CCCD) and returns it without the spaces and
// dots people type between digit groups. Only the form is checked: exactly 12 digits. The parts
// are not: digits 1–3 are the province-of-birth code (001–096), digit 4 encodes century and sex
// (0/1 a man/woman born in the 20th century, 2/3 in the 21st, …), digits 5–6 are the year of
// birth and digits 7–12 a serial number; none of these is matched against the date of birth or
// a list of provinces, and the older 9-digit identity card numbers (CMND) are refused.
func ParseIdentificationNumber(s string) (string, error) {
	s = stripSeparators(s)
	if s == "" {
		return "", errors.New("is required")
	}
	if len(s) != 12 || !allDigits(s) {
		return "", errors.New("must be the 12 digits of the personal identification number (số định danh cá nhân)")
	}
	return s, nil
}

// ParseTaxCode checks a tax code (mã số thuế, also the enterprise code): 10 digits, or 10 digits,
// a dash and 3 digits for a branch or dependent unit. The check digit (the 10th) is not verified.
func ParseTaxCode(s string) (string, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if s == "" {
		return "", errors.New("is required")
	}
	head, branch, hasBranch := strings.Cut(s, "-")
	if len(head) != 10 || !allDigits(head) || hasBranch && (len(branch) != 3 || !allDigits(branch)) {
		return "", errors.New("must be 10 digits, or 10 digits, a dash and 3 digits (0101234567 or 0101234567-001)")
	}
	return s, nil
}

// ParsePhone checks a Vietnamese mobile number and returns it in the national form 0xxxxxxxxx.
// It accepts 10 digits starting with 0, or the international form +84 (or 84) followed by the 9
// digits after the 0, with spaces, dots, dashes or brackets between groups. Mobile numbers start
// with 03, 05, 07, 08 or 09; landlines (02…) and other prefixes are refused.
func ParsePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("is required")
	}
	digits := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')':
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(digits, "+84"):
		digits = "0" + digits[3:]
	case strings.HasPrefix(digits, "84") && len(digits) == 11:
		digits = "0" + digits[2:]
	}
	if len(digits) != 10 || !allDigits(digits) || digits[0] != '0' {
		return "", errors.New("must be a Vietnamese mobile number: 10 digits starting with 0, or +84 and 9 digits")
	}
	if !strings.ContainsRune("35789", rune(digits[1])) {
		return "", errors.New("is not a mobile number: mobile numbers start with 03, 05, 07, 08 or 09")
	}
	return digits, nil
}

// ParseEmail checks an e-mail address: a bare address (no display name) with a dotted domain, at
// most 254 characters. It returns the address in lower case.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", errors.New("is not an e-mail address (like ten@example.vn)")
	}
	_, domain, _ := strings.Cut(s, "@")
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", errors.New("is not an e-mail address (like ten@example.vn)")
	}
	return strings.ToLower(s), nil
}

// ParseDateOfBirth checks a civil date YYYY-MM-DD between 1900-01-01 and today (in Vietnam).
func ParseDateOfBirth(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", errors.New("must be a date YYYY-MM-DD")
	}
	if d.Year() < 1900 || s > now.In(vn.ICT).Format(time.DateOnly) {
		return "", errors.New("must be a date between 1900-01-01 and today")
	}
	return s, nil
}

// cleanText collapses runs of white space and reports whether the result fits in max characters.
func cleanText(s string, max int) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	return s, utf8.RuneCountInString(s) <= max
}

func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
