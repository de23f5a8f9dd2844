package edxml

import (
	"testing"
	"time"
)

func TestDatesAndTimestamps(t *testing.T) {
	d, err := ParseEdXMLDate("2019/01/16")
	if err != nil || !d.Equal(time.Date(2019, 1, 15, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseEdXMLDate(2019/01/16) = %v, %v; want midnight UTC+7", d, err)
	}
	for _, bad := range []string{"2019/1/16", "16/01/2019", "2019-01-16", "2014/02/30", " 2019/01/16", "2019/01/16 00:00:00", ""} {
		if _, err := ParseEdXMLDate(bad); err == nil {
			t.Errorf("ParseEdXMLDate(%q): no error", bad)
		}
	}
	ts, err := ParseTimestamp("2018/09/28 14:05:09")
	if err != nil || !ts.Equal(time.Date(2018, 9, 28, 7, 5, 9, 0, time.UTC)) {
		t.Errorf("ParseTimestamp = %v, %v", ts, err)
	}
	for _, bad := range []string{"2018/09/28", "2018-09-28T14:05:09", "2018/09/28 24:00:00", "2018/09/28 14:05"} {
		if _, err := ParseTimestamp(bad); err == nil {
			t.Errorf("ParseTimestamp(%q): no error", bad)
		}
	}
	// 23:30 UTC is already the next day in Vietnam.
	at := time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC)
	if got := FormatTimestamp(at); got != "2025/01/01 06:30:00" {
		t.Errorf("FormatTimestamp = %q", got)
	}
	if got := FormatEdXMLDate(at); got != "2025/01/01" {
		t.Errorf("FormatEdXMLDate = %q", got)
	}
	if back, _ := ParseTimestamp(FormatTimestamp(at)); !back.Equal(at) {
		t.Errorf("timestamp round trip: %v", back)
	}
}

func TestEnums(t *testing.T) {
	for s, want := range map[string]BusinessType{"0": BusinessNew, "1": BusinessRevoke, " 2 ": BusinessUpdate, "3": BusinessReplace} {
		if got, err := ParseBusinessType(s); err != nil || got != want || !got.Valid() {
			t.Errorf("ParseBusinessType(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "4", "01", "new", "-1"} {
		if _, err := ParseBusinessType(s); err == nil {
			t.Errorf("ParseBusinessType(%q): no error", s)
		}
	}
	if BusinessType(7).String() != "unknown" || BusinessType(7).Valid() {
		t.Errorf("BusinessType(7) = %v", BusinessType(7))
	}
	names := map[StatusCode]string{"01": "arrived", "02": "rejected", "03": "accepted", "04": "assigned", "05": "in_progress",
		"06": "completed", "13": "recall_requested", "15": "recall_accepted", "16": "recall_refused"}
	for c, name := range names {
		if !c.Valid() || c.Name() != name {
			t.Errorf("StatusCode(%s): Valid %v, Name %q", c, c.Valid(), c.Name())
		}
	}
	for _, c := range []StatusCode{"", "1", "3", "07", "14", " 03"} {
		if c.Valid() || c.Name() != "" {
			t.Errorf("StatusCode(%q) is valid", c)
		}
	}
	if KindDocument.String() != "document" || KindStatus.String() != "status" {
		t.Errorf("Kind names")
	}
}
