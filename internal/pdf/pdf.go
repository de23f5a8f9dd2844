// Package pdf builds the PDF documents of Vietnamese administration (slips, registers, certified
// copies) with an embedded Unicode serif font, so Vietnamese text renders on any machine. It is a
// small layer over github.com/go-pdf/fpdf: a header with the national motto, titles, paragraphs,
// labelled fields, tables that repeat their header across pages, and signature blocks.
package pdf

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// The fonts are DejaVu Serif (Bitstream Vera licence, fonts/LICENSE): a free serif close to the Times
// New Roman that Decree 30/2020 asks for, covering every Vietnamese letter.
//
//go:embed fonts/*.ttf
var fonts embed.FS

const family = "DejaVuSerif"

var fontFiles = []struct{ style, file string }{
	{"", "fonts/DejaVuSerif.ttf"},
	{"B", "fonts/DejaVuSerif-Bold.ttf"},
	{"I", "fonts/DejaVuSerif-Italic.ttf"},
}

// Meta is the document's information dictionary.
type Meta struct {
	Title   string
	Author  string // the issuing agency
	Subject string
	// Created fixes the creation date (reproducible output in tests); zero means now.
	Created time.Time
	// Landscape turns the pages (registers and books with many columns).
	Landscape bool
}

// Doc is a PDF being built on A4 pages (portrait unless Meta.Landscape) with 20 mm margins (30 mm on the left, as
// Decree 30/2020 lays out administrative documents).
type Doc struct {
	f        *fpdf.Fpdf
	width    float64 // printable width
	left     float64
	table    *tableState
	fontSize float64
}

// ICT is Vietnam's time zone, in which documents are dated.
var ICT = time.FixedZone("ICT", 7*3600)

// New starts a document with one page.
func New(m Meta) *Doc {
	orientation := "P"
	if m.Landscape {
		orientation = "L"
	}
	f := fpdf.New(orientation, "mm", "A4", "")
	for _, ff := range fontFiles {
		b, err := fonts.ReadFile(ff.file)
		if err != nil {
			panic(err) // embedded at build time
		}
		f.AddUTF8FontFromBytes(family, ff.style, b)
	}
	f.SetMargins(30, 20, 15)
	f.SetAutoPageBreak(true, 20)
	f.SetCreator("Liên Thông", true)
	f.SetProducer("Liên Thông (go-pdf/fpdf)", true)
	f.SetTitle(m.Title, true)
	f.SetAuthor(m.Author, true)
	f.SetSubject(m.Subject, true)
	if !m.Created.IsZero() {
		f.SetCreationDate(m.Created)
		f.SetModificationDate(m.Created)
	}
	f.AliasNbPages("{nb}")
	d := &Doc{f: f, fontSize: 12}
	f.SetFooterFunc(func() {
		f.SetY(-15)
		f.SetFont(family, "I", 8)
		f.CellFormat(0, 5, fmt.Sprintf("Trang %d/{nb}", f.PageNo()), "", 0, "C", false, 0, "")
	})
	f.SetHeaderFunc(func() {
		if d.table != nil && d.table.started {
			d.tableHeader()
		}
	})
	f.AddPage()
	w, _ := f.GetPageSize()
	l, _, r, _ := f.GetMargins()
	d.left, d.width = l, w-l-r
	f.SetFont(family, "", d.fontSize)
	return d
}

func (d *Doc) font(style string, size float64) { d.f.SetFont(family, style, size) }

