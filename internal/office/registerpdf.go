package office

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/pdf"
)

// The registers as PDF, laid out as Decree 30/2020 Phụ lục IV prints them: a title block (the
// parent agency and the agency, the register's name, the year and period), then the appendix's
// columns in a table whose heading repeats on every page. A4 landscape.

// maxPDFRows bounds one PDF register; a longer period is printed in parts (from/to, offset).
const maxPDFRows = 10000

var (
	outgoingPDFColumns = pdfColumns(OutgoingColumns, []float64{14, 10, 34, 14, 24, 16, 7, 11}, map[int]string{1: "C", 6: "C"})
	incomingPDFColumns = pdfColumns(IncomingColumns, []float64{10, 7, 18, 14, 10, 34, 18, 10, 9}, map[int]string{0: "C", 1: "C", 4: "C"})
)

func pdfColumns(names []string, widths []float64, align map[int]string) []pdf.Column {
	cols := make([]pdf.Column, len(names))
	for i, n := range names {
		cols[i] = pdf.Column{Heading: n, Width: widths[i], Align: align[i]}
	}
	return cols
}

// registerTitle writes the title block.
func (s *Service) registerTitle(d *pdf.Doc, agencyCode, name string, q RegisterQuery, year int) {
	if a, ok := s.reg.Index().Get(agencyCode); ok {
		if p, ok := s.reg.Index().Get(a.Parent); ok && a.Parent != "" {
			d.Note(strings.ToUpper(p.Name))
		}
		d.Paragraph(strings.ToUpper(a.Name))
	} else {
		d.Paragraph(agencyCode)
	}
	d.Space(2)
	d.Title(name, "Năm "+strconv.Itoa(year))
	var period []string
	if q.From != "" {
		period = append(period, "Từ ngày "+dmy(q.From))
	}
	if q.To != "" {
		period = append(period, "đến ngày "+dmy(q.To))
	}
	if len(period) > 0 {
		d.Note(strings.Join(period, " "))
	}
	d.Space(3)
}

func dmy(iso string) string {
	if t, err := time.Parse(time.DateOnly, iso); err == nil {
		return t.Format("02/01/2006")
	}
	return iso
}

func (s *Service) registerYear(q RegisterQuery) int {
	for _, d := range []string{q.From, q.To} {
		if t, err := time.Parse(time.DateOnly, d); err == nil {
			return t.Year()
		}
	}
	return s.db.Now().In(s.cal.Location()).Year()
}

// WriteOutgoingPDF writes the outgoing register of a period as a PDF (Phụ lục IV layout).
func (s *Service) WriteOutgoingPDF(ctx context.Context, by *auth.Principal, q RegisterQuery, w io.Writer) error {
	if err := s.checkRegister(by, &q); err != nil {
		return err
	}
	name := "Sổ đăng ký văn bản đi"
	if q.Series == SeriesSecret {
		name = "Sổ đăng ký văn bản đi (mật)"
	}
	var rows [][]string
	err := s.eachOutgoing(ctx, q, maxPDFRows, func(e OutgoingEntry) error {
		subject := e.Subject
		if e.TypeName != "" {
			subject = e.TypeName + ": " + e.Subject
		}
		rows = append(rows, []string{e.NumberNotation, e.Date, subject, e.Signer, e.Recipients, e.Keeper, strconv.Itoa(e.Copies), e.Note})
		return nil
	})
	if err != nil {
		return fmt.Errorf("office.WriteOutgoingPDF(%s): %w", q.Agency, err)
	}
	return s.writeRegisterPDF(w, q, name, outgoingPDFColumns, rows)
}

// WriteIncomingPDF writes the incoming register of a period as a PDF (Phụ lục IV layout).
func (s *Service) WriteIncomingPDF(ctx context.Context, by *auth.Principal, q RegisterQuery, w io.Writer) error {
	q.Series = ""
	if err := s.checkRegister(by, &q); err != nil {
		return err
	}
	var rows [][]string
	err := s.eachIncoming(ctx, q, maxPDFRows, func(e IncomingEntry) error {
		subject := e.Subject
		if e.TypeName != "" {
			subject = e.TypeName + ": " + e.Subject
		}
		rows = append(rows, []string{e.DateReceived, strconv.Itoa(e.Number), e.Sender, e.NumberNotation, e.DocumentDate, subject, e.Handler, e.ReceiptSign, e.Note})
		return nil
	})
	if err != nil {
		return fmt.Errorf("office.WriteIncomingPDF(%s): %w", q.Agency, err)
	}
	return s.writeRegisterPDF(w, q, "Sổ đăng ký văn bản đến", incomingPDFColumns, rows)
}

func (s *Service) writeRegisterPDF(w io.Writer, q RegisterQuery, name string, cols []pdf.Column, rows [][]string) error {
	d := pdf.New(pdf.Meta{Title: name, Author: s.agencyName(q.Agency), Landscape: true})
	s.registerTitle(d, q.Agency, name, q, s.registerYear(q))
	d.Table(cols, rows)
	b, err := d.Bytes()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
