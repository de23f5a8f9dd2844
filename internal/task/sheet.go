package task

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
)

// ImportColumns are the header names of an import sheet (first row; order free; coordinators are
// separated by ';').
var ImportColumns = []string{"directive_kind", "directive_number", "directive_date", "content", "lead", "coordinators",
	"authority", "assigned_on", "deadline", "report_period", "product"}

// ParseSheet reads assignments from CSV or XLSX (by the content's first bytes). Row numbers in
// later errors are data rows (the header is row 0).
func ParseSheet(data []byte) ([]Assignment, error) {
	var rows [][]string
	if bytes.HasPrefix(data, []byte("PK")) {
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, err, "not a readable XLSX file")
		}
		defer x.Close()
		if rows, err = x.GetRows(x.GetSheetName(0)); err != nil {
			return nil, errs.Wrap(errs.Invalid, err, "not a readable XLSX sheet")
		}
	} else {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
		r.FieldsPerRecord = -1
		var err error
		if rows, err = r.ReadAll(); err != nil {
			return nil, errs.Wrap(errs.Invalid, err, "not a readable CSV file")
		}
	}
	if len(rows) < 2 {
		return nil, errs.New(errs.Invalid, "the sheet has no task rows")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"directive_kind", "content", "lead", "authority"} {
		if _, ok := col[need]; !ok {
			return nil, errs.New(errs.Invalid, "the header lacks column %q (columns: %s)", need, strings.Join(ImportColumns, ", "))
		}
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	var out []Assignment
	for _, row := range rows[1:] {
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		a := Assignment{DirectiveKind: get(row, "directive_kind"), DirectiveNumber: get(row, "directive_number"),
			DirectiveDate: get(row, "directive_date"), Content: get(row, "content"), Lead: get(row, "lead"),
			Authority: get(row, "authority"), AssignedOn: get(row, "assigned_on"), Deadline: get(row, "deadline"),
			ReportPeriod: get(row, "report_period"), Product: get(row, "product")}
		for _, c := range strings.Split(get(row, "coordinators"), ";") {
			if c = strings.TrimSpace(c); c != "" {
				a.Coordinators = append(a.Coordinators, c)
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// Import parses a sheet and assigns its tasks all or nothing (CreateMany).
func (s *Service) Import(ctx context.Context, p *auth.Principal, data []byte) ([]*Task, error) {
	list, err := ParseSheet(data)
	if err != nil {
		return nil, err
	}
	return s.CreateMany(ctx, p, list)
}

// FiguresXLSX writes the figures table as an XLSX workbook.
func FiguresXLSX(w io.Writer, t FigureTable) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	rows := [][]any{{"Mã / Code", "Được giao / Assigned", "Đúng hạn / On time", "Quá hạn / Late", "Đang thực hiện / In progress",
		"Đang quá hạn / Overdue", "Tỷ lệ hoàn thành % / Completion rate", "Tỷ trọng % / Share"}}
	for _, f := range append(t.Rows, t.Total) {
		rows = append(rows, []any{f.Key, f.Assigned, f.OnTime, f.Late, f.InProgress, f.Overdue,
			fmt.Sprintf("%.1f", f.Rate), fmt.Sprintf("%.1f", f.Share)})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(sheet, cell, &r); err != nil {
			return err
		}
	}
	_, err := x.WriteTo(w)
	return err
}

func (h *Handler) apiImport(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return errs.Wrap(errs.Invalid, err, "cannot read the body")
	}
	ts, err := h.Tasks.Import(r.Context(), auth.FromContext(r.Context()), data)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, ts)
	return nil
}

func (h *Handler) apiFiguresXLSX(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	by := q.Get("by")
	if by != "province" && by != "authority" {
		by = "agency"
	}
	f, err := h.Tasks.Figures(r.Context(), auth.FromContext(r.Context()), Period{From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="nhiem-vu-so-lieu.xlsx"`)
	return FiguresXLSX(w, FigureTable{Today: f.Today, By: by, Total: f.Total, Rows: f.By(by, q.Get("authority"))})
}
