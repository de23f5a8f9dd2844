// Package scorecard computes the provinces' scorecard (issue 6, part 5): for every province and
// ministry, documents exchanged through the axis with growth against last year, agencies connected
// by level, electronic processing and digital-signature adoption, dossiers received on time and
// online, overdue feedback, and the figures other modules (SSO, sync, payments, tasks) register as
// Sources. Counts come from tables folded in incrementally (fold.go), so a read never scans the
// event tables.
package scorecard

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

var ict = vn.ICT

// Source is a module that contributes figures (SSO, sync, payments, tasks). Figures returns, for
// the period, values per province code (level-1 identifier such as 000.00.00.H36) and indicator
// key; it must be cheap (aggregates, not scans). Indicators describes the keys it returns.
type Source interface {
	Name() string
	Indicators() []Indicator
	Figures(ctx context.Context, p Period) (map[string]map[string]float64, error)
}

// Indicator describes one column of the scorecard.
type Indicator struct {
	Key     string `json:"key"`
	Group   string `json:"group"` // axis, registry, office, portal, feedback, payment, sync, task, …
	Vi      string `json:"vi"`
	En      string `json:"en"`
	Unit    string `json:"unit"` // count, percent, times (growth), vnd, bool
	Source  string `json:"source,omitempty"`
	Current bool   `json:"current,omitempty"` // a state now, not a sum over the period
}

// Options tune the service.
type Options struct {
	// Chunk is how many source rows one fold transaction reads (default 5000).
	Chunk int
	// Now is the clock (default the database's).
	Now func() time.Time
	// Settle is how old a source row must be before it is folded (default 30 s on PostgreSQL, where
	// transactions can commit out of id order; none on SQLite, whose single writer commits in
	// order). Negative means none.
	Settle time.Duration
}

// Service computes the scorecard.
type Service struct {
	db      *db.DB
	reg     *agency.Registry
	opt     Options
	mu      sync.Mutex // one refresher per process; across nodes the cursor guards
	srcMu   sync.RWMutex
	sources []Source
}

// New returns the service.
func New(d *db.DB, reg *agency.Registry, opt Options) *Service {
	if opt.Chunk <= 0 {
		opt.Chunk = 5000
	}
	if opt.Now == nil {
		opt.Now = d.Now
	}
	if opt.Settle == 0 && d.Dialect == db.Postgres {
		opt.Settle = 30 * time.Second
	}
	return &Service{db: d, reg: reg, opt: opt}
}

// Register adds a module's figures to the scorecard.
func (s *Service) Register(src Source) {
	s.srcMu.Lock()
	defer s.srcMu.Unlock()
	s.sources = append(s.sources, src)
}

