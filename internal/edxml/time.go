package edxml

import (
	"fmt"
	"time"
)

// Layouts of edXML dates and timestamps, always in Vietnam time (UTC+7).
const (
	dateLayout      = "2006/01/02"
	timestampLayout = "2006/01/02 15:04:05"
)

// vietnam is UTC+7 (giờ Đông Dương). Vietnam has no daylight saving time, so a fixed zone is exact and
// does not depend on the host's time zone database.
var vietnam = time.FixedZone("UTC+7", 7*60*60)

// ParseEdXMLDate parses an edXML date ("2019/01/16": four-digit year, two-digit month and day) as
// midnight in Vietnam time. Surrounding space is an error: use strings.TrimSpace first if leniency is
// wanted.
func ParseEdXMLDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation(dateLayout, s, vietnam)
	if err != nil {
		return time.Time{}, fmt.Errorf("edxml: date %s is not a yyyy/MM/dd calendar date", quote(s))
	}
	return t, nil
}

// ParseTimestamp parses an edXML timestamp ("2018/09/28 14:05:00") in Vietnam time.
func ParseTimestamp(s string) (time.Time, error) {
	t, err := time.ParseInLocation(timestampLayout, s, vietnam)
	if err != nil {
		return time.Time{}, fmt.Errorf("edxml: timestamp %s is not a yyyy/MM/dd HH:mm:ss time", quote(s))
	}
	return t, nil
}

// FormatEdXMLDate formats the day t falls on in Vietnam time as yyyy/MM/dd.
func FormatEdXMLDate(t time.Time) string {
	return t.In(vietnam).Format(dateLayout)
}

// FormatTimestamp formats t in Vietnam time (UTC+7) as yyyy/MM/dd HH:mm:ss.
func FormatTimestamp(t time.Time) string {
	return t.In(vietnam).Format(timestampLayout)
}

// quote quotes s for a message, cut to 64 bytes so that a hostile value cannot flood a log.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
