package scorecard

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the scorecard API and pages.
type Handler struct {
	Scorecard *Service
	Pages     *web.Renderer
}

var periodParams = map[string]string{
	"from": "first month, YYYY-MM (default: January of the last month's year)",
	"to":   "last month, YYYY-MM (default: this month)",
}

// Routes returns the scorecard API. The figures are aggregate counts: any officer and any machine
// client may read all provinces (the Government Office's working group and the provinces compare
// themselves with each other); anonymous callers and applicants may not.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/api/v1/scorecard", Summary: "The scorecard of every province and ministry for a period: axis documents and growth, agencies connected by level, electronic processing, digital signatures, dossiers, overdue feedback and the registered modules' figures",
			Tag: "scorecard", Access: api.AnyPrincipal, Handler: h.apiGet, Response: Scorecard{}, Query: periodParams},
		{Method: "GET", Path: "/api/v1/scorecard.csv", Summary: "The scorecard as CSV (UTF-8 with BOM, one row per province, one column per indicator)",
			Tag: "scorecard", Access: api.AnyPrincipal, Handler: h.apiCSV, ResponseType: "text/csv", Query: periodParams},
		{Method: "GET", Path: "/api/v1/scorecard.xlsx", Summary: "The scorecard as an Excel workbook",
			Tag: "scorecard", Access: api.AnyPrincipal, Handler: h.apiXLSX, ResponseType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Query: periodParams},
		{Method: "GET", Path: "/api/v1/scorecard/{province}", Summary: "One province or ministry per agency of its subtree (drill-down)",
			Tag: "scorecard", Access: api.AnyPrincipal, Handler: h.apiProvince, Response: Drill{}, Query: periodParams},
	}
}

func (h *Handler) period(r *http.Request) (Period, error) {
	q := r.URL.Query()
	return ParsePeriod(q.Get("from"), q.Get("to"), h.Scorecard.opt.Now())
}

func (h *Handler) get(r *http.Request) (*Scorecard, error) {
	p, err := h.period(r)
	if err != nil {
		return nil, err
	}
	return h.Scorecard.Get(r.Context(), auth.FromContext(r.Context()), p)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	sc, err := h.get(r)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, sc)
	return nil
}

func (h *Handler) apiProvince(w http.ResponseWriter, r *http.Request) error {
	p, err := h.period(r)
	if err != nil {
		return err
	}
	d, err := h.Scorecard.Province(r.Context(), auth.FromContext(r.Context()), r.PathValue("province"), p)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) apiCSV(w http.ResponseWriter, r *http.Request) error {
	sc, err := h.get(r)
	if err != nil {
		return err
	}
	b, err := CSV(sc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="scorecard-%s-%s.csv"`, sc.From, sc.To))
	_, err = w.Write(b)
	return err
}

func (h *Handler) apiXLSX(w http.ResponseWriter, r *http.Request) error {
	sc, err := h.get(r)
	if err != nil {
		return err
	}
	b, err := XLSX(sc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="scorecard-%s-%s.xlsx"`, sc.From, sc.To))
	_, err = w.Write(b)
	return err
}

// table is the scorecard as header and rows of cells: code, name, then one column per indicator
// (headers "Vietnamese / English"), raw numbers (rates rounded to 0.1).
func table(sc *Scorecard) ([]string, [][]any) {
	head := []string{"Mã định danh / Code", "Tên / Name"}
	for _, ind := range sc.Indicators {
		head = append(head, ind.Vi+" / "+ind.En)
	}
	var rows [][]any
	for _, r := range sc.Rows {
		cells := []any{r.Code, r.Name}
		for _, ind := range sc.Indicators {
			v, ok := r.Values[ind.Key]
			switch {
			case !ok:
				cells = append(cells, "")
			case ind.Unit == "percent" || ind.Unit == "times":
				f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 1, 64), 64)
				cells = append(cells, f)
			default:
				cells = append(cells, v)
			}
		}
		rows = append(rows, cells)
	}
	return head, rows
}

// CSV writes the scorecard as CSV with a byte-order mark, so that spreadsheet programs read the
// Vietnamese headers right.
func CSV(sc *Scorecard) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	head, rows := table(sc)
	if err := cw.Write(append([]string{"Kỳ / Period"}, head...)); err != nil {
		return nil, err
	}
	period := sc.From + ".." + sc.To
	for _, r := range rows {
		rec := []string{period}
		for _, c := range r {
			switch x := c.(type) {
			case float64:
				rec = append(rec, strconv.FormatFloat(x, 'f', -1, 64))
			default:
				rec = append(rec, fmt.Sprint(x))
			}
		}
		if err := cw.Write(rec); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return b.Bytes(), cw.Error()
}

// XLSX writes the scorecard as a workbook with one sheet.
func XLSX(sc *Scorecard) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Scorecard"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	title := fmt.Sprintf("Kết quả triển khai theo tỉnh / Provinces' scorecard %s – %s", sc.From, sc.To)
	if err := f.SetCellValue(sheet, "A1", title); err != nil {
		return nil, err
	}
	head, rows := table(sc)
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	for i, h := range head {
		cell, _ := excelize.CoordinatesToCellName(i+1, 3)
		if err := f.SetCellValue(sheet, cell, h); err != nil {
			return nil, err
		}
		if err := f.SetCellStyle(sheet, cell, cell, bold); err != nil {
			return nil, err
		}
	}
	for j, r := range rows {
		for i, c := range r {
			cell, _ := excelize.CoordinatesToCellName(i+1, j+4)
			if err := f.SetCellValue(sheet, cell, c); err != nil {
				return nil, err
			}
		}
	}
	_ = f.SetColWidth(sheet, "A", "A", 16)
	_ = f.SetColWidth(sheet, "B", "B", 36)
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, Split: false, XSplit: 2, YSplit: 3, TopLeftCell: "C4", ActivePane: "bottomRight"}); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
