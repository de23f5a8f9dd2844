package dossier

// This file holds the lists: the applicant's dossiers and data store, the public lookup and the officers' console.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

// ---- The applicant's dossiers and data store ----

// Row is a dossier in a list, with where it stands against its appointment.
type Row struct {
	*Dossier
	AgencyName string
	Timeliness Timeliness
}

func (h *Handler) rows(list []*Dossier) []Row {
	now := h.Dossiers.db.Now()
	out := make([]Row, 0, len(list))
	for _, d := range list {
		out = append(out, Row{Dossier: d, AgencyName: h.Dossiers.nameOr(d.Agency), Timeliness: h.Dossiers.Timeliness(d, now)})
	}
	return out
}

// MineView is the view of the applicant's dossiers.
type MineView struct {
	Rows []Row
}

func (h *Handler) pageMine(w http.ResponseWriter, r *http.Request) error {
	list, err := h.Dossiers.List(r.Context(), auth.FromContext(r.Context()), Filter{Mine: true, Limit: 500})
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "dossier_mine", "dossier.mine.title", MineView{Rows: h.rows(list)})
}

// DocumentRow is a document of the data store with its issuer's name.
type DocumentRow struct {
	Document
	IssuerName string
}

// DocumentsView is the view of the applicant's data store.
type DocumentsView struct {
	Documents []DocumentRow
}

