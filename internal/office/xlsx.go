package office

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/lienthong/lienthong/internal/auth"
)

// The sheets of the register workbooks.
const (
	OutgoingSheet = "Sổ văn bản đi"
	IncomingSheet = "Sổ văn bản đến"
)

// xlsxDate is the date format of the registers' date columns.
const xlsxDate = "dd/mm/yyyy"

// Column widths, in characters, of the registers (Phụ lục IV's columns, in order).
var (
	outgoingWidths = []float64{18, 12, 60, 24, 40, 24, 10, 24}
	incomingWidths = []float64{12, 9, 36, 18, 12, 60, 30, 16, 24}
)

// registerBook is a workbook with one sheet written row by row through excelize's stream writer:
// rows past its buffer go to a temporary file, so a register of any length stays within a bounded
// amount of memory.
type registerBook struct {
	f     *excelize.File
	sw    *excelize.StreamWriter
	row   int
	text  int // wrapped text, aligned to the top
	date  int // dd/mm/yyyy
	plain int // numbers and short text, aligned to the top
}

func newRegisterBook(sheet string, columns []string, widths []float64) (*registerBook, error) {
	f := excelize.NewFile()
	b := &registerBook{f: f}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, err
	}
	f.SetDocProps(&excelize.DocProperties{Creator: "Liên Thông", Title: sheet, Language: "vi-VN"})
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		f.Close()
		return nil, err
	}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	if b.text, err = f.NewStyle(&excelize.Style{Border: border, Alignment: top}); err != nil {
		f.Close()
		return nil, err
	}
	dateFmt := xlsxDate
	if b.date, err = f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}, CustomNumFmt: &dateFmt}); err != nil {
		f.Close()
		return nil, err
	}
	if b.plain, err = f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}}); err != nil {
		f.Close()
		return nil, err
	}
	if b.sw, err = f.NewStreamWriter(sheet); err != nil {
		f.Close()
		return nil, err
	}
	for i, w := range widths {
		if err := b.sw.SetColWidth(i+1, i+1, w); err != nil {
			f.Close()
			return nil, err
		}
	}
	// The heading row stays in view while scrolling.
	if err := b.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		f.Close()
		return nil, err
	}
	cells := make([]any, len(columns))
	for i, c := range columns {
		cells[i] = excelize.Cell{StyleID: head, Value: c}
	}
	b.row = 1
	if err := b.sw.SetRow("A1", cells, excelize.RowOpts{Height: 32}); err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

// add writes the next row.
func (b *registerBook) add(cells []any) error {
	b.row++
	cell, err := excelize.CoordinatesToCellName(1, b.row)
	if err != nil {
		return err
	}
	return b.sw.SetRow(cell, cells)
}

// dateCell writes a dd/mm/yyyy date as a spreadsheet date, so that it sorts and filters as one;
// anything else stays text.
func (b *registerBook) dateCell(d string) excelize.Cell {
	if t, err := time.Parse("02/01/2006", d); err == nil {
		return excelize.Cell{StyleID: b.date, Value: t}
	}
	return excelize.Cell{StyleID: b.plain, Value: d}
}

// finish writes the workbook to w and releases its temporary files.
func (b *registerBook) finish(w io.Writer) error {
	defer b.f.Close()
	if err := b.sw.Flush(); err != nil {
		return err
	}
	_, err := b.f.WriteTo(w)
	return err
}

// WriteOutgoingXLSX writes the outgoing register of a period (Decree 30 Phụ lục IV) as an XLSX
// workbook: a bold heading row with the appendix's columns, then every entry in number order,
// dates as dd/mm/yyyy. Nothing is written to w unless the whole register was read.
func (s *Service) WriteOutgoingXLSX(ctx context.Context, by *auth.Principal, q RegisterQuery, w io.Writer) error {
	if err := s.checkRegister(by, &q); err != nil {
		return err
	}
	b, err := newRegisterBook(OutgoingSheet, OutgoingColumns, outgoingWidths)
	if err != nil {
		return fmt.Errorf("office.WriteOutgoingXLSX: %w", err)
	}
	err = s.eachOutgoing(ctx, q, 0, func(e OutgoingEntry) error {
		subject := e.Subject
		if e.TypeName != "" {
			subject = e.TypeName + ": " + e.Subject
		}
		return b.add([]any{excelize.Cell{StyleID: b.plain, Value: e.NumberNotation}, b.dateCell(e.Date),
			excelize.Cell{StyleID: b.text, Value: subject}, excelize.Cell{StyleID: b.text, Value: e.Signer},
			excelize.Cell{StyleID: b.text, Value: e.Recipients}, excelize.Cell{StyleID: b.text, Value: e.Keeper},
			excelize.Cell{StyleID: b.plain, Value: e.Copies}, excelize.Cell{StyleID: b.text, Value: e.Note}})
	})
	if err != nil {
		b.f.Close()
		return fmt.Errorf("office.WriteOutgoingXLSX(%s): %w", q.Agency, err)
	}
	return b.finish(w)
}

// WriteIncomingXLSX writes the incoming register of a period (Decree 30 Phụ lục IV) as an XLSX
// workbook, like WriteOutgoingXLSX.
func (s *Service) WriteIncomingXLSX(ctx context.Context, by *auth.Principal, q RegisterQuery, w io.Writer) error {
	q.Series = ""
	if err := s.checkRegister(by, &q); err != nil {
		return err
	}
	b, err := newRegisterBook(IncomingSheet, IncomingColumns, incomingWidths)
	if err != nil {
		return fmt.Errorf("office.WriteIncomingXLSX: %w", err)
	}
	err = s.eachIncoming(ctx, q, 0, func(e IncomingEntry) error {
		subject := e.Subject
		if e.TypeName != "" {
			subject = e.TypeName + ": " + e.Subject
		}
		return b.add([]any{b.dateCell(e.DateReceived), excelize.Cell{StyleID: b.plain, Value: e.Number},
			excelize.Cell{StyleID: b.text, Value: e.Sender}, excelize.Cell{StyleID: b.plain, Value: e.NumberNotation},
			b.dateCell(e.DocumentDate), excelize.Cell{StyleID: b.text, Value: subject}, excelize.Cell{StyleID: b.text, Value: e.Handler},
			excelize.Cell{StyleID: b.text, Value: e.ReceiptSign}, excelize.Cell{StyleID: b.text, Value: e.Note}})
	})
	if err != nil {
		b.f.Close()
		return fmt.Errorf("office.WriteIncomingXLSX(%s): %w", q.Agency, err)
	}
	return b.finish(w)
}
