package axis

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/web"
)

// StatsView is the view of /axis/stats.
type StatsView struct {
	Stats     *Statistics
	Provinces []AgencyRef
	CSV       string
	// Chart is the data the charts draw, written into the page as JSON.
	Chart        chartData
	Totals       VolumeText
	Fully        string
	Median       string
	P90          string
	Refused      int
	Monthly      []MonthText
	ByProv       []ProvinceText
	ByLevel      []LevelText
	Refusals     []ReasonText
	Registration RegistrationTime
}

// VolumeText is a volume with its growth written for the page.
type VolumeText struct {
	Volume
	SentGrowth, ReceivedGrowth string
}

// MonthText is a month's volume for the page.
type MonthText struct {
	Month string
	VolumeText
}

// ProvinceText is a province's volume for the page.
type ProvinceText struct {
	Code, Name string
	VolumeText
	Fully string
}

// LevelText is a level's figures for the page.
type LevelText struct {
	Level string
	VolumeText
	Agencies, Registered, Connected int
	RegisteredShare, ConnectedShare string
}

// ReasonText is a refusal reason with its explanation.
type ReasonText struct {
	Reason, Label string
	Count         int
}

// chartData is what static/axis-stats.js draws; the labels come in the page's language.
type chartData struct {
	Months    []string          `json:"months"`
	Labels    map[string]string `json:"labels"`
	Provinces []chartProvince   `json:"provinces"`
	Levels    []chartLevel      `json:"levels"`
	Refusals  []ReasonText      `json:"refusals"`
}

type chartProvince struct {
	Name           string   `json:"name"`
	Sent           []int    `json:"sent"`
	Received       []int    `json:"received"`
	SentGrowth     *float64 `json:"sent_growth"`
	ReceivedGrowth *float64 `json:"received_growth"`
	FullyShare     *float64 `json:"fully_share"`
}

type chartLevel struct {
	Name       string `json:"name"`
	Agencies   int    `json:"agencies"`
	Registered int    `json:"registered"`
	Connected  int    `json:"connected"`
}

// shortName drops the "Ủy ban nhân dân" of a provincial committee's name for chart labels:
// "Ủy ban nhân dân tỉnh Đắk Lắk" becomes "Tỉnh Đắk Lắk".
func shortName(name string) string {
	rest, ok := strings.CutPrefix(name, "Ủy ban nhân dân ")
	if !ok || rest == "" {
		return name
	}
	r := []rune(rest)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// decimal writes a number with the page language's decimal separator.
func decimal(x float64, digits int, lang string) string {
	s := strconv.FormatFloat(x, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if lang == "vi" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

func growthText(r *float64, lang string) string {
	if r == nil {
		return "—"
	}
	return "×" + decimal(*r, 2, lang)
}

func percentText(r *float64, lang string) string {
	if r == nil {
		return "—"
	}
	return decimal(*r*100, 1, lang) + "%"
}

func volumeText(v Volume, lang string) VolumeText {
	return VolumeText{Volume: v, SentGrowth: growthText(v.SentGrowth, lang), ReceivedGrowth: growthText(v.ReceivedGrowth, lang)}
}

// chartLabels are the catalogue keys the charts need, sent with the data.
var chartLabels = []string{"axis.stats.sent", "axis.stats.received", "axis.stats.sent_growth", "axis.stats.received_growth",
	"axis.stats.agencies", "axis.stats.registered", "axis.stats.connected", "axis.stats.fully_share", "axis.stats.refusals_count"}

func (h *Pages) pageStats(w http.ResponseWriter, r *http.Request) error {
	pr := periodOf(r)
	st, err := h.Axis.Stats(r.Context(), pr)
	if err != nil {
		return err
	}
	l, lang := h.labels(r), web.Lang(r)
	v := StatsView{Stats: st, Totals: volumeText(st.Totals, lang), Fully: percentText(st.FullyElectronic.Share, lang), Registration: st.Registration,
		Median: "—", P90: "—"}
	if x := st.Registration.MedianHours; x != nil {
		v.Median = decimal(*x, 1, lang)
	}
	if x := st.Registration.P90Hours; x != nil {
		v.P90 = decimal(*x, 1, lang)
	}
	q := url.Values{"from": {st.Period.From}, "to": {st.Period.To}}
	if st.Period.Province != "" {
		q.Set("province", st.Period.Province)
	}
	v.CSV = "/api/v1/axis/stats.csv?" + q.Encode()
	today := agency.Today()
	for _, a := range h.Registry.Index().Roots() {
		if a.ActiveOn(today) {
			v.Provinces = append(v.Provinces, AgencyRef{Code: a.Identifier().Root(), Name: a.Name})
		}
	}
	v.Chart = chartData{Months: st.Months, Labels: map[string]string{}, Provinces: []chartProvince{}, Levels: []chartLevel{}, Refusals: []ReasonText{}}
	for _, k := range chartLabels {
		v.Chart.Labels[strings.TrimPrefix(k, "axis.stats.")] = l.get(k, k)
	}
	for _, m := range st.Monthly {
		v.Monthly = append(v.Monthly, MonthText{Month: m.Month, VolumeText: volumeText(m.Volume, lang)})
	}
	for _, p := range st.Provinces {
		v.ByProv = append(v.ByProv, ProvinceText{Code: p.Code, Name: p.Name, VolumeText: volumeText(p.Volume, lang), Fully: percentText(p.FullyElectronic.Share, lang)})
		cp := chartProvince{Name: shortName(p.Name), SentGrowth: p.SentGrowth, ReceivedGrowth: p.ReceivedGrowth, FullyShare: p.FullyElectronic.Share}
		for _, m := range p.Monthly {
			cp.Sent = append(cp.Sent, m.Sent)
			cp.Received = append(cp.Received, m.Received)
		}
		v.Chart.Provinces = append(v.Chart.Provinces, cp)
	}
	for _, lv := range st.Levels {
		name := l.get("level."+lv.Level, lv.Level)
		v.ByLevel = append(v.ByLevel, LevelText{Level: name, VolumeText: volumeText(lv.Volume, lang), Agencies: lv.Agencies, Registered: lv.Registered,
			Connected: lv.Connected, RegisteredShare: percentText(lv.RegisteredShare, lang), ConnectedShare: percentText(lv.ConnectedShare, lang)})
		v.Chart.Levels = append(v.Chart.Levels, chartLevel{Name: name, Agencies: lv.Agencies, Registered: lv.Registered, Connected: lv.Connected})
	}
	for _, rc := range st.Refusals {
		rt := ReasonText{Reason: rc.Reason, Label: l.get("axis.reason."+rc.Reason, rc.Reason), Count: rc.Count}
		v.Refused += rc.Count
		v.Refusals = append(v.Refusals, rt)
		v.Chart.Refusals = append(v.Chart.Refusals, rt)
	}
	return h.Renderer.Render(w, r, http.StatusOK, "axis_stats", "axis.stats.title", v)
}
