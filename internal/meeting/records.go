package meeting

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/signature"
)

// signPDF renders a record and signs it with the agency's key.
func (s *Service) signPDF(ctx context.Context, agency, reason string, render func() ([]byte, error), at time.Time) ([]byte, error) {
	raw, err := render()
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "rendering the record")
	}
	if s.signer == nil {
		return nil, errs.New(errs.Unavailable, "no signing key is configured")
	}
	key, err := s.signer(ctx, agency)
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, err, "the signing key of %s is not available", agency)
	}
	out, err := signature.SignPDF(raw, key, signature.PDFSignOptions{Name: s.agencies.Name(agency), Reason: reason, Time: at})
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "signing the record")
	}
	return out, nil
}

var attendanceNames = map[string]string{
	"invited": "Được mời", "present": "Có mặt", "remote": "Trực tuyến", "absent": "Vắng mặt", "delegated": "Ủy quyền",
}

func (s *Service) minutesPDF(m *Meeting, at time.Time) ([]byte, error) {
	d := pdf.New(pdf.Meta{Title: "Biên bản: " + m.Title, Author: s.agencies.Name(m.Agency), Subject: m.KindName, Created: at})
	d.Motto("", s.agencies.Name(m.Agency), m.Place, at)
	d.Title("BIÊN BẢN CUỘC HỌP", m.Title)
	d.Field("Loại cuộc họp", m.KindName)
	d.Field("Thời gian", m.StartsAt.In(ict).Format("15:04 02/01/2006"))
	d.Field("Địa điểm", m.Place)
	d.Field("Chủ trì", m.Chair)
	rows := make([][]string, 0, len(m.Participants))
	for _, p := range m.Participants {
		att := attendanceNames[p.Attendance]
		if p.Delegate != "" {
			att += " (" + p.Delegate + ")"
		}
		rows = append(rows, []string{p.Login, s.agencies.Name(p.Agency), att})
	}
	d.Table([]pdf.Column{{Heading: "Thành phần", Width: 3}, {Heading: "Cơ quan", Width: 4}, {Heading: "Tham dự", Width: 3}}, rows)
	var agenda []string
	for _, it := range m.Items {
		line := fmt.Sprintf("%d. %s", it.Position, it.Title)
		for _, p := range it.Papers {
			if p.PaperOnly {
				line += " — " + p.Title + " (bản giấy, mật)"
			} else {
				line += " — " + p.Title
			}
		}
		agenda = append(agenda, line)
	}
	d.Field("Chương trình", "")
	d.List(agenda)
	d.Field("Nội dung", "")
	for _, para := range strings.Split(m.Minutes, "\n") {
		if strings.TrimSpace(para) != "" {
			d.Paragraph(para)
		}
	}
	if len(m.Conclusions) > 0 {
		var cs []string
		for i, c := range m.Conclusions {
			due := c.Deadline
			if c.Ongoing {
				due = "thường xuyên"
			}
			cs = append(cs, fmt.Sprintf("%d. %s — chủ trì: %s; thời hạn: %s", i+1, c.Content, s.agencies.Name(c.LeadAgency), due))
		}
		d.Field("Kết luận", "")
		d.List(cs)
	}
	d.Signature(pdf.SignatureBlock{Title: "Thư ký"}, pdf.SignatureBlock{Title: "Chủ trì", Name: m.Chair})
	return d.Bytes()
}

var answerNames = map[string]string{"agree": "Đồng ý", "disagree": "Không đồng ý", "other": "Ý kiến khác", "": "Chưa trả lời"}

func (s *Service) ballotPDF(b *Ballot, at time.Time) ([]byte, error) {
	d := pdf.New(pdf.Meta{Title: fmt.Sprintf("Kết quả phiếu lấy ý kiến số %d", b.ID), Author: s.agencies.Name(b.Agency), Created: at})
	d.Motto("", s.agencies.Name(b.Agency), "", at)
	d.Title("KẾT QUẢ LẤY Ý KIẾN THÀNH VIÊN", fmt.Sprintf("Phiếu số %d", b.ID))
	d.Field("Nội dung xin ý kiến", b.Question)
	d.Field("Hạn trả lời", b.Deadline.In(ict).Format("15:04 02/01/2006"))
	var papers []string
	for _, p := range b.Papers {
		if p.PaperOnly {
			papers = append(papers, p.Title+" (bản giấy, mật)")
		} else {
			papers = append(papers, p.Title)
		}
	}
	if len(papers) > 0 {
		d.Field("Hồ sơ kèm theo", "")
		d.List(papers)
	}
	rows := make([][]string, 0, len(b.Members))
	for _, m := range b.Members {
		rows = append(rows, []string{m.Name + " (" + m.Login + ")", answerNames[m.Answer], m.Comment})
	}
	d.Table([]pdf.Column{{Heading: "Thành viên", Width: 4}, {Heading: "Ý kiến", Width: 2}, {Heading: "Góp ý", Width: 5}}, rows)
	t := b.Tally
	d.Field("Tổng hợp", fmt.Sprintf("Đồng ý %d; Không đồng ý %d; Ý kiến khác %d; Chưa trả lời %d (tổng %d thành viên)",
		t.Agree, t.Disagree, t.Other, t.Unanswered, len(b.Members)))
	return d.Bytes()
}
