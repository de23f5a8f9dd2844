package task

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// FiguresView is the view of the figures page.
type FiguresView struct {
	L           Labels
	By          string
	Authority   string
	From, To    string
	Today       string
	Rows        []FigureRow
	Total       Figure
	Authorities []Code
	XLSX        string // link to the workbook with the same filter
	Chart       figureChart
}

// FigureRow is a line of the table with the name of its agency, province or authority.
type FigureRow struct {
	Figure
	Name string
	// Drill is the board's filter for the row's tasks.
	Drill string
}

// figureChart is what static/figures.js draws: bars per province, stacked by status.
type figureChart struct {
	Names      []string          `json:"names"`
	OnTime     []int             `json:"on_time"`
	Late       []int             `json:"late"`
	InProgress []int             `json:"in_progress"`
	Overdue    []int             `json:"overdue"`
	Labels     map[string]string `json:"labels"`
}

// shortName drops the "People's Committee of the province" prefix so chart labels fit.
func shortName(n string) string {
	for _, p := range []string{"Ủy ban nhân dân tỉnh ", "Ủy ban nhân dân thành phố ", "Ủy ban nhân dân "} {
		if s := strings.TrimPrefix(n, p); s != n && s != "" {
			return s
		}
	}
	return n
}

func (h *Handler) pageFigures(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := FiguresView{L: labels(r), By: q.Get("by"), Authority: q.Get("authority"), From: q.Get("from"), To: q.Get("to"), Authorities: Authorities}
	switch v.By {
	case "":
		v.By = "province"
	case "agency", "province", "authority":
	default:
		return errs.New(errs.Invalid, "by is agency, province or authority").WithFields(fieldErr("by", "agency, province or authority"))
	}
	f, err := h.Tasks.Figures(r.Context(), auth.FromContext(r.Context()), Period{From: v.From, To: v.To})
	if err != nil {
		return err
	}
	v.Today, v.Total = f.Today, f.Total
	period := url.Values{}
	for k, x := range map[string]string{"from": v.From, "to": v.To, "authority": v.Authority} {
		if x != "" {
			period.Set(k, x)
		}
	}
	for _, g := range f.By(v.By, v.Authority) {
		row := FigureRow{Figure: g, Name: g.Key}
		drill := url.Values{}
		for k := range period {
			drill.Set(k, period.Get(k))
		}
		switch v.By {
		case "authority":
			row.Name = v.L["auth:"+g.Key]
			drill.Set("authority", g.Key)
		case "province":
			row.Name = h.name(g.Key)
			drill.Set("province", g.Key)
		default:
			row.Name = h.name(g.Key)
			drill.Set("agency", g.Key)
		}
		row.Drill = "/tasks?" + drill.Encode()
		v.Rows = append(v.Rows, row)
	}
	x := url.Values{"by": {v.By}}
	for k := range period {
		x.Set(k, period.Get(k))
	}
	v.XLSX = "/api/v1/tasks/figures.xlsx?" + x.Encode()
	// The chart is always per province, the report's view.
	en := web.Lang(r) == "en"
	c := figureChart{Names: []string{}, OnTime: []int{}, Late: []int{}, InProgress: []int{}, Overdue: []int{}, Labels: map[string]string{}}
	for _, s := range []Status{OnTime, Late, InProgress, Overdue} {
		if code, ok := lookup(Statuses, string(s)); ok {
			c.Labels[string(s)] = code.Vi
			if en {
				c.Labels[string(s)] = code.En
			}
		}
	}
	for _, g := range f.By("province", v.Authority) {
		c.Names = append(c.Names, shortName(h.name(g.Key)))
		c.OnTime = append(c.OnTime, g.OnTime)
		c.Late = append(c.Late, g.Late)
		c.InProgress = append(c.InProgress, g.InProgress)
		c.Overdue = append(c.Overdue, g.Overdue)
	}
	v.Chart = c
	return h.Pages.Render(w, r, http.StatusOK, "task_figures", "task.figures.title", v)
}
