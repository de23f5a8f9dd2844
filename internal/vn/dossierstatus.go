package vn

import "strconv"

// DossierStatus is a national dossier status (trạng thái hồ sơ, TrangThaiHoSo) that the
// National Public Service Portal uses when dossiers are synchronised to it, numbered 1–10.
// Which status may follow which is decided elsewhere; this type only names them.
type DossierStatus int

// The national dossier statuses.
const (
	DossierSubmitted              DossierStatus = iota + 1 // 1 Mới đăng ký
	DossierAccepted                                        // 2 Được tiếp nhận
	DossierNotAccepted                                     // 3 Không được tiếp nhận
	DossierInProgress                                      // 4 Đang xử lý
	DossierMoreDocumentsRequested                          // 5 Yêu cầu bổ sung giấy tờ
	DossierPaymentRequested                                // 6 Yêu cầu thực hiện nghĩa vụ tài chính
	DossierWithdrawn                                       // 7 Công dân yêu cầu rút hồ sơ
	DossierStopped                                         // 8 Dừng xử lý
	DossierProcessed                                       // 9 Đã xử lý xong
	DossierReturned                                        // 10 Đã trả kết quả
)

var dossierStatusNames = [...][2]string{
	DossierSubmitted:              {"Mới đăng ký", "Newly submitted"},
	DossierAccepted:               {"Được tiếp nhận", "Accepted"},
	DossierNotAccepted:            {"Không được tiếp nhận", "Not accepted"},
	DossierInProgress:             {"Đang xử lý", "In progress"},
	DossierMoreDocumentsRequested: {"Yêu cầu bổ sung giấy tờ", "More documents requested"},
	DossierPaymentRequested:       {"Yêu cầu thực hiện nghĩa vụ tài chính", "Payment of fees/taxes requested"},
	DossierWithdrawn:              {"Công dân yêu cầu rút hồ sơ", "Withdrawn by applicant"},
	DossierStopped:                {"Dừng xử lý", "Processing stopped"},
	DossierProcessed:              {"Đã xử lý xong", "Processed (result ready)"},
	DossierReturned:               {"Đã trả kết quả", "Result returned"},
}

// DossierStatuses returns the ten statuses in numeric order.
func DossierStatuses() []DossierStatus {
	out := make([]DossierStatus, 0, DossierReturned)
	for s := DossierSubmitted; s <= DossierReturned; s++ {
		out = append(out, s)
	}
	return out
}

// ParseDossierStatus parses the decimal number of a status, "1" to "10", as the portal sends it.
// Errors are *CodeError.
func ParseDossierStatus(s string) (DossierStatus, error) {
	n, ok := digits(s)
	st := DossierStatus(n)
	if !ok || len(s) > 2 || s[0] == '0' || !st.Valid() {
		return 0, codeErr(KindDossierStatus, s,
			"want a status number 1–10 without leading zeros, got "+strconv.Quote(s),
			"cần số trạng thái từ 1 đến 10, không có chữ số 0 ở đầu, nhận được "+strconv.Quote(s))
	}
	return st, nil
}

// Valid reports whether s is one of the ten national statuses.
func (s DossierStatus) Valid() bool { return s >= DossierSubmitted && s <= DossierReturned }

// Vietnamese returns the Vietnamese name, such as "Yêu cầu bổ sung giấy tờ", or "" when s is not
// valid.
func (s DossierStatus) Vietnamese() string {
	if !s.Valid() {
		return ""
	}
	return dossierStatusNames[s][0]
}

// English returns the English name, such as "More documents requested", or "" when s is not
// valid.
func (s DossierStatus) English() string {
	if !s.Valid() {
		return ""
	}
	return dossierStatusNames[s][1]
}

// String returns the English name, or DossierStatus(n) when s is not valid.
func (s DossierStatus) String() string {
	if !s.Valid() {
		return "DossierStatus(" + strconv.Itoa(int(s)) + ")"
	}
	return dossierStatusNames[s][1]
}