// Motto writes the heading of an administrative document: the issuing agency on the left (its
// parent above it when given, in capitals, the agency in bold) and the national motto on the right,
// then the place and date line in italics.
func (d *Doc) Motto(parent, agency, place string, date time.Time) {
	f := d.f
	y := f.GetY()
	leftW := d.width * 0.42
	rightW := d.width - leftW
	f.SetXY(d.left, y)
	if parent != "" {
		d.font("", 11)
		f.MultiCell(leftW, 5, strings.ToUpper(parent), "", "C", false)
	}
	d.font("B", 11)
	f.SetX(d.left)
	f.MultiCell(leftW, 5, strings.ToUpper(agency), "", "C", false)
	leftEnd := f.GetY()
	f.Line(d.left+leftW*0.3, leftEnd+0.5, d.left+leftW*0.7, leftEnd+0.5)

	f.SetXY(d.left+leftW, y)
	d.font("B", 11)
	f.CellFormat(rightW, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", 2, "C", false, 0, "")
	d.font("B", 12)
	f.CellFormat(rightW, 6, "Độc lập - Tự do - Hạnh phúc", "", 2, "C", false, 0, "")
	mottoW := f.GetStringWidth("Độc lập - Tự do - Hạnh phúc")
	cx := d.left + leftW + rightW/2
	f.Line(cx-mottoW/2, f.GetY()+0.5, cx+mottoW/2, f.GetY()+0.5)
	f.SetY(max(leftEnd, f.GetY()) + 3)
	if place != "" || !date.IsZero() {
		d.font("I", 12)
		f.SetX(d.left + leftW)
		f.CellFormat(rightW, 6, DateLine(place, date), "", 1, "C", false, 0, "")
	}
	f.Ln(4)
	d.font("", d.fontSize)
}

// DateLine writes "Lâm Đồng, ngày 26 tháng 11 năm 2026" in Vietnam's time zone; days and months
// below 10 (1 and 2 for months) get a leading zero as Decree 30/2020 writes them.
func DateLine(place string, t time.Time) string {
	t = t.In(ICT)
	day := fmt.Sprintf("%d", t.Day())
	if t.Day() < 10 {
		day = "0" + day
	}
	month := fmt.Sprintf("%d", int(t.Month()))
	if t.Month() < 3 {
		month = "0" + month
	}
	s := fmt.Sprintf("ngày %s tháng %s năm %d", day, month, t.Year())
	if place != "" {
		s = place + ", " + s
	}
	return s
}

// FormNumber writes a small note at the top right, such as "Mẫu số 01".
func (d *Doc) FormNumber(s string) {
	y := d.f.GetY()
	d.font("I", 9)
	d.f.SetXY(d.left, 10)
	d.f.CellFormat(d.width, 5, s, "", 0, "R", false, 0, "")
	d.f.SetY(y)
	d.font("", d.fontSize)
}

// Title writes a centred bold title, and a subtitle in italics under it when given.
func (d *Doc) Title(title, subtitle string) {
	d.font("B", 14)
	d.f.SetX(d.left)
	d.f.MultiCell(d.width, 7, strings.ToUpper(title), "", "C", false)
	if subtitle != "" {
		d.font("I", 12)
		d.f.SetX(d.left)
		d.f.MultiCell(d.width, 6, subtitle, "", "C", false)
	}
	d.f.Ln(4)
	d.font("", d.fontSize)
}

// Paragraph writes justified text.
func (d *Doc) Paragraph(s string) {
	d.font("", d.fontSize)
	d.f.SetX(d.left)
	d.f.MultiCell(d.width, 6, s, "", "J", false)
	d.f.Ln(1)
}

// Note writes a line in small italics.
func (d *Doc) Note(s string) {
	d.font("I", 10)
	d.f.SetX(d.left)
	d.f.MultiCell(d.width, 5, s, "", "L", false)
	d.font("", d.fontSize)
}

// Field writes "label: value" with the label in bold and the value wrapped beside it.
func (d *Doc) Field(label, value string) {
	labelW := d.width * 0.4
	y := d.f.GetY()
	d.font("B", d.fontSize)
	d.f.SetXY(d.left, y)
	d.f.MultiCell(labelW, 6, label+":", "", "L", false)
	yl := d.f.GetY()
	d.font("", d.fontSize)
	d.f.SetXY(d.left+labelW, y)
	d.f.MultiCell(d.width-labelW, 6, value, "", "L", false)
	d.f.SetY(max(yl, d.f.GetY()))
}

// List writes numbered items.
func (d *Doc) List(items []string) {
	for i, it := range items {
		d.f.SetX(d.left + 5)
		d.f.MultiCell(d.width-5, 6, fmt.Sprintf("%d. %s", i+1, it), "", "L", false)
	}
	d.f.Ln(1)
}

// Space adds vertical space in millimetres.
func (d *Doc) Space(mm float64) { d.f.Ln(mm) }

// Signature writes the signer's block on the right: the title in bold capitals, a note in
// italics, room for the signature, then the name in bold. left, when given, goes on the left
// with the same layout (a receiving officer and a leader, for instance).
func (d *Doc) Signature(left, right SignatureBlock) {
	half := d.width / 2
	y := d.f.GetY() + 4
	end := y
	for i, b := range []SignatureBlock{left, right} {
		if b.Title == "" && b.Name == "" {
			continue
		}
		x := d.left + float64(i)*half
		d.f.SetXY(x, y)
		d.font("B", 12)
		d.f.MultiCell(half, 6, strings.ToUpper(b.Title), "", "C", false)
		if b.Note != "" {
			d.font("I", 10)
			d.f.SetX(x)
			d.f.MultiCell(half, 5, b.Note, "", "C", false)
		}
		d.f.Ln(18)
		d.font("B", 12)
		d.f.SetX(x)
		d.f.MultiCell(half, 6, b.Name, "", "C", false)
		end = max(end, d.f.GetY())
	}
	d.f.SetY(end + 2)
	d.font("", d.fontSize)
}

// SignatureBlock is one signer's place at the foot of a document.
type SignatureBlock struct {
	Title string // "Người tiếp nhận", "Chủ tịch"
	Note  string // "(Ký, ghi rõ họ tên)"
	Name  string
}

// Column is a table column: its heading and its share of the width (shares are normalised).
type Column struct {
	Heading string
	Width   float64
	Align   string // "L", "C" or "R"; "L" by default
}

type tableState struct {
	cols    []Column
	widths  []float64
	started bool
}

// Table writes a table whose heading row repeats at the top of every page it spans.
func (d *Doc) Table(cols []Column, rows [][]string) {
	total := 0.0
	for _, c := range cols {
		total += c.Width
	}
	ts := &tableState{cols: cols}
	for _, c := range cols {
		ts.widths = append(ts.widths, d.width*c.Width/total)
	}
	d.table = ts
	d.tableHeader()
	ts.started = true
	d.font("", 9)
	_, pageH := d.f.GetPageSize()
	for _, row := range rows {
		// The row's height is its tallest cell's.
		lines := 1
		for i, cell := range row {
			if i < len(ts.widths) {
				lines = max(lines, len(d.f.SplitText(cell, ts.widths[i]-2)))
			}
		}
		h := float64(lines) * 4.5
		if d.f.GetY()+h > pageH-22 {
			d.f.AddPage() // the header function repeats the heading row
			d.font("", 9)
		}
		y := d.f.GetY()
		x := d.left
		for i := range ts.widths {
			cell := ""
			if i < len(row) {
				cell = row[i]
			}
			d.f.Rect(x, y, ts.widths[i], h, "D")
			d.f.SetXY(x, y)
			align := cols[i].Align
			if align == "" {
				align = "L"
			}
			d.f.MultiCell(ts.widths[i], 4.5, cell, "", align, false)
			x += ts.widths[i]
		}
		d.f.SetXY(d.left, y+h)
	}
	ts.started = false
	d.table = nil
	d.f.Ln(3)
	d.font("", d.fontSize)
}

func (d *Doc) tableHeader() {
	ts := d.table
	d.font("B", 9)
	lines := 1
	for i, c := range ts.cols {
		lines = max(lines, len(d.f.SplitText(c.Heading, ts.widths[i]-2)))
	}
	h := float64(lines) * 5
	y := d.f.GetY()
	x := d.left
	d.f.SetFillColor(235, 235, 235)
	for i, c := range ts.cols {
		d.f.Rect(x, y, ts.widths[i], h, "DF")
		d.f.SetXY(x, y)
		d.f.MultiCell(ts.widths[i], 5, c.Heading, "", "C", false)
		x += ts.widths[i]
	}
	d.f.SetXY(d.left, y+h)
	d.font("", 9)
}

// Image places a JPEG or PNG (a scanned page) scaled to fit the printable area of a new page.
func (d *Doc) Image(name string, r io.Reader, kind string) error {
	opt := fpdf.ImageOptions{ImageType: strings.ToUpper(kind), ReadDpi: true}
	info := d.f.RegisterImageOptionsReader(name, opt, r)
	if err := d.f.Error(); err != nil {
		return fmt.Errorf("pdf: image %s: %w", name, err)
	}
	w, h := info.Extent()
	_, pageH := d.f.GetPageSize()
	maxW, maxH := d.width, pageH-45
	scale := min(maxW/w, maxH/h)
	d.f.ImageOptions(name, d.left+(maxW-w*scale)/2, d.f.GetY(), w*scale, h*scale, false, opt, 0, "")
	d.f.SetY(d.f.GetY() + h*scale + 3)
	return nil
}

// AddPage starts a new page.
func (d *Doc) AddPage() { d.f.AddPage() }

// Bytes finishes the document.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.f.Output(&b); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return b.Bytes(), nil
}
