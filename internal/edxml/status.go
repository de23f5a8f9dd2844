package edxml

import "io"

// StatusCode is the code of a status packet (mã trạng thái), kept as the two-digit text it travels as.
type StatusCode string

// The status codes of the national axis.
const (
	StatusArrived        StatusCode = "01" // đã đến: received by the software, not yet registered
	StatusRejected       StatusCode = "02" // từ chối tiếp nhận, with a reason
	StatusAccepted       StatusCode = "03" // đã tiếp nhận: registered as incoming
	StatusAssigned       StatusCode = "04" // phân công xử lý
	StatusInProgress     StatusCode = "05" // đang xử lý
	StatusCompleted      StatusCode = "06" // hoàn thành
	StatusRecallRequest  StatusCode = "13" // yêu cầu lấy lại, sent by the sender
	StatusRecallAccepted StatusCode = "15" // đồng ý cập nhật/lấy lại
	StatusRecallRefused  StatusCode = "16" // từ chối cập nhật/lấy lại
)

// Valid reports whether c is exactly one of the nine codes (two digits, no surrounding space).
func (c StatusCode) Valid() bool {
	switch c {
	case StatusArrived, StatusRejected, StatusAccepted, StatusAssigned, StatusInProgress,
		StatusCompleted, StatusRecallRequest, StatusRecallAccepted, StatusRecallRefused:
		return true
	}
	return false
}

// Name returns a short English name for the code ("accepted", "recall_refused" …), or "" for an
// unknown code.
func (c StatusCode) Name() string {
	switch c {
	case StatusArrived:
		return "arrived"
	case StatusRejected:
		return "rejected"
	case StatusAccepted:
		return "accepted"
	case StatusAssigned:
		return "assigned"
	case StatusInProgress:
		return "in_progress"
	case StatusCompleted:
		return "completed"
	case StatusRecallRequest:
		return "recall_requested"
	case StatusRecallAccepted:
		return "recall_accepted"
	case StatusRecallRefused:
		return "recall_refused"
	}
	return ""
}

// needsReason reports whether a status must explain itself in Description: the refusals.
func (c StatusCode) needsReason() bool {
	return c == StatusRejected || c == StatusRecallRefused
}

// Status is a status packet (phản hồi trạng thái): what an organisation did with a document it was
// sent.
type Status struct {
	ResponseFor ResponseFor
	From        Organization
	StatusCode  StatusCode
	Description string
	Timestamp   string // yyyy/MM/dd HH:mm:ss; see FormatTimestamp
	StaffInfo   StaffInfo
}

// Status returns the status fields of a status packet, or nil for a document package. The fields
// are copies; ResponseFor is the first one.
func (p *Package) Status() *Status {
	if p.Kind() != KindStatus {
		return nil
	}
	h := &p.Header
	s := &Status{
		From:        h.From,
		StatusCode:  h.StatusCode,
		Description: h.Description,
		Timestamp:   h.Timestamp,
		StaffInfo:   h.StaffInfo,
	}
	if len(h.ResponseFor) > 0 {
		s.ResponseFor = h.ResponseFor[0]
	}
	return s
}

// NewStatusPackage returns a status packet carrying s, ready for Write.
func NewStatusPackage(s *Status) *Package {
	return &Package{
		Header: MessageHeader{
			From:        s.From,
			ResponseFor: []ResponseFor{s.ResponseFor},
			StaffInfo:   s.StaffInfo,
			StatusCode:  s.StatusCode,
			Description: s.Description,
			Timestamp:   s.Timestamp,
		},
		kind: KindStatus,
	}
}

// WriteStatus writes s as a status packet in the national SDK's shape: the status fields directly in
// MessageHeader (From, ResponseFor, StaffInfo, StatusCode, Description, Timestamp), no body, no
// attachments.
func WriteStatus(w io.Writer, s *Status) error {
	return Write(w, NewStatusPackage(s), nil)
}