func (h *Handler) pageDocuments(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.Dossiers.Documents(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	v := DocumentsView{}
	for _, d := range docs {
		row := DocumentRow{Document: d}
		if d.Issuer != "" {
			row.IssuerName = h.Dossiers.nameOr(d.Issuer)
		}
		v.Documents = append(v.Documents, row)
	}
	return h.Pages.Render(w, r, http.StatusOK, "dossier_documents", "dossier.documents.title", v)
}

// ---- The public lookup ----

// LookupView is the view of the lookup page.
type LookupView struct {
	Code    string
	Result  *PublicView
	Problem *errs.Error
}

func (h *Handler) pageLookup(w http.ResponseWriter, r *http.Request) error {
	v := LookupView{Code: strings.TrimSpace(r.URL.Query().Get("code"))}
	status := http.StatusOK
	if v.Code != "" {
		res, err := h.Dossiers.Public(r.Context(), v.Code)
		switch {
		case err == nil:
			v.Result = res
		case errs.Is(err, errs.Invalid) || errs.Is(err, errs.NotFound):
			v.Problem, status = errs.As(err), api.Status(err)
		default:
			return err
		}
	}
	return h.Pages.Render(w, r, status, "dossier_lookup", "dossier.lookup.title", v)
}

// ---- The one-stop console ----

// DefaultConsoleAgency is the console's agency for a principal whose only grant covers every agency.
const DefaultConsoleAgency = "000.00.00.H36"

// consoleTabs are the console's lists, in order.
var consoleTabs = []string{"new", "due_soon", "overdue", "in_progress", "waiting", "settled"}

// consoleFilter is what a console tab lists.
func consoleFilter(tab, agency string) Filter {
	f := Filter{Agency: agency, Limit: 100}
	switch tab {
	case "new":
		f.Status = []vn.DossierStatus{vn.DossierSubmitted}
	case "due_soon":
		f.Timeliness = DueSoon
	case "overdue":
		f.Timeliness = Overdue
	case "in_progress":
		f.Status = []vn.DossierStatus{vn.DossierAccepted, vn.DossierInProgress}
	case "waiting":
		f.Status = []vn.DossierStatus{vn.DossierMoreDocumentsRequested, vn.DossierPaymentRequested}
	case "settled":
		f.Status = []vn.DossierStatus{vn.DossierProcessed, vn.DossierReturned}
	}
	return f
}

// consoleCounts counts the dossiers of each console tab in an agency's subtree (the lists show
// at most 100 each).
func (s *Service) consoleCounts(ctx context.Context, by *auth.Principal, agency string) (map[string]int, error) {
	if err := s.MayView(by, agency); err != nil {
		return nil, err
	}
	pat, err := subtreePattern(agency)
	if err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_agency_code", "%v", err)
	}
	now := s.db.Now().UTC()
	soon := s.cal.AddWorkingDays(now, DueSoonDays).UTC()
	var n [6]int
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN status = 1 THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN (2, 4, 5, 6) AND due_at >= ? AND due_at <= ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN (2, 4, 5, 6) AND due_at < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN (2, 4) THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN (5, 6) THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN (9, 10) THEN 1 ELSE 0 END), 0)
			FROM dossiers WHERE agency_code LIKE ?`, now, soon, now, pat).Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5])
	})
	if err != nil {
		return nil, fmt.Errorf("dossier.consoleCounts(%s): %w", agency, err)
	}
	out := map[string]int{}
	for i, t := range consoleTabs {
		out[t] = n[i]
	}
	return out, nil
}

// Tab is one list of the console.
type Tab struct {
	ID      string
	Count   int
	URL     string
	Current bool
}

// Scope is an agency the officer may open the console of.
type Scope struct {
	Code string
	Name string
}

// StatsView is a row of the statistics with its figures written for the page.
type StatsView struct {
	StatsRow
	Rate   string
	Rating string
}

// OneStopView is the view of the one-stop console.
type OneStopView struct {
	Agency     string
	AgencyName string
	Scopes     []Scope
	Tabs       []Tab
	Tab        string
	Rows       []Row
	// More is set when the tab holds more dossiers than the list shows.
	More  bool
	Total StatsView
	// ByAgency are the receiving agencies of the subtree, busiest first.
	ByAgency []StatsView
	From, To string
	Book     string
	Stats    string
	Chart    consoleChart
}

// consoleChart is what static/onestop.js draws: per receiving agency, the dossiers of the period
// stacked by where they stand.
type consoleChart struct {
	Labels     map[string]string `json:"labels"`
	Agencies   []string          `json:"agencies"`
	OnTime     []int             `json:"on_time"`
	Late       []int             `json:"late"`
	Overdue    []int             `json:"overdue"`
	InProgress []int             `json:"in_progress"`
	Waiting    []int             `json:"waiting"`
}

// chartLabels are the message keys the chart shows, sent with its data.
var chartLabels = []string{"on_time", "late", "overdue", "in_progress", "waiting"}

// decimal writes a number with the page language's decimal separator.
func decimal(x float64, lang string) string {
	s := strconv.FormatFloat(x, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if lang == "vi" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

func statsView(r StatsRow, lang string) StatsView {
	v := StatsView{StatsRow: r, Rate: "—", Rating: "—"}
	if r.OnTime+r.Late > 0 {
		v.Rate = decimal(r.OnTimeRate(), lang) + "%"
	}
	if r.Rated > 0 {
		v.Rating = decimal(r.AverageRating(), lang) + "/5"
	}
	return v
}

// consoleAgency picks the console's agency: the one asked for, else the first agency of the
// principal's grants, else the default for those whose grant covers every agency.
func consoleAgency(p *auth.Principal, asked string) (string, []Scope) {
	var scopes []Scope
	seen := map[string]bool{}
	for _, g := range p.Grants {
		if g.Agency == auth.Everywhere || seen[g.Agency] {
			continue
		}
		seen[g.Agency] = true
		scopes = append(scopes, Scope{Code: g.Agency})
	}
	if asked = strings.TrimSpace(asked); asked != "" {
		return asked, scopes
	}
	if len(scopes) > 0 {
		return scopes[0].Code, scopes
	}
	if len(p.Grants) > 0 {
		return DefaultConsoleAgency, scopes
	}
	return "", scopes
}

func (h *Handler) pageOneStop(w http.ResponseWriter, r *http.Request) error {
	ctx, p, s := r.Context(), auth.FromContext(r.Context()), h.Dossiers
	q := r.URL.Query()
	agency, scopes := consoleAgency(p, q.Get("agency"))
	if agency == "" {
		return errs.Reasonf(errs.Forbidden, "missing_role", "the one-stop console is for officers of an agency")
	}
	for i := range scopes {
		scopes[i].Name = s.nameOr(scopes[i].Code)
	}
	counts, err := s.consoleCounts(ctx, p, agency)
	if err != nil {
		return err
	}
	tab := q.Get("tab")
	if _, ok := counts[tab]; !ok {
		tab = consoleTabs[0]
	}
	from, to, err := period(r, s.cal.Location(), s.db.Now())
	if err != nil {
		return err
	}
	v := OneStopView{Agency: agency, AgencyName: s.nameOr(agency), Scopes: scopes, Tab: tab,
		From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly)}
	period := url.Values{"agency": {agency}, "from": {v.From}, "to": {v.To}}
	for _, t := range consoleTabs {
		u := url.Values{"agency": {agency}, "tab": {t}}
		if q.Get("from") != "" || q.Get("to") != "" {
			u.Set("from", v.From)
			u.Set("to", v.To)
		}
		v.Tabs = append(v.Tabs, Tab{ID: t, Count: counts[t], URL: "/one-stop?" + u.Encode(), Current: t == tab})
	}
	list, err := s.List(ctx, p, consoleFilter(tab, agency))
	if err != nil {
		return err
	}
	v.Rows, v.More = h.rows(list), counts[tab] > len(list)
	stats, err := s.Stats(ctx, p, agency, from, to)
	if err != nil {
		return err
	}
	lang := web.Lang(r)
	msgs := h.Pages.Messages(lang)
	v.Total = statsView(stats[0], lang)
	v.Chart = consoleChart{Labels: map[string]string{}, Agencies: []string{}, OnTime: []int{}, Late: []int{}, Overdue: []int{}, InProgress: []int{}, Waiting: []int{}}
	for _, k := range chartLabels {
		v.Chart.Labels[k] = msgs["dossier.stats."+k]
	}
	for _, row := range stats[1:] {
		v.ByAgency = append(v.ByAgency, statsView(row, lang))
		name := row.AgencyName
		if name == "" {
			name = row.Agency
		}
		v.Chart.Agencies = append(v.Chart.Agencies, name)
		v.Chart.OnTime = append(v.Chart.OnTime, row.OnTime)
		v.Chart.Late = append(v.Chart.Late, row.Late)
		v.Chart.Overdue = append(v.Chart.Overdue, row.Overdue)
		v.Chart.InProgress = append(v.Chart.InProgress, row.InProgress)
		v.Chart.Waiting = append(v.Chart.Waiting, row.Waiting)
	}
	v.Book = "/api/v1/dossier-book?" + period.Encode()
	v.Stats = "/api/v1/dossier-stats?" + period.Encode()
	return h.Pages.Render(w, r, http.StatusOK, "dossier_onestop", "dossier.onestop.title", v)
}