// Run folds new activity every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("scorecard refresh", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Built-in indicators in display order. Registry and feedback figures are states now.
var builtin = []Indicator{
	{Key: "axis_sent", Group: "axis", Vi: "Văn bản gửi qua Trục", En: "Documents sent via the axis", Unit: "count"},
	{Key: "axis_received", Group: "axis", Vi: "Văn bản nhận qua Trục", En: "Documents received via the axis", Unit: "count"},
	{Key: "axis_exchanged", Group: "axis", Vi: "Tổng văn bản trao đổi", En: "Documents exchanged", Unit: "count"},
	{Key: "axis_exchanged_last_year", Group: "axis", Vi: "Cùng kỳ năm trước", En: "Same period last year", Unit: "count"},
	{Key: "axis_growth", Group: "axis", Vi: "Tăng so với cùng kỳ (lần)", En: "Growth vs last year (×)", Unit: "times"},
	{Key: "agencies", Group: "registry", Vi: "Số cơ quan", En: "Agencies", Unit: "count", Current: true},
	{Key: "agencies_on_axis", Group: "registry", Vi: "Cơ quan đã kết nối Trục", En: "Agencies on the axis", Unit: "count", Current: true},
	{Key: "on_axis@province", Group: "registry", Vi: "Kết nối cấp tỉnh", En: "Connected, province level", Unit: "count", Current: true},
	{Key: "on_axis@district", Group: "registry", Vi: "Kết nối cấp huyện", En: "Connected, district level", Unit: "count", Current: true},
	{Key: "on_axis@commune", Group: "registry", Vi: "Kết nối cấp xã", En: "Connected, commune level", Unit: "count", Current: true},
	{Key: "office_issued", Group: "office", Vi: "Văn bản đi đã ban hành", En: "Outgoing documents issued", Unit: "count"},
	{Key: "office_signed", Group: "office", Vi: "Văn bản ký số", En: "Issued with a digital signature", Unit: "count"},
	{Key: "signature_rate", Group: "office", Vi: "Tỷ lệ ký số (%)", En: "Digital-signature share (%)", Unit: "percent"},
	{Key: "office_files_closed", Group: "office", Vi: "Hồ sơ công việc đã đóng", En: "Work files closed", Unit: "count"},
	{Key: "electronic_rate", Group: "office", Vi: "Tỷ lệ xử lý điện tử (%)", En: "Handled electronically (%)", Unit: "percent"},
	{Key: "electronic_rate@province", Group: "office", Vi: "Xử lý điện tử cấp tỉnh (%)", En: "Electronic, province level (%)", Unit: "percent"},
	{Key: "electronic_rate@district", Group: "office", Vi: "Xử lý điện tử cấp huyện (%)", En: "Electronic, district level (%)", Unit: "percent"},
	{Key: "electronic_rate@commune", Group: "office", Vi: "Xử lý điện tử cấp xã (%)", En: "Electronic, commune level (%)", Unit: "percent"},
	{Key: "dossier_received", Group: "portal", Vi: "Hồ sơ tiếp nhận", En: "Dossiers received", Unit: "count"},
	{Key: "dossier_online", Group: "portal", Vi: "Hồ sơ trực tuyến", En: "Received online", Unit: "count"},
	{Key: "online_share", Group: "portal", Vi: "Tỷ lệ trực tuyến (%)", En: "Online share (%)", Unit: "percent"},
	{Key: "dossier_on_time", Group: "portal", Vi: "Giải quyết đúng hạn", En: "Settled on time", Unit: "count"},
	{Key: "dossier_late", Group: "portal", Vi: "Giải quyết quá hạn", En: "Settled late", Unit: "count"},
	{Key: "on_time_rate", Group: "portal", Vi: "Tỷ lệ đúng hạn (%)", En: "On-time rate (%)", Unit: "percent"},
	{Key: "feedback_overdue", Group: "feedback", Vi: "Phản ánh quá hạn", En: "Overdue feedback", Unit: "count", Current: true},
}

// Scorecard is the whole table: one row per province or ministry.
type Scorecard struct {
	From       string      `json:"from"`
	To         string      `json:"to"`
	LastFrom   string      `json:"last_year_from"`
	LastTo     string      `json:"last_year_to"`
	Indicators []Indicator `json:"indicators"`
	Rows       []Row       `json:"rows"`
	Computed   time.Time   `json:"computed_at"`
	// SourceErrors names the registered sources that failed; their columns are empty.
	SourceErrors map[string]string `json:"source_errors,omitempty"`
}

// Row is one province (or, in a drill-down, one agency) with its values by indicator key.
type Row struct {
	Code   string             `json:"code"`
	Name   string             `json:"name"`
	Kind   string             `json:"kind"`
	Level  string             `json:"level,omitempty"`
	Values map[string]float64 `json:"values"`
}

// Value is the row's figure for key (0 when absent).
func (r Row) Value(key string) float64 { return r.Values[key] }

// Has reports whether the row has a figure for key.
func (r Row) Has(key string) bool { _, ok := r.Values[key]; return ok }

