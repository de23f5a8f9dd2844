package certcopy

import (
	"bytes"
	"fmt"

	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/vn"
)

// Certification is the statement of the certification page.
const Certification = "Chứng thực bản sao điện tử này đúng với bản chính."

// render builds the unsigned PDF: the scanned pages, one per page, then the certification page.
func (s *Service) render(c *Copy, pages []page, place string) (out []byte, err error) {
	current := -1
	defer func() {
		// fpdf panics on some damaged PNG streams whose header reads well (internal/pdf.Image does
		// not guard against it): the page is refused like any bad upload.
		if r := recover(); r != nil {
			if current < 0 {
				panic(r)
			}
			out, err = nil, errs.Reasonf(errs.Invalid, "bad_request", "%s is a damaged image", pages[current].label).
				WithFields(errs.FieldError{Field: fmt.Sprintf("scans[%d]", current), Message: fmt.Sprintf("%s is a damaged image: %v", pages[current].label, r)})
		}
	}()
	d := pdf.New(pdf.Meta{Title: "Bản sao điện tử được chứng thực từ bản chính – " + c.RegisterLabel, Author: c.AgencyName,
		Subject: c.OriginalDescription, Created: c.IssuedAt})
	for i, pg := range pages {
		if i > 0 {
			d.AddPage()
		}
		current = i
		if err := d.Image(fmt.Sprintf("scan-%d", i+1), bytes.NewReader(pg.data), pg.kind); err != nil {
			return nil, errs.Reasonf(errs.Invalid, "bad_request", "%s cannot be placed in the PDF", pg.label).
				WithFields(errs.FieldError{Field: fmt.Sprintf("scans[%d]", i), Message: fmt.Sprintf("%s cannot be placed in the PDF (%v); save it again as a baseline JPEG or non-interlaced PNG", pg.label, err)})
		}
	}
	current = -1
	d.AddPage()
	d.Motto("", c.AgencyName, place, c.IssuedAt)
	d.Title("Lời chứng chứng thực bản sao điện tử từ bản chính", "")
	d.Paragraph(Certification)
	d.Paragraph(c.RegisterLabel + " – Quyển số: " + c.Book)
	d.Field("Ngày chứng thực", pdf.DateLine("", c.IssuedAt)+" ("+c.IssuedAt.In(vn.ICT).Format("15:04")+")")
	d.Field("Người yêu cầu chứng thực", c.ApplicantName)
	d.Field("Bản chính", c.OriginalDescription)
	d.Field("Số trang", fmt.Sprintf("%d", c.Pages))
	d.Field("Lệ phí", FormatDong(c.Fee))
	d.Signature(pdf.SignatureBlock{}, pdf.SignatureBlock{Title: c.OfficerTitle, Note: "(Đã ký số)", Name: c.OfficerName})
	d.Space(4)
	if err := d.QR(c.VerifyURL, 32,
		"Kiểm tra bản sao tại / Verify this copy at:",
		c.VerifyURL,
		"Mã xác thực / Verification code: "+c.Code,
		"Bản sao điện tử có chữ ký số của "+c.AgencyName+"; bản in ra không thay thế tệp điện tử."); err != nil {
		return nil, err
	}
	return d.Bytes()
}
