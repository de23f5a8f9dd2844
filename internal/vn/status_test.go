package vn

import (
	"errors"
	"strconv"
	"testing"
)

func TestDossierStatus(t *testing.T) {
	// The TrangThaiHoSo table of vn-standards.md §3.3.
	want := []struct{ vi, en string }{
		{"Mới đăng ký", "Newly submitted"},
		{"Được tiếp nhận", "Accepted"},
		{"Không được tiếp nhận", "Not accepted"},
		{"Đang xử lý", "In progress"},
		{"Yêu cầu bổ sung giấy tờ", "More documents requested"},
		{"Yêu cầu thực hiện nghĩa vụ tài chính", "Payment of fees/taxes requested"},
		{"Công dân yêu cầu rút hồ sơ", "Withdrawn by applicant"},
		{"Dừng xử lý", "Processing stopped"},
		{"Đã xử lý xong", "Processed (result ready)"},
		{"Đã trả kết quả", "Result returned"},
	}
	all := DossierStatuses()
	if len(all) != len(want) {
		t.Fatalf("DossierStatuses() has %d statuses, want %d", len(all), len(want))
	}
	for i, w := range want {
		s := all[i]
		if int(s) != i+1 || !s.Valid() || s.Vietnamese() != w.vi || s.English() != w.en || s.String() != w.en {
			t.Errorf("status %d = %d %q %q, want %q %q", i+1, s, s.Vietnamese(), s.English(), w.vi, w.en)
		}
		if p, err := ParseDossierStatus(strconv.Itoa(i + 1)); err != nil || p != s {
			t.Errorf("ParseDossierStatus(%q) = %v, %v, want %v", strconv.Itoa(i+1), p, err, s)
		}
	}
	if DossierMoreDocumentsRequested != 5 || DossierReturned != 10 {
		t.Errorf("the constants are numbered wrongly")
	}
	for _, in := range []string{"", "0", "11", "05", "-1", "1 ", "x", "100"} {
		_, err := ParseDossierStatus(in)
		var ce *CodeError
		if !errors.As(err, &ce) || ce.Kind != KindDossierStatus {
			t.Errorf("ParseDossierStatus(%q) error = %v, want a *CodeError", in, err)
		}
	}
	if s := DossierStatus(11); s.Valid() || s.Vietnamese() != "" || s.String() != "DossierStatus(11)" {
		t.Errorf("DossierStatus(11) is reported as valid")
	}
}

func TestAxisStatus(t *testing.T) {
	// The table of vn-standards.md §1.2.
	want := []struct {
		code   string
		s      AxisStatus
		vi, en string
	}{
		{"01", AxisArrived, "Đã đến", "Arrived, not yet registered"},
		{"02", AxisRejected, "Từ chối tiếp nhận", "Rejected"},
		{"03", AxisAccepted, "Đã tiếp nhận", "Accepted/registered"},
		{"04", AxisAssigned, "Phân công xử lý", "Assigned"},
		{"05", AxisInProgress, "Đang xử lý", "In progress"},
		{"06", AxisCompleted, "Hoàn thành", "Completed"},
		{"13", AxisRecallRequested, "Yêu cầu lấy lại", "Recall/retrieve request"},
		{"15", AxisRecallAccepted, "Đồng ý cập nhật/lấy lại", "Recall/update accepted"},
		{"16", AxisRecallRefused, "Từ chối cập nhật/lấy lại", "Recall/update refused"},
	}
	all := AxisStatuses()
	if len(all) != len(want) {
		t.Fatalf("AxisStatuses() has %d codes, want %d", len(all), len(want))
	}
	for i, w := range want {
		s, err := ParseAxisStatus(w.code)
		if err != nil || s != w.s || all[i] != w.s {
			t.Errorf("ParseAxisStatus(%q) = %v, %v, want %v", w.code, s, err, w.s)
		}
		if s.Code() != w.code || s.Vietnamese() != w.vi || s.English() != w.en || s.String() != w.en {
			t.Errorf("%s = %q %q %q, want %q %q %q", w.code, s.Code(), s.Vietnamese(), s.English(), w.code, w.vi, w.en)
		}
		if s.FromSender() != (w.code == "13") {
			t.Errorf("%s.FromSender() = %v", w.code, s.FromSender())
		}
	}
	invalid := map[string]string{
		"3":   `want two digits like 03, got "3"`,
		"003": `want two digits like 03, got "003"`,
		"":    `want two digits like 03, got ""`,
		"0x":  `want two digits like 03, got "0x"`,
		"14":  `14 is not a status code; "recall/update accepted" is 15`,
		"00":  "unknown status code; want 01–06, 13, 15 or 16",
		"07":  "unknown status code; want 01–06, 13, 15 or 16",
		"17":  "unknown status code; want 01–06, 13, 15 or 16",
	}
	for in, reason := range invalid {
		_, err := ParseAxisStatus(in)
		var ce *CodeError
		if !errors.As(err, &ce) || ce.Reason != reason || ce.Kind != KindAxisStatus || ce.ReasonVI == "" {
			t.Errorf("ParseAxisStatus(%q) error = %v, want reason %q", in, err, reason)
		}
	}
	for _, s := range []AxisStatus{0, 7, 14, 17, -1, 100} {
		if s.Valid() || s.Code() != "" || s.Vietnamese() != "" {
			t.Errorf("AxisStatus(%d) is reported as valid", s)
		}
	}
}
