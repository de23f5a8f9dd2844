package vn

import "strconv"

// AxisStatus is the status code of an edXML status packet (phản hồi trạng thái) exchanged over
// the national document axis: the receiving system reports what became of a document, and the
// sender uses 13 to ask for it back. On the wire it is two digits, such as "03".
type AxisStatus int

// The edXML status codes. Other numbers are not in use.
const (
	AxisArrived         AxisStatus = 1  // 01 Đã đến: received by the software, not yet registered
	AxisRejected        AxisStatus = 2  // 02 Từ chối tiếp nhận, with a reason
	AxisAccepted        AxisStatus = 3  // 03 Đã tiếp nhận: registered as an incoming document
	AxisAssigned        AxisStatus = 4  // 04 Phân công xử lý
	AxisInProgress      AxisStatus = 5  // 05 Đang xử lý
	AxisCompleted       AxisStatus = 6  // 06 Hoàn thành
	AxisRecallRequested AxisStatus = 13 // 13 Yêu cầu lấy lại, sent by the sender
	AxisRecallAccepted  AxisStatus = 15 // 15 Đồng ý cập nhật/lấy lại
	AxisRecallRefused   AxisStatus = 16 // 16 Từ chối cập nhật/lấy lại
)

var axisStatusNames = [...][2]string{
	AxisArrived:         {"Đã đến", "Arrived, not yet registered"},
	AxisRejected:        {"Từ chối tiếp nhận", "Rejected"},
	AxisAccepted:        {"Đã tiếp nhận", "Accepted/registered"},
	AxisAssigned:        {"Phân công xử lý", "Assigned"},
	AxisInProgress:      {"Đang xử lý", "In progress"},
	AxisCompleted:       {"Hoàn thành", "Completed"},
	AxisRecallRequested: {"Yêu cầu lấy lại", "Recall/retrieve request"},
	AxisRecallAccepted:  {"Đồng ý cập nhật/lấy lại", "Recall/update accepted"},
	AxisRecallRefused:   {"Từ chối cập nhật/lấy lại", "Recall/update refused"},
}

// AxisStatuses returns the nine status codes in numeric order.
func AxisStatuses() []AxisStatus {
	return []AxisStatus{AxisArrived, AxisRejected, AxisAccepted, AxisAssigned, AxisInProgress,
		AxisCompleted, AxisRecallRequested, AxisRecallAccepted, AxisRecallRefused}
}

// ParseAxisStatus parses a two-digit status code such as "03". Errors are *CodeError; the
// non-standard "14" that some senders use for "recall accepted" is rejected with a pointer to 15.
func ParseAxisStatus(s string) (AxisStatus, error) {
	n, ok := digits(s)
	if !ok || len(s) != 2 {
		return 0, codeErr(KindAxisStatus, s,
			"want two digits like 03, got "+strconv.Quote(s),
			"cần hai chữ số như 03, nhận được "+strconv.Quote(s))
	}
	st := AxisStatus(n)
	if st.Valid() {
		return st, nil
	}
	if n == 14 {
		return 0, codeErr(KindAxisStatus, s,
			"14 is not a status code; \"recall/update accepted\" is 15",
			"14 không phải mã trạng thái; \"đồng ý cập nhật/lấy lại\" là 15")
	}
	return 0, codeErr(KindAxisStatus, s,
		"unknown status code; want 01–06, 13, 15 or 16",
		"mã trạng thái không tồn tại; cần 01–06, 13, 15 hoặc 16")
}

// Valid reports whether s is one of the nine status codes.
func (s AxisStatus) Valid() bool {
	return s > 0 && int(s) < len(axisStatusNames) && axisStatusNames[s][0] != ""
}

// Code returns the two-digit wire form, such as "03", or "" when s is not valid.
func (s AxisStatus) Code() string {
	if !s.Valid() {
		return ""
	}
	return pad(int(s), 2)
}

// FromSender reports whether the status is sent by the sender of the document (13, a recall
// request) rather than by a recipient.
func (s AxisStatus) FromSender() bool { return s == AxisRecallRequested }

// Vietnamese returns the Vietnamese name, such as "Đã tiếp nhận", or "" when s is not valid.
func (s AxisStatus) Vietnamese() string {
	if !s.Valid() {
		return ""
	}
	return axisStatusNames[s][0]
}

// English returns the English name, such as "Accepted/registered", or "" when s is not valid.
func (s AxisStatus) English() string {
	if !s.Valid() {
		return ""
	}
	return axisStatusNames[s][1]
}

// String returns the English name, or AxisStatus(n) when s is not valid.
func (s AxisStatus) String() string {
	if !s.Valid() {
		return "AxisStatus(" + strconv.Itoa(int(s)) + ")"
	}
	return axisStatusNames[s][1]
}
