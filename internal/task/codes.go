// Package task tracks tasks that the Government, the Prime Minister and provincial People's
// Committees assign by directive documents: deadlines, progress and completion reports, acceptance,
// deadline extensions, derived statuses, reminders and figures kept as incremental aggregates.
package task

import "github.com/lienthong/lienthong/internal/vn"

var ict = vn.ICT

// Code is an entry of a code list kept as data.
type Code struct {
	Code string `json:"code"`
	Vi   string `json:"vi"`
	En   string `json:"en"`
	// Central authorities are tracked by the Government Office; the others by the province's
	// People's Committee.
	Central bool `json:"central,omitempty"`
}

// GovernmentOffice tracks the tasks assigned by central authorities.
const GovernmentOffice = "000.00.00.G22"

// DirectiveKinds are the documents that assign tasks.
var DirectiveKinds = []Code{
	{Code: "NQ", Vi: "Nghị quyết", En: "Resolution"},
	{Code: "QD", Vi: "Quyết định", En: "Decision"},
	{Code: "CT", Vi: "Chỉ thị", En: "Directive"},
	{Code: "TB", Vi: "Thông báo kết luận", En: "Conclusion notice"},
	{Code: "CV", Vi: "Công văn", En: "Official letter"},
	{Code: "BB", Vi: "Biên bản / kết luận cuộc họp", En: "Meeting conclusions"},
}

// Authorities are the assigning authorities.
var Authorities = []Code{
	{Code: "CP", Vi: "Chính phủ", En: "Government", Central: true},
	{Code: "TTG", Vi: "Thủ tướng Chính phủ", En: "Prime Minister", Central: true},
	{Code: "PTTG", Vi: "Phó Thủ tướng Chính phủ", En: "Deputy Prime Minister", Central: true},
	{Code: "VPCP", Vi: "Văn phòng Chính phủ (thừa lệnh)", En: "Government Office (by order)", Central: true},
	{Code: "UBND", Vi: "Ủy ban nhân dân tỉnh", En: "Provincial People's Committee"},
	{Code: "CTUBND", Vi: "Chủ tịch UBND tỉnh", En: "Chair of the Provincial People's Committee"},
	{Code: "PCTUBND", Vi: "Phó Chủ tịch UBND tỉnh", En: "Vice-chair of the Provincial People's Committee"},
}

// ReportPeriods are the reporting periods of regular/ongoing tasks.
var ReportPeriods = []Code{
	{Code: "month", Vi: "Hằng tháng", En: "Monthly"},
	{Code: "quarter", Vi: "Hằng quý", En: "Quarterly"},
	{Code: "half", Vi: "6 tháng", En: "Half-yearly"},
	{Code: "year", Vi: "Hằng năm", En: "Yearly"},
}

func lookup(list []Code, code string) (Code, bool) {
	for _, c := range list {
		if c.Code == code {
			return c, true
		}
	}
	return Code{}, false
}

// Status is derived from a task's state, deadline and completion day; it is never stored.
type Status string

const (
	InProgress  Status = "in_progress"  // đang thực hiện trong hạn
	Overdue     Status = "overdue"      // đang thực hiện quá hạn
	OnTime      Status = "on_time"      // hoàn thành đúng hạn
	Late        Status = "late"         // hoàn thành quá hạn
	NotRequired Status = "not_required" // không còn yêu cầu
)

// Statuses lists the statuses with their names.
var Statuses = []Code{
	{Code: string(InProgress), Vi: "Đang thực hiện trong hạn", En: "In progress within deadline"},
	{Code: string(Overdue), Vi: "Đang thực hiện quá hạn", En: "In progress, overdue"},
	{Code: string(OnTime), Vi: "Hoàn thành đúng hạn", En: "Completed on time"},
	{Code: string(Late), Vi: "Hoàn thành quá hạn", En: "Completed late"},
	{Code: string(NotRequired), Vi: "Không còn yêu cầu", En: "No longer required"},
}

// derive computes the status of a task on day today.
func derive(state, deadline, completedOn, today string) Status {
	switch state {
	case "cancelled":
		return NotRequired
	case "done":
		if deadline != "" && completedOn > deadline {
			return Late
		}
		return OnTime
	}
	if deadline != "" && deadline < today {
		return Overdue
	}
	return InProgress
}