// mayRead lets in any officer and any machine client: the scorecard is aggregate counts, which
// the Government Office publishes in its reports anyway, but not applicants or anonymous callers.
func mayRead(by *auth.Principal) error {
	if by == nil {
		return errs.New(errs.Unauthorized, "sign in to see the scorecard")
	}
	if by.IsApplicant() {
		return errs.New(errs.Forbidden, "the scorecard is for officers and connected systems")
	}
	return nil
}

// asOf is the day the registry is read at for a period: its last day, or today if that is earlier
// (the registry is effective-dated: districts abolished in 2025 count in 2024's scorecard only).
func (s *Service) asOf(p Period) string {
	end := p.End().Add(-time.Hour)
	if now := s.opt.Now(); now.Before(end) {
		end = now
	}
	return end.In(ict).Format(time.DateOnly)
}

// Provinces lists the level-1 bodies the scorecard has rows for on a day (YYYY-MM-DD): province
// committees and ministries at the top of the registry.
func (s *Service) Provinces(day string) []*agency.Agency {
	var out []*agency.Agency
	for _, a := range s.reg.Index().Roots() {
		if (a.Kind == agency.ProvinceCommittee || a.Kind == agency.Ministry) && a.ActiveOn(day) {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == agency.ProvinceCommittee
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// Indicators lists the built-in indicators and the registered sources' ones.
func (s *Service) Indicators() []Indicator {
	out := append([]Indicator(nil), builtin...)
	s.srcMu.RLock()
	defer s.srcMu.RUnlock()
	for _, src := range s.sources {
		for _, ind := range src.Indicators() {
			ind.Source = src.Name()
			out = append(out, ind)
		}
	}
	return out
}

// Get computes the scorecard of all provinces and ministries for the period. It folds in what is
// new first, so the figures are current.
func (s *Service) Get(ctx context.Context, by *auth.Principal, p Period) (*Scorecard, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	if _, err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	cur, last := map[string]map[string]float64{}, map[string]map[string]float64{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		if err := readProvince(ctx, tx, p, cur); err != nil {
			return err
		}
		return readProvince(ctx, tx, p.LastYear(), last)
	})
	if err != nil {
		return nil, err
	}
	overdue, err := s.overdueFeedback(ctx)
	if err != nil {
		return nil, err
	}
	sc := s.frame(p)
	day := s.asOf(p)
	reg := s.registryCounts(day)
	srcVals, srcErrs := s.sourceFigures(ctx, p)
	sc.SourceErrors = srcErrs
	for _, a := range s.Provinces(day) {
		v := cur[a.Code]
		if v == nil {
			v = map[string]float64{}
		}
		derive(v, last[a.Code])
		for k, n := range reg[a.Code] {
			v[k] = n
		}
		v["feedback_overdue"] = float64(overdue[a.Code])
		for k, n := range srcVals[a.Code] {
			v[k] = n
		}
		sc.Rows = append(sc.Rows, Row{Code: a.Code, Name: a.Name, Kind: string(a.Kind), Level: string(a.Level), Values: v})
	}
	return sc, nil
}

func (s *Service) frame(p Period) *Scorecard {
	ly := p.LastYear()
	return &Scorecard{From: p.From.String(), To: p.To.String(), LastFrom: ly.From.String(), LastTo: ly.To.String(),
		Indicators: s.Indicators(), Rows: []Row{}, Computed: s.opt.Now().UTC()}
}

func readProvince(ctx context.Context, tx *db.Tx, p Period, into map[string]map[string]float64) error {
	rows, err := tx.Query(ctx, `SELECT province_code, indicator, SUM(value) FROM scorecard_province
		WHERE month >= ? AND month <= ? GROUP BY province_code, indicator`, p.From.String(), p.To.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var prov, ind string
		var n int64
		if err := rows.Scan(&prov, &ind, &n); err != nil {
			return err
		}
		m := into[prov]
		if m == nil {
			m = map[string]float64{}
			into[prov] = m
		}
		m[ind] = float64(n)
	}
	return rows.Err()
}

// derive fills in the totals, rates and growth from the counts.
func derive(v, last map[string]float64) {
	v["axis_exchanged"] = v[cSent] + v[cReceived]
	v["axis_exchanged_last_year"] = last[cSent] + last[cReceived]
	v["axis_growth"] = Growth(v["axis_exchanged"], v["axis_exchanged_last_year"])
	v["signature_rate"] = Percent(v[cSigned], v[cIssued])
	v["electronic_rate"] = Percent(v[cFilesElec], v[cFilesClosed])
	for _, lv := range agency.Levels {
		l := "@" + string(lv)
		if v[cFilesClosed+l] > 0 {
			v["electronic_rate"+l] = Percent(v[cFilesElec+l], v[cFilesClosed+l])
		}
	}
	v["online_share"] = Percent(v[cDosOnline], v[cDosReceived])
	v["on_time_rate"] = Percent(v[cDosOnTime], v[cDosOnTime]+v[cDosLate])
	for _, k := range []string{cSent, cReceived, cIssued, cSigned, cFilesClosed, cDosReceived, cDosOnline, cDosOnTime, cDosLate} {
		if _, ok := v[k]; !ok {
			v[k] = 0
		}
	}
}

// registryCounts counts active agencies and those on the axis per province, in total and by level.
func (s *Service) registryCounts(day string) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, a := range s.reg.Index().All() {
		if !a.ActiveOn(day) {
			continue
		}
		c, err := vn.ParseAgencyCode(a.Code)
		if err != nil {
			continue
		}
		prov := c.RootCode().String()
		m := out[prov]
		if m == nil {
			m = map[string]float64{}
			out[prov] = m
		}
		m["agencies"]++
		m["agencies@"+string(a.Level)]++
		if a.OnAxis {
			m["agencies_on_axis"]++
			m["on_axis@"+string(a.Level)]++
		}
	}
	for _, m := range out {
		for _, lv := range agency.Levels {
			if _, ok := m["on_axis@"+string(lv)]; !ok {
				m["on_axis@"+string(lv)] = 0
			}
		}
	}
	return out
}

// overdueFeedback counts open feedback items past their deadline per province now. Open items
// are few and indexed (feedback_items_open), so this is a short index range, not a scan.
func (s *Service) overdueFeedback(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	now := s.opt.Now().UTC()
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT province_code, COUNT(*) FROM feedback_items WHERE is_open = 1 AND due_at < ? GROUP BY province_code`, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p string
			var n int64
			if err := rows.Scan(&p, &n); err != nil {
				return err
			}
			out[p] = n
		}
		return rows.Err()
	})
	return out, err
}

func (s *Service) overdueFeedbackByAgency(ctx context.Context, province string) (map[string]int64, error) {
	out := map[string]int64{}
	now := s.opt.Now().UTC()
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT agency_code, COUNT(*) FROM feedback_items WHERE is_open = 1 AND due_at < ? AND province_code = ? GROUP BY agency_code`, now, province)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			var n int64
			if err := rows.Scan(&a, &n); err != nil {
				return err
			}
			out[a] = n
		}
		return rows.Err()
	})
	return out, err
}

