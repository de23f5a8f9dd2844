// Package axistest builds edXML packages for tests and benchmarks of the axis.
package axistest

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/edxml"
)

// Doc describes a document package to build.
type Doc struct {
	DocumentID string
	From       string
	To         []string
	Subject    string
	// Attachment, when set, is attached as one file.
	Attachment []byte
	// Business is 0 new, 1 revoke, 2 update, 3 replace; Related is the earlier DocumentId.
	Business int
	Related  string
	// Secret, when set, adds <Confidentiality>Secret</Confidentiality> to OtherInfo.
	Secret string
}

// Document returns the package as edXML bytes in the national SDK's shape.
func Document(d Doc) []byte {
	p := &edxml.Package{}
	h := &p.Header
	h.From = edxml.Organization{OrganId: d.From, OrganName: "Cơ quan gửi " + d.From}
	for _, to := range d.To {
		h.To = append(h.To, edxml.Organization{OrganId: to, OrganName: "Cơ quan nhận " + to})
	}
	h.DocumentId = d.DocumentID
	h.Code = edxml.Code{CodeNumber: "15", CodeNotation: "UBND-VP"}
	h.PromulgationInfo = edxml.PromulgationInfo{Place: "Đà Lạt", PromulgationDate: "2026/11/20"}
	h.DocumentType = edxml.DocumentType{Type: "1", TypeDetail: "0", TypeName: "Công văn"}
	h.Subject = d.Subject
	if h.Subject == "" {
		h.Subject = "Về việc triển khai kết nối trục liên thông văn bản"
	}
	h.SignerInfo = edxml.SignerInfo{Competence: "TM. ỦY BAN NHÂN DÂN", Position: "Chủ tịch", FullName: "Nguyễn Văn A"}
	h.OtherInfo = edxml.OtherInfo{Priority: "0", PageAmount: "2"}
	if d.Secret != "" {
		h.OtherInfo.Extra = append(h.OtherInfo.Extra, edxml.RawElement{XML: []byte("<Confidentiality>" + d.Secret + "</Confidentiality>")})
	}
	p.Trace = &edxml.TraceHeaderList{TraceHeader: []edxml.TraceHeader{{OrganId: d.From, Timestamp: edxml.FormatTimestamp(time.Now())}}}
	if d.Business != 0 {
		p.Trace.Bussiness = &edxml.Bussiness{DocumentId: d.Related, BussinessDocType: string(rune('0' + d.Business)), BussinessDocReason: "Điều chỉnh"}
		switch d.Business {
		case 2:
			p.Trace.Bussiness.BussinessDocumentInfo = &edxml.BussinessDocumentInfo{DocumentInfo: "1"}
		case 3:
			p.Trace.Bussiness.ReplacementInfoList = []edxml.ReplacementInfo{{DocumentId: d.Related, OrganIdList: d.To}}
		}
	}
	var content map[string][]byte
	if d.Attachment != nil {
		meta := edxml.AttachmentMeta{ContentId: "cid:1", AttachmentName: "van-ban.pdf", Description: "Văn bản", ContentType: "application/pdf", Ref: "a1"}
		p.Manifest = &edxml.Manifest{Version: "1.0", References: []edxml.Reference{{ContentId: "cid:1", ContentType: "application/pdf", AttachmentName: "van-ban.pdf"}}}
		p.Attachments = []edxml.Attachment{{AttachmentMeta: meta}}
		content = map[string][]byte{"a1": d.Attachment}
	}
	var b bytes.Buffer
	if err := edxml.Write(&b, p, func(a edxml.AttachmentMeta) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(content[a.Ref])), nil
	}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Status returns a status packet from an agency about a document.
func Status(from, documentID, code, description string) []byte {
	var b bytes.Buffer
	err := edxml.WriteStatus(&b, &edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganId: strings.SplitN(documentID, ",", 2)[0], DocumentId: documentID},
		From:        edxml.Organization{OrganId: from, OrganName: "Cơ quan " + from},
		StatusCode:  edxml.StatusCode(code),
		Description: description,
		Timestamp:   edxml.FormatTimestamp(time.Now()),
		StaffInfo:   edxml.StaffInfo{Department: "Văn thư", Staff: "Trần Thị B"},
	})
	if err != nil {
		panic(err)
	}
	return b.Bytes()
}
