package scorecard

import (
	"embed"
	"fmt"
	"net/http"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages static
var files embed.FS

// RegisterPages adds the scorecard's templates and messages to the renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(files, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(files, "messages")
}

// PageRoutes returns the scorecard pages (officers only, like the API; machine clients use the API).
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/scorecard", Page: true, Access: api.OfficersOnly, Handler: h.pageTable},
		{Method: "GET", Path: "/scorecard/report", Page: true, Access: api.OfficersOnly, Handler: h.pageReport},
		{Method: "GET", Path: "/scorecard/{province}", Page: true, Access: api.OfficersOnly, Handler: h.pageProvince},
		{Method: "GET", Path: "/scorecard/assets/{name}", Page: true, Access: api.Public, Handler: web.Asset(files, "")},
	}
}

// TableView is the view of the scorecard page and of a province's drill-down.
type TableView struct {
	Card     *Scorecard
	Province *Row // set on the drill-down
	Query    string
	Cells    [][]string // formatted values per row, in indicator order
	Chart    chartData
}

// chartData is what the chart script draws: one chart per indicator, bars per row.
type chartData struct {
	Names      []string    `json:"names"`
	Indicators []chartLine `json:"indicators"`
}

type chartLine struct {
	Key    string    `json:"key"`
	Title  string    `json:"title"`
	Values []float64 `json:"values"`
}

func shortName(r Row) string {
	n := strings.TrimPrefix(r.Name, "Ủy ban nhân dân ")
	if n == "" {
		return r.Code
	}
	return n
}

func (h *Handler) view(sc *Scorecard, r *http.Request) TableView {
	v := TableView{Card: sc, Query: r.URL.RawQuery}
	v.Chart.Names = []string{}
	for _, row := range sc.Rows {
		var cells []string
		for _, ind := range sc.Indicators {
			if x, ok := row.Values[ind.Key]; ok {
				cells = append(cells, Format(ind, x))
			} else {
				cells = append(cells, "")
			}
		}
		v.Cells = append(v.Cells, cells)
	}
	// Charts only for rows with some activity, so 20 ministries with nothing do not flatten them.
	var keep []Row
	for _, row := range sc.Rows {
		if row.Values["axis_exchanged"]+row.Values["dossier_received"]+row.Values["office_issued"] > 0 || row.Kind == "province_committee" {
			keep = append(keep, row)
		}
	}
	for _, row := range keep {
		v.Chart.Names = append(v.Chart.Names, shortName(row))
	}
	lang := web.Lang(r)
	for _, ind := range sc.Indicators {
		if ind.Unit == "bool" {
			continue
		}
		t := ind.Vi
		if lang == "en" {
			t = ind.En
		}
		line := chartLine{Key: ind.Key, Title: t, Values: []float64{}}
		for _, row := range keep {
			line.Values = append(line.Values, row.Values[ind.Key])
		}
		v.Chart.Indicators = append(v.Chart.Indicators, line)
	}
	return v
}

func (h *Handler) pageTable(w http.ResponseWriter, r *http.Request) error {
	sc, err := h.get(r)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "scorecard", "scorecard.title", h.view(sc, r))
}

func (h *Handler) pageProvince(w http.ResponseWriter, r *http.Request) error {
	p, err := h.period(r)
	if err != nil {
		return err
	}
	d, err := h.Scorecard.Province(r.Context(), auth.FromContext(r.Context()), r.PathValue("province"), p)
	if err != nil {
		return err
	}
	sc := d.Scorecard
	v := h.view(&sc, r)
	v.Province = &d.Province
	// The province page is the same table, one row per agency.
	return h.Pages.Render(w, r, http.StatusOK, "scorecard", "scorecard.province.title", v)
}

// ReportView is the printable report: a section per province.
type ReportView struct {
	Card     *Scorecard
	Sections []Section
}

// Section is one province's part of the report: its figures by heading with sentences.
type Section struct {
	Row    Row
	Blocks []Block
}

// Block is one heading of a section (axis, office, portal, payments, tasks, …).
type Block struct {
	Vi, En    string
	Figures   []Figure
	Sentences []Sentence
}

// Figure is one indicator's value in a block.
type Figure struct {
	Indicator Indicator
	Text      string
}

// Sentence is a generated sentence in Vietnamese with its English beside it.
type Sentence struct{ Vi, En string }

var blockTitles = []struct{ group, vi, en string }{
	{"axis", "Gửi, nhận văn bản điện tử qua Trục liên thông", "Documents exchanged through the axis"},
	{"registry", "Kết nối các cấp chính quyền", "Agencies connected by level"},
	{"office", "Quản lý văn bản, hồ sơ công việc và chữ ký số", "Document and work-file management, digital signatures"},
	{"portal", "Cổng Dịch vụ công, Hệ thống một cửa điện tử", "Public service portal and one-stop dossiers"},
	{"feedback", "Phản ánh, kiến nghị", "Feedback and petitions"},
	{"sso", "Đăng nhập một lần với Cổng DVCQG", "Single sign-on with the national portal"},
	{"sync", "Đồng bộ hồ sơ với Cổng DVCQG", "Dossier synchronisation with the national portal"},
	{"payment", "Thanh toán trực tuyến", "Online payment"},
	{"task", "Nhiệm vụ Chính phủ giao", "Government tasks"},
}

