package dossier

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/vn"
)

// FormKind names a standard slip of TT 01/2018/TT-VPCP (numbering as in that circular; Decree
// 118/2025 renumbers some of them, see the reference).
type FormKind string

// The slips.
const (
	FormReceipt    FormKind = "receipt"    // Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả
	FormSupplement FormKind = "supplement" // Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
	FormRefusal    FormKind = "refusal"    // Mẫu 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ
	FormApology    FormKind = "apology"    // Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả
	FormControl    FormKind = "control"    // Mẫu 05: Phiếu kiểm soát quá trình giải quyết hồ sơ
)

// FormKinds lists the slips of one dossier (the tracking book, Mẫu 06, covers a period).
var FormKinds = []FormKind{FormReceipt, FormSupplement, FormRefusal, FormApology, FormControl}

// Forms renders the standard slips and the tracking book as PDF.
type Forms struct {
	s *Service
}

// NewForms returns the slip renderer of a Service.
func NewForms(s *Service) *Forms { return &Forms{s: s} }

// header writes the agency heading: the province's People's Committee above the agency, and
// the province's name as the place.
func (f *Forms) header(d *pdf.Doc, agency string, at time.Time) {
	name := f.s.agencies.Name(agency)
	parent, place := "", ""
	if ac, err := vn.ParseAgencyCode(agency); err == nil {
		root := ac.RootCode().String()
		rootName := f.s.agencies.Name(root)
		if root != agency {
			parent = rootName
		}
		place = rootName
		for _, prefix := range []string{"Ủy ban nhân dân tỉnh ", "Ủy ban nhân dân thành phố ", "UBND tỉnh "} {
			place = strings.TrimPrefix(place, prefix)
		}
	}
	if name == "" {
		name = agency
	}
	d.Motto(parent, name, place, at)
}

func newDoc(title string, d *Dossier) *pdf.Doc {
	return pdf.New(pdf.Meta{Title: title + " " + d.Code, Author: d.Agency, Subject: d.ProcedureName})
}

// lastEvent returns the newest event with action.
func lastEvent(d *Dossier, action string) (Event, bool) {
	for i := len(d.Events) - 1; i >= 0; i-- {
		if d.Events[i].Action == action {
			return d.Events[i], true
		}
	}
	return Event{}, false
}

func clock(t time.Time) string {
	t = t.In(pdf.ICT)
	return fmt.Sprintf("%02d giờ %02d phút, %s", t.Hour(), t.Minute(), pdf.DateLine("", t))
}

func applicantFields(d *pdf.Doc, x *Dossier) {
	d.Field("Tên tổ chức, cá nhân", x.Applicant.Name)
	if x.Applicant.ID != "" {
		d.Field("Số định danh / mã số thuế", x.Applicant.ID)
	}
	if x.Applicant.Address != "" {
		d.Field("Địa chỉ", x.Applicant.Address)
	}
	contact := strings.Trim(x.Applicant.Phone+"; "+x.Applicant.Email, "; ")
	if contact != "" {
		d.Field("Số điện thoại, thư điện tử", contact)
	}
	d.Field("Thủ tục", x.ProcedureName+" ("+x.Procedure+")")
	d.Field("Mã hồ sơ", x.Code)
}

func officerName(x *Dossier, action string) string {
	if e, ok := lastEvent(x, action); ok {
		return e.ActorName
	}
	return ""
}