// sourceFigures asks every registered source; a failing source leaves its columns empty and is
// named, rather than failing the whole scorecard.
func (s *Service) sourceFigures(ctx context.Context, p Period) (map[string]map[string]float64, map[string]string) {
	s.srcMu.RLock()
	srcs := append([]Source(nil), s.sources...)
	s.srcMu.RUnlock()
	out := map[string]map[string]float64{}
	var bad map[string]string
	for _, src := range srcs {
		figs, err := src.Figures(ctx, p)
		if err != nil {
			if bad == nil {
				bad = map[string]string{}
			}
			bad[src.Name()] = err.Error()
			slog.Warn("scorecard source", "source", src.Name(), "err", err)
			continue
		}
		for prov, m := range figs {
			if out[prov] == nil {
				out[prov] = map[string]float64{}
			}
			for k, v := range m {
				out[prov][k] = v
			}
		}
	}
	return out, bad
}

// Drill is one province's figures per agency of its subtree.
type Drill struct {
	Scorecard
	Province Row `json:"province"`
}

// Province computes one province's row and a row per agency with activity or registered on the
// axis. Source figures appear on the province row only.
func (s *Service) Province(ctx context.Context, by *auth.Principal, code string, p Period) (*Drill, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	var prov *agency.Agency
	day := s.asOf(p)
	for _, a := range s.Provinces(day) {
		if a.Code == code {
			prov = a
		}
	}
	if prov == nil {
		return nil, errs.Reasonf(errs.NotFound, "unknown_province", "no province or ministry %q in the registry", code)
	}
	all, err := s.Get(ctx, by, p)
	if err != nil {
		return nil, err
	}
	d := &Drill{Scorecard: *all}
	d.Rows = []Row{}
	for _, r := range all.Rows {
		if r.Code == code {
			d.Province = r
		}
	}
	cur, last := map[string]map[string]float64{}, map[string]map[string]float64{}
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		if err := readAgencies(ctx, tx, code, p, cur); err != nil {
			return err
		}
		return readAgencies(ctx, tx, code, p.LastYear(), last)
	})
	if err != nil {
		return nil, err
	}
	overdue, err := s.overdueFeedbackByAgency(ctx, code)
	if err != nil {
		return nil, err
	}
	root, _ := vn.ParseAgencyCode(code)
	seen := map[string]bool{}
	add := func(ac string, a *agency.Agency) {
		if seen[ac] {
			return
		}
		seen[ac] = true
		v := cur[ac]
		if v == nil {
			v = map[string]float64{}
		}
		derive(v, last[ac])
		v["feedback_overdue"] = float64(overdue[ac])
		r := Row{Code: ac, Values: v}
		if a != nil {
			r.Name, r.Kind, r.Level = a.Name, string(a.Kind), string(a.Level)
			v["agencies"] = 1
			if a.OnAxis {
				v["agencies_on_axis"] = 1
			}
		}
		d.Rows = append(d.Rows, r)
	}
	for _, a := range s.reg.Index().All() {
		c, err := vn.ParseAgencyCode(a.Code)
		if err != nil || !c.Within(root) || !a.ActiveOn(day) {
			continue
		}
		if a.OnAxis || cur[a.Code] != nil || overdue[a.Code] > 0 {
			add(a.Code, a)
		}
	}
	for ac := range cur {
		a, _ := s.reg.Index().Get(ac)
		add(ac, a)
	}
	sort.Slice(d.Rows, func(i, j int) bool { return d.Rows[i].Code < d.Rows[j].Code })
	return d, nil
}

func readAgencies(ctx context.Context, tx *db.Tx, province string, p Period, into map[string]map[string]float64) error {
	rows, err := tx.Query(ctx, `SELECT agency_code, indicator, SUM(value) FROM scorecard_agency
		WHERE province_code = ? AND month >= ? AND month <= ? GROUP BY agency_code, indicator`, province, p.From.String(), p.To.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ac, ind string
		var n int64
		if err := rows.Scan(&ac, &ind, &n); err != nil {
			return err
		}
		m := into[ac]
		if m == nil {
			m = map[string]float64{}
			into[ac] = m
		}
		m[ind] = float64(n)
	}
	return rows.Err()
}

// Format shows a value the way the table does.
func Format(ind Indicator, v float64) string {
	switch ind.Unit {
	case "percent":
		return fmt.Sprintf("%.1f", v)
	case "times":
		if v == 0 {
			return "–"
		}
		return fmt.Sprintf("×%.1f", v)
	case "bool":
		if v != 0 {
			return "✓"
		}
		return "–"
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}