func (h *Handler) pageReport(w http.ResponseWriter, r *http.Request) error {
	sc, err := h.get(r)
	if err != nil {
		return err
	}
	v := ReportView{Card: sc}
	for _, row := range sc.Rows {
		if row.Kind != "province_committee" {
			continue // the report covers provinces; ministries are in the table
		}
		v.Sections = append(v.Sections, section(sc, row))
	}
	return h.Pages.Render(w, r, http.StatusOK, "scorecard_report", "scorecard.report.title", v)
}

// section lays out one province in the order of the 2020 report, groups other than the known
// ones (a new module's) at the end.
func section(sc *Scorecard, row Row) Section {
	s := Section{Row: row}
	known := map[string]bool{}
	add := func(group, vi, en string) {
		b := Block{Vi: vi, En: en}
		for _, ind := range sc.Indicators {
			if ind.Group != group {
				continue
			}
			if x, ok := row.Values[ind.Key]; ok {
				b.Figures = append(b.Figures, Figure{Indicator: ind, Text: Format(ind, x)})
			}
		}
		b.Sentences = sentences(group, row)
		if len(b.Figures) > 0 || len(b.Sentences) > 0 {
			s.Blocks = append(s.Blocks, b)
		}
	}
	for _, t := range blockTitles {
		known[t.group] = true
		add(t.group, t.vi, t.en)
	}
	for _, ind := range sc.Indicators {
		if !known[ind.Group] {
			known[ind.Group] = true
			add(ind.Group, ind.Group, ind.Group)
		}
	}
	return s
}

// sentences writes the report's short sentences for the built-in groups from the figures.
func sentences(group string, row Row) []Sentence {
	v := row.Values
	pct := func(x float64) string { return fmt.Sprintf("%.0f%%", x) }
	var out []Sentence
	switch group {
	case "axis":
		out = append(out, Sentence{
			fmt.Sprintf("Đã gửi %d và nhận %d văn bản điện tử qua Trục liên thông.", int64(v["axis_sent"]), int64(v["axis_received"])),
			fmt.Sprintf("Sent %d and received %d electronic documents through the axis.", int64(v["axis_sent"]), int64(v["axis_received"]))})
		if g := v["axis_growth"]; g > 0 {
			out = append(out, Sentence{fmt.Sprintf("Tăng gấp %.1f lần so với cùng kỳ năm trước.", g), fmt.Sprintf("%.1f times the same period last year.", g)})
		} else if v["axis_exchanged"] > 0 {
			out = append(out, Sentence{"Chưa có số liệu cùng kỳ năm trước để so sánh.", "No figures for the same period last year to compare with."})
		}
	case "registry":
		out = append(out, Sentence{
			fmt.Sprintf("%d/%d cơ quan đã kết nối Trục (cấp tỉnh %d, cấp huyện %d, cấp xã %d).", int64(v["agencies_on_axis"]), int64(v["agencies"]),
				int64(v["on_axis@province"]), int64(v["on_axis@district"]), int64(v["on_axis@commune"])),
			fmt.Sprintf("%d of %d agencies are on the axis (province %d, district %d, commune %d).", int64(v["agencies_on_axis"]), int64(v["agencies"]),
				int64(v["on_axis@province"]), int64(v["on_axis@district"]), int64(v["on_axis@commune"]))})
	case "office":
		if v["office_files_closed"] > 0 {
			out = append(out, Sentence{fmt.Sprintf("Tỷ lệ hồ sơ công việc xử lý trên môi trường mạng: %s.", pct(v["electronic_rate"])),
				fmt.Sprintf("Work files handled electronically: %s.", pct(v["electronic_rate"]))})
		}
		if v["office_issued"] > 0 {
			out = append(out, Sentence{fmt.Sprintf("%s văn bản đi được ký số.", pct(v["signature_rate"])), fmt.Sprintf("%s of outgoing documents were signed digitally.", pct(v["signature_rate"]))})
		} else {
			out = append(out, Sentence{"Chưa có văn bản đi ban hành trên hệ thống trong kỳ.", "No outgoing documents issued on the platform in the period."})
		}
	case "portal":
		out = append(out, Sentence{
			fmt.Sprintf("Tiếp nhận %d hồ sơ, trong đó %d trực tuyến (%s); %d giải quyết đúng hạn, %d quá hạn.", int64(v["dossier_received"]), int64(v["dossier_online"]), pct(v["online_share"]), int64(v["dossier_on_time"]), int64(v["dossier_late"])),
			fmt.Sprintf("Received %d dossiers, %d online (%s); %d settled on time, %d late.", int64(v["dossier_received"]), int64(v["dossier_online"]), pct(v["online_share"]), int64(v["dossier_on_time"]), int64(v["dossier_late"]))})
	case "feedback":
		if n := int64(v["feedback_overdue"]); n > 0 {
			out = append(out, Sentence{fmt.Sprintf("Còn %d phản ánh, kiến nghị quá hạn xử lý.", n), fmt.Sprintf("%d feedback items are overdue.", n)})
		} else {
			out = append(out, Sentence{"Không có phản ánh, kiến nghị quá hạn.", "No overdue feedback."})
		}
	}
	return out
}