// Render renders slip kind for dossier x. A slip the dossier has not reached (a refusal slip for a
// dossier that was not refused) is a conflict.
func (f *Forms) Render(kind FormKind, x *Dossier) ([]byte, error) {
	notYet := func(what string) error {
		return errs.Reasonf(errs.Conflict, "no_such_slip", "dossier %s has no %s yet", x.Code, what)
	}
	var d *pdf.Doc
	switch kind {
	case FormReceipt:
		if x.AcceptedAt == nil || x.DueAt == nil {
			return nil, notYet("receipt: it has not been accepted")
		}
		d = newDoc("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", x)
		d.FormNumber("Mẫu số 01 - TT 01/2018/TT-VPCP")
		f.header(d, x.Agency, *x.AcceptedAt)
		d.Title("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "Mã hồ sơ: "+x.Code)
		d.Paragraph(fmt.Sprintf("%s tiếp nhận hồ sơ của:", f.s.agencies.Name(x.Agency)))
		applicantFields(d, x)
		if proc, err := f.s.catalog.Get(x.Procedure); err == nil {
			d.Paragraph("Thành phần hồ sơ nộp gồm:")
			d.List(componentsReceived(proc, x))
		}
		d.Field("Thời gian giải quyết", fmt.Sprintf("%d ngày làm việc", x.ProcessingDays))
		d.Field("Thời gian nhận hồ sơ", clock(*x.AcceptedAt))
		d.Field("Thời gian trả kết quả", clock(*x.DueAt))
		if x.DeadlineNote != "" {
			d.Note(x.DeadlineNote)
		}
		d.Paragraph("Tra cứu tình trạng hồ sơ bằng mã hồ sơ trên Cổng dịch vụ công, mục Tra cứu hồ sơ.")
		d.Signature(pdf.SignatureBlock{Title: "Người nộp hồ sơ", Note: "(Ký và ghi rõ họ tên)", Name: x.Applicant.Name},
			pdf.SignatureBlock{Title: "Người tiếp nhận hồ sơ", Note: "(Ký và ghi rõ họ tên)", Name: officerName(x, "accept")})
	case FormSupplement:
		e, ok := lastEvent(x, "request_documents")
		if !ok {
			return nil, notYet("request for more documents")
		}
		d = newDoc("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", x)
		d.FormNumber("Mẫu số 02 - TT 01/2018/TT-VPCP")
		f.header(d, x.Agency, e.At)
		d.Title("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "Mã hồ sơ: "+x.Code)
		d.Paragraph(fmt.Sprintf("%s đã nhận hồ sơ của:", f.s.agencies.Name(x.Agency)))
		applicantFields(d, x)
		d.Paragraph("Sau khi xem xét, hồ sơ cần bổ sung, hoàn thiện các nội dung sau:")
		if items := detailList(e.Detail, "items"); len(items) > 0 {
			d.List(items)
		}
		d.Field("Lý do", e.Reason)
		d.Paragraph("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, xin liên hệ bộ phận tiếp nhận và trả kết quả để được hướng dẫn.")
		d.Signature(pdf.SignatureBlock{}, pdf.SignatureBlock{Title: "Người hướng dẫn", Note: "(Ký và ghi rõ họ tên)", Name: e.ActorName})
	case FormRefusal:
		e, ok := lastEvent(x, "refuse")
		if !ok {
			return nil, notYet("refusal")
		}
		d = newDoc("Phiếu từ chối tiếp nhận giải quyết hồ sơ", x)
		d.FormNumber("Mẫu số 03 - TT 01/2018/TT-VPCP")
		f.header(d, x.Agency, e.At)
		d.Title("Phiếu từ chối tiếp nhận giải quyết hồ sơ", "Mã hồ sơ: "+x.Code)
		d.Paragraph(fmt.Sprintf("%s tiếp nhận hồ sơ của:", f.s.agencies.Name(x.Agency)))
		applicantFields(d, x)
		d.Paragraph("Sau khi xem xét, căn cứ quy định, cơ quan không tiếp nhận, giải quyết hồ sơ này với lý do:")
		d.Paragraph(e.Reason)
		d.Paragraph("Xin thông báo để ông/bà được biết và thực hiện.")
		d.Signature(pdf.SignatureBlock{}, pdf.SignatureBlock{Title: "Người tiếp nhận", Note: "(Ký và ghi rõ họ tên)", Name: e.ActorName})
	case FormApology:
		e, ok := lastEvent(x, "reschedule")
		if !ok {
			return nil, notYet("new appointment")
		}
		var det struct {
			Previous time.Time `json:"previous_due_at"`
			Due      time.Time `json:"due_at"`
		}
		json.Unmarshal([]byte(e.Detail), &det)
		d = newDoc("Phiếu xin lỗi và hẹn lại ngày trả kết quả", x)
		d.FormNumber("Mẫu số 04 - TT 01/2018/TT-VPCP")
		f.header(d, x.Agency, e.At)
		d.Title("Phiếu xin lỗi và hẹn lại ngày trả kết quả", "Mã hồ sơ: "+x.Code)
		d.Paragraph(fmt.Sprintf("Ngày %s, %s tiếp nhận hồ sơ đề nghị giải quyết thủ tục %s của ông/bà/tổ chức %s.",
			pdf.DateLine("", deref(x.AcceptedAt)), f.s.agencies.Name(x.Agency), x.ProcedureName, x.Applicant.Name))
		d.Paragraph("Thời hạn giải quyết hồ sơ theo quy định là " + clock(det.Previous) + ".")
		d.Paragraph("Tuy nhiên đến nay, cơ quan chưa trả kết quả giải quyết hồ sơ cho ông/bà/tổ chức đúng hạn. Lý do: " + e.Reason)
		d.Paragraph("Sự chậm trễ này đã gây phiền hà cho ông/bà/tổ chức. Chúng tôi xin lỗi và hẹn trả kết quả vào " + clock(det.Due) + ".")
		d.Paragraph("Mong nhận được sự thông cảm của ông/bà/tổ chức.")
		d.Signature(pdf.SignatureBlock{}, pdf.SignatureBlock{Title: "Thủ trưởng cơ quan", Note: "(Ký, ghi rõ họ tên và đóng dấu)"})
	case FormControl:
		d = newDoc("Phiếu kiểm soát quá trình giải quyết hồ sơ", x)
		d.FormNumber("Mẫu số 05 - TT 01/2018/TT-VPCP")
		f.header(d, x.Agency, f.s.db.Now())
		d.Title("Phiếu kiểm soát quá trình giải quyết hồ sơ", "Mã hồ sơ: "+x.Code)
		d.Field("Cơ quan tiếp nhận", f.s.agencies.Name(x.Agency))
		d.Field("Thủ tục", x.ProcedureName)
		d.Field("Chủ hồ sơ", x.Applicant.Name)
		if x.DueAt != nil {
			d.Field("Ngày hẹn trả", clock(*x.DueAt))
		}
		var rows [][]string
		for i, e := range x.Events {
			result := e.To.Vietnamese()
			if e.From == e.To {
				result = actionVI[e.Action]
			}
			note := e.Reason
			if e.At.After(deref(x.DueAt)) && x.DueAt != nil && e.To != e.From {
				note = strings.TrimSpace("Quá hạn. " + note)
			}
			rows = append(rows, []string{fmt.Sprint(i + 1), actionVI[e.Action], e.At.In(pdf.ICT).Format("15:04 02/01/2006"), nameOr(e), result, note})
		}
		d.Table([]pdf.Column{{Heading: "STT", Width: 0.8, Align: "C"}, {Heading: "Bước", Width: 2.2}, {Heading: "Thời gian", Width: 1.8},
			{Heading: "Người thực hiện", Width: 2.2}, {Heading: "Kết quả", Width: 2.2}, {Heading: "Ghi chú", Width: 2.2}}, rows)
	default:
		return nil, errs.Reasonf(errs.NotFound, "no_such_form", "there is no slip %q: want receipt, supplement, refusal, apology or control", kind)
	}
	return d.Bytes()
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func nameOr(e Event) string {
	if e.ActorName != "" {
		return e.ActorName
	}
	return e.Actor
}

// actionVI names the timeline's steps on the slips.
var actionVI = map[string]string{
	"submit":            "Nộp hồ sơ",
	"accept":            "Tiếp nhận",
	"refuse":            "Từ chối tiếp nhận",
	"start":             "Chuyển xử lý",
	"request_documents": "Yêu cầu bổ sung",
	"request_payment":   "Yêu cầu nộp phí, lệ phí",
	"withdraw":          "Rút hồ sơ",
	"stop":              "Dừng xử lý",
	"process":           "Hoàn thành xử lý",
	"return_result":     "Trả kết quả",
	"resubmit":          "Bổ sung hồ sơ",
	"assign":            "Phân công",
	"reschedule":        "Hẹn lại ngày trả",
	"rate":              "Đánh giá",
}

func detailList(detail, key string) []string {
	var m map[string][]string
	if json.Unmarshal([]byte(detail), &m) != nil {
		return nil
	}
	return m[key]
}

// componentsReceived lists the procedure's papers with the files received for each.
func componentsReceived(p *catalog.Procedure, x *Dossier) []string {
	var out []string
	for _, c := range p.Components {
		n := 0
		for _, f := range x.Files {
			if f.Component == c.Name {
				n++
			}
		}
		line := c.Name
		if n > 0 {
			line += fmt.Sprintf(" (%d tệp điện tử)", n)
		} else if c.Copies > 0 {
			line += fmt.Sprintf(" (%d bản giấy)", c.Copies)
		} else {
			line += " (xuất trình để đối chiếu)"
		}
		out = append(out, line)
	}
	return out
}

// Book renders the tracking book (sổ theo dõi hồ sơ, Mẫu 06) of an agency's subtree: the dossiers
// submitted in [from, to), up to 5,000 rows.
func (f *Forms) Book(ctx context.Context, by *auth.Principal, agency string, from, to time.Time) ([]byte, error) {
	list, err := f.s.List(ctx, by, Filter{Agency: agency, From: from, To: to, Limit: 5000, limitMax: 5000})
	if err != nil {
		return nil, err
	}
	d := pdf.New(pdf.Meta{Title: "Sổ theo dõi hồ sơ", Author: agency, Landscape: true})
	d.FormNumber("Mẫu số 06 - TT 01/2018/TT-VPCP")
	f.header(d, agency, f.s.db.Now())
	d.Title("Sổ theo dõi hồ sơ", fmt.Sprintf("Từ %s đến %s", from.In(pdf.ICT).Format("02/01/2006"), to.Add(-time.Second).In(pdf.ICT).Format("02/01/2006")))
	now := f.s.db.Now()
	var rows [][]string
	for i, x := range list {
		day := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.In(pdf.ICT).Format("02/01/2006")
		}
		note := map[Timeliness]string{OnTime: "Đúng hạn", Late: "Trễ hạn", Overdue: "Quá hạn", DueSoon: "Sắp đến hạn"}[f.s.Timeliness(x, now)]
		rows = append(rows, []string{fmt.Sprint(i + 1), x.Code, x.ProcedureName, x.Applicant.Name, day(&x.SubmittedAt), day(x.DueAt), day(x.FinishedAt), x.Status.Vietnamese(), note})
	}
	d.Table([]pdf.Column{{Heading: "STT", Width: 0.9, Align: "C"}, {Heading: "Mã hồ sơ", Width: 4.2}, {Heading: "Thủ tục", Width: 4},
		{Heading: "Chủ hồ sơ", Width: 2.2}, {Heading: "Ngày nhận", Width: 1.7}, {Heading: "Hẹn trả", Width: 1.7},
		{Heading: "Ngày kết thúc", Width: 1.7}, {Heading: "Trạng thái", Width: 2}, {Heading: "Ghi chú", Width: 1.5}}, rows)
	if len(rows) == 0 {
		d.Note("Không có hồ sơ trong thời gian này.")
	}
	return d.Bytes()
}
