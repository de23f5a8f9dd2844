package axis

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Statistics of the axis (thống kê trục liên thông), as the 2020 report measures provinces: volume
// sent and received per agency, province and administrative level, per month in Vietnam time, with
// growth against the same month a year earlier; how many agencies of each level are registered and
// how many actually exchanged documents; the share exchanged fully electronically; refusals; and how
// long recipients take to register what arrives.
//
// Definitions (also stated on the statistics page and in the API document):
//   - A document is a document package (status packets are not counted); it counts once as sent, by
//     its sender, and once as received by each recipient it is addressed to, in the month (UTC+7) the
//     axis accepted it.
//   - Fully electronic: the package carries at least one attachment (the document itself) and a
//     signature the axis verified as valid or weak (legacy SHA-1). Unsigned, untrusted or invalid
//     packages are not.
//   - Growth is the ratio of a month (or the period) to the same months a year earlier; null when
//     the earlier count is zero.
//   - Registered: the agency is registered on the axis in the registry today. Connected: it sent or
//     received at least one document in the period. Agencies counted per level are those of the
//     registry that existed at some day of the period.
//   - Time to registration: from the delivery into a recipient's inbox to the first status 03 (đã
//     tiếp nhận) that recipient sent about the document; median and 90th percentile (nearest rank)
//     in hours, over the documents delivered in the period.

// FullyElectronicDefinition states what counts as exchanged fully electronically.
const FullyElectronicDefinition = "at least one attachment and a signature verified as valid or weak (legacy SHA-1)"

// MaxStatsMonths bounds the months one statistics request covers.
const MaxStatsMonths = 60

// Period selects the months of the statistics, in Vietnam time (UTC+7), and optionally one province.
type Period struct {
	// From is the first month included, YYYY-MM; empty means 11 months before To.
	From string `json:"from"`
	// To is the last month included, YYYY-MM; empty means the current month.
	To string `json:"to"`
	// Province, when set, is a level-1 code such as H36: only its agencies are counted.
	Province string `json:"province,omitempty"`
}

// Statistics is the answer to Stats.
type Statistics struct {
	Period Period `json:"period"`
	// Months are the months of the period, oldest first.
	Months []string `json:"months"`
	// Definitions states how each figure is computed.
	Definitions map[string]string `json:"definitions"`
	// Totals covers the whole period.
	Totals Volume `json:"totals"`
	// Monthly has one entry per month of the period.
	Monthly   []MonthVolume    `json:"monthly"`
	Provinces []ProvinceVolume `json:"provinces"`
	Levels    []LevelVolume    `json:"levels"`
	// Agencies has one row per agency and month with any traffic (the CSV export).
	Agencies        []AgencyMonth    `json:"agencies"`
	FullyElectronic Share            `json:"fully_electronic"`
	Refusals        []ReasonCount    `json:"refusals"`
	Registration    RegistrationTime `json:"registration"`
}

// Volume is what was sent and received, against the same months a year earlier.
type Volume struct {
	Sent     int `json:"sent"`
	Received int `json:"received"`
	// SentBase and ReceivedBase are the counts of the same months a year earlier.
	SentBase     int `json:"sent_base"`
	ReceivedBase int `json:"received_base"`
	// SentGrowth and ReceivedGrowth are Sent/SentBase and Received/ReceivedBase; null without a base.
	SentGrowth     *float64 `json:"sent_growth"`
	ReceivedGrowth *float64 `json:"received_growth"`
}

// MonthVolume is the volume of one month.
type MonthVolume struct {
	Month string `json:"month"`
	Volume
}

// ProvinceVolume is the volume of one province (level-1 code), with its months and its share of
// fully electronic documents among those its agencies sent.
type ProvinceVolume struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Volume
	Monthly         []MonthVolume `json:"monthly"`
	FullyElectronic Share         `json:"fully_electronic"`
}

// LevelVolume is the volume of one administrative level, and its agencies' registration and
// connection on the axis.
type LevelVolume struct {
	Level string `json:"level"`
	Volume
	// Agencies of this level in the registry during the period.
	Agencies int `json:"agencies"`
	// Registered on the axis (registry) and Connected (exchanged a document in the period).
	Registered      int      `json:"registered"`
	Connected       int      `json:"connected"`
	RegisteredShare *float64 `json:"registered_share"`
	ConnectedShare  *float64 `json:"connected_share"`
}

// AgencyMonth is one agency's traffic in one month.
type AgencyMonth struct {
	Month    string `json:"month"`
	Agency   string `json:"agency"`
	Name     string `json:"name"`
	Province string `json:"province"`
	Level    string `json:"level"`
	Sent     int    `json:"sent"`
	Received int    `json:"received"`
	// SentFullyElectronic and ReceivedFullyElectronic count the fully electronic documents.
	SentFullyElectronic     int `json:"sent_fully_electronic"`
	ReceivedFullyElectronic int `json:"received_fully_electronic"`
}

// Share is a part of the documents sent: how many were fully electronic, out of how many.
type Share struct {
	Documents       int      `json:"documents"`
	FullyElectronic int      `json:"fully_electronic"`
	Share           *float64 `json:"share"`
}

// ReasonCount is how many packages were refused for one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// RegistrationTime is how long recipients took from delivery to status 03 (registered).
type RegistrationTime struct {
	// Delivered counts deliveries of documents in the period; Registered those with a status 03.
	Delivered   int      `json:"delivered"`
	Registered  int      `json:"registered"`
	MedianHours *float64 `json:"median_hours"`
	P90Hours    *float64 `json:"p90_hours"`
}

// statsDefinitions are the definitions returned with every answer.
var statsDefinitions = map[string]string{
	"document":         "a document package (status packets are not counted), counted once as sent by its sender and once as received by each recipient, in the month (Vietnam time, UTC+7) the axis accepted it",
	"fully_electronic": FullyElectronicDefinition + "; share = fully electronic / documents sent",
	"growth":           "count of the month (or period) divided by the count of the same months a year earlier; null when that count is zero",
	"registered":       "agencies registered on the axis in the registry (current registration), among the agencies of the registry that existed during the period",
	"connected":        "agencies that sent or received at least one document in the period",
	"registration":     "hours from the delivery into a recipient's inbox to the first status 03 (registered) from that recipient, for documents delivered in the period; median and 90th percentile (nearest rank)",
}

// month is a calendar month as a count of months since year 0.
type month int

func parseMonth(s string) (month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, errs.Reasonf(errs.Invalid, "bad_month", "month %q: want YYYY-MM, like 2026-03", s)
	}
	return month(t.Year()*12 + int(t.Month()) - 1), nil
}

func monthOf(t time.Time) month {
	t = t.In(vn.ICT)
	return month(t.Year()*12 + int(t.Month()) - 1)
}

func (m month) String() string { return fmt.Sprintf("%04d-%02d", int(m)/12, int(m)%12+1) }

// start returns the instant the month begins in Vietnam, in UTC (as the store keeps times).
func (m month) start() time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, vn.ICT).UTC()
}

// resolve fills the period's defaults and checks it.
func (p Period) resolve(now time.Time) (Period, month, month, error) {
	to := monthOf(now)
	if p.To != "" {
		m, err := parseMonth(p.To)
		if err != nil {
			return p, 0, 0, err
		}
		to = m
	}
	from := to - 11
	if p.From != "" {
		m, err := parseMonth(p.From)
		if err != nil {
			return p, 0, 0, err
		}
		from = m
	}
	if from > to {
		return p, 0, 0, errs.Reasonf(errs.Invalid, "bad_period", "the period starts (%s) after it ends (%s)", from, to)
	}
	if int(to-from) >= MaxStatsMonths {
		return p, 0, 0, errs.Reasonf(errs.Invalid, "period_too_long", "the period %s–%s is longer than %d months", from, to, MaxStatsMonths)
	}
	p.Province = strings.ToUpper(strings.TrimSpace(p.Province))
	if p.Province != "" {
		if _, err := vn.ParseLevel1Code(p.Province); err != nil {
			return p, 0, 0, errs.Reasonf(errs.Invalid, "bad_province", "province %q: want a level-1 code like H36: %v", p.Province, err)
		}
	}
	p.From, p.To = from.String(), to.String()
	return p, from, to, nil
}

// monthCase returns a portable SQL expression numbering the month of col (0 for the first month of
// bounds) and its arguments: the month boundaries computed here in Vietnam time, so neither
// dialect's time-zone functions are needed.
func monthCase(col string, first month, n int) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, n)
	b.WriteString("CASE")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, " WHEN %s < ? THEN %d", col, i-1)
		args = append(args, (first + month(i)).start())
	}
	fmt.Fprintf(&b, " ELSE %d END", n-1)
	return b.String(), args
}

// provinceOf returns the level-1 code of an identifier code, such as H36.
func provinceOf(code string) string {
	c, err := vn.ParseAgencyCode(code)
	if err != nil {
		return ""
	}
	return c.Root()
}

// provinceName names a level-1 code after its depth-1 agency in the registry.
func provinceName(ix *agency.Index, root string) string {
	if a, ok := ix.Get("000.00.00." + root); ok {
		return a.Name
	}
	return root
}

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := math.Round(float64(a)/float64(b)*10000) / 10000
	return &r
}

func (v *Volume) add(o Volume) {
	v.Sent += o.Sent
	v.Received += o.Received
	v.SentBase += o.SentBase
	v.ReceivedBase += o.ReceivedBase
}

func (v *Volume) grow() {
	v.SentGrowth = ratio(v.Sent, v.SentBase)
	v.ReceivedGrowth = ratio(v.Received, v.ReceivedBase)
}

// Stats computes the statistics of a period from the axis's tables. Counting is done in SQL
// (GROUP BY agency and month); the registry then places each agency in its province and level.
func (s *Service) Stats(ctx context.Context, pr Period) (*Statistics, error) {
	pr, from, to, err := pr.resolve(s.db.Now())
	if err != nil {
		return nil, err
	}
	// The query covers the year before the period too, for growth.
	first := from - 12
	n := int(to-first) + 1
	lo, hi := first.start(), (to + 1).start()
	like := "%"
	if pr.Province != "" {
		like = "%." + pr.Province
	}
	type key struct {
		agency string
		m      month
	}
	type counts struct{ sent, received, sentFull, receivedFull int }
	byKey := map[key]*counts{}
	get := func(k key) *counts {
		c := byKey[k]
		if c == nil {
			c = &counts{}
			byKey[k] = c
		}
		return c
	}
	const fully = "CASE WHEN a.attachments > 0 AND a.signature_state IN ('valid', 'weak') THEN 1 ELSE 0 END"
	st := &Statistics{Period: pr, Definitions: statsDefinitions, Agencies: []AgencyMonth{}, Refusals: []ReasonCount{},
		Provinces: []ProvinceVolume{}, Levels: []LevelVolume{}}
	var waits []float64
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		mc, margs := monthCase("a.received_at", first, n)
		scan := func(q string, args []any, add func(c *counts, total, full int)) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var code string
				var m, total, full int
				if err := rows.Scan(&code, &m, &total, &full); err != nil {
					return err
				}
				add(get(key{code, first + month(m)}), total, full)
			}
			return rows.Err()
		}
		args := append(append([]any{}, margs...), lo, hi, like)
		if err := scan(`SELECT a.sender_code, `+mc+`, count(*), sum(`+fully+`) FROM axis_documents a
			WHERE a.kind = 'document' AND a.received_at >= ? AND a.received_at < ? AND a.sender_code LIKE ?
			GROUP BY 1, 2`, args, func(c *counts, total, full int) { c.sent += total; c.sentFull += full }); err != nil {
			return err
		}
		if err := scan(`SELECT d.recipient_code, `+mc+`, count(*), sum(`+fully+`) FROM axis_deliveries d
			JOIN axis_documents a ON a.id = d.document
			WHERE a.kind = 'document' AND a.received_at >= ? AND a.received_at < ? AND d.recipient_code LIKE ?
			GROUP BY 1, 2`, args, func(c *counts, total, full int) { c.received += total; c.receivedFull += full }); err != nil {
			return err
		}
		plo, phi := from.start(), (to + 1).start()
		rows, err := tx.Query(ctx, `SELECT reason, count(*) FROM axis_refusals WHERE at >= ? AND at < ? AND sender_code LIKE ?
			GROUP BY reason ORDER BY 2 DESC, reason`, plo, phi, like)
		if err != nil {
			return err
		}
		for rows.Next() {
			var rc ReasonCount
			if err := rows.Scan(&rc.Reason, &rc.Count); err != nil {
				rows.Close()
				return err
			}
			st.Refusals = append(st.Refusals, rc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Each delivery of a document in the period, with the first status 03 its recipient sent.
		rows, err = tx.Query(ctx, `SELECT e.document, e.agency_code, e.at, s.at FROM axis_events e
			JOIN axis_documents a ON a.id = e.document AND a.kind = 'document'
			LEFT JOIN axis_events s ON s.document = e.document AND s.agency_code = e.agency_code AND s.event = 'status' AND s.status_code = '03'
			WHERE e.event = 'delivered' AND e.at >= ? AND e.at < ? AND e.agency_code LIKE ?
			ORDER BY e.document, e.agency_code`, plo, phi, like)
		if err != nil {
			return err
		}
		defer rows.Close()
		type delivery struct{ doc, agency string }
		firstStatus := map[delivery]time.Duration{}
		var order []delivery
		for rows.Next() {
			var dl delivery
			var at time.Time
			var status sql.NullTime
			if err := rows.Scan(&dl.doc, &dl.agency, &at, &status); err != nil {
				return err
			}
			prev, seen := firstStatus[dl]
			if !seen {
				order = append(order, dl)
				prev = -1
			}
			if status.Valid {
				if d := status.Time.Sub(at); prev < 0 || d < prev {
					prev = d
				}
			}
			firstStatus[dl] = prev
		}
		for _, dl := range order {
			st.Registration.Delivered++
			if d := firstStatus[dl]; d >= 0 {
				waits = append(waits, d.Hours())
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("axis.Stats(%s–%s): %w", pr.From, pr.To, err)
	}
	st.Registration.Registered = len(waits)
	st.Registration.MedianHours, st.Registration.P90Hours = median(waits), nearestRank(waits, 0.9)

	ix := s.reg.Index()
	for m := from; m <= to; m++ {
		st.Months = append(st.Months, m.String())
	}
	monthly := make([]MonthVolume, len(st.Months))
	provinces := map[string]*ProvinceVolume{}
	levels := map[string]*LevelVolume{}
	for _, l := range agency.Levels {
		levels[string(l)] = &LevelVolume{Level: string(l)}
	}
	connected := map[string]bool{}
	var keys []key
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].m != keys[j].m {
			return keys[i].m < keys[j].m
		}
		return keys[i].agency < keys[j].agency
	})
	for _, k := range keys {
		c := byKey[k]
		inPeriod := k.m >= from
		// A month of the period, or the base month a year before one.
		var v Volume
		i := int(k.m - from)
		if inPeriod {
			v = Volume{Sent: c.sent, Received: c.received}
		} else {
			v = Volume{SentBase: c.sent, ReceivedBase: c.received}
			i += 12
		}
		if i < 0 || i >= len(monthly) {
			continue // a base month whose year-later month is outside the period
		}
		root := provinceOf(k.agency)
		name, level := k.agency, ""
		if a, ok := ix.Get(k.agency); ok {
			name, level = a.Name, string(a.Level)
		}
		pv := provinces[root]
		if pv == nil {
			pv = &ProvinceVolume{Code: root, Name: provinceName(ix, root), Monthly: make([]MonthVolume, len(st.Months))}
			provinces[root] = pv
		}
		st.Totals.add(v)
		monthly[i].add(v)
		pv.add(v)
		pv.Monthly[i].add(v)
		if lv := levels[level]; lv != nil {
			lv.add(v)
		}
		if inPeriod {
			pv.FullyElectronic.Documents += c.sent
			pv.FullyElectronic.FullyElectronic += c.sentFull
			st.FullyElectronic.Documents += c.sent
			st.FullyElectronic.FullyElectronic += c.sentFull
			if c.sent+c.received > 0 {
				connected[k.agency] = true
			}
			st.Agencies = append(st.Agencies, AgencyMonth{Month: k.m.String(), Agency: k.agency, Name: name, Province: root, Level: level,
				Sent: c.sent, Received: c.received, SentFullyElectronic: c.sentFull, ReceivedFullyElectronic: c.receivedFull})
		}
	}
	st.Totals.grow()
	st.FullyElectronic.Share = ratio(st.FullyElectronic.FullyElectronic, st.FullyElectronic.Documents)
	for i := range monthly {
		monthly[i].Month = st.Months[i]
		monthly[i].grow()
	}
	st.Monthly = monthly
	for _, pv := range provinces {
		pv.grow()
		for i := range pv.Monthly {
			pv.Monthly[i].Month = st.Months[i]
			pv.Monthly[i].grow()
		}
		pv.FullyElectronic.Share = ratio(pv.FullyElectronic.FullyElectronic, pv.FullyElectronic.Documents)
		st.Provinces = append(st.Provinces, *pv)
	}
	sort.Slice(st.Provinces, func(i, j int) bool { return st.Provinces[i].Code < st.Provinces[j].Code })

	// Registration and connection per level, from the registry.
	firstDay, lastDay := from.start().In(vn.ICT).Format(time.DateOnly), (to+1).start().In(vn.ICT).AddDate(0, 0, -1).Format(time.DateOnly)
	for _, a := range ix.All() {
		lv := levels[string(a.Level)]
		if lv == nil || pr.Province != "" && a.Identifier().Root() != pr.Province {
			continue
		}
		if a.EffectiveFrom != "" && a.EffectiveFrom > lastDay || a.EffectiveTo != "" && a.EffectiveTo < firstDay {
			continue
		}
		lv.Agencies++
		if a.OnAxis {
			lv.Registered++
		}
		if connected[a.Code] {
			lv.Connected++
		}
	}
	for _, l := range agency.Levels {
		lv := levels[string(l)]
		lv.grow()
		lv.RegisteredShare = ratio(lv.Registered, lv.Agencies)
		lv.ConnectedShare = ratio(lv.Connected, lv.Agencies)
		st.Levels = append(st.Levels, *lv)
	}
	return st, nil
}

// median returns the middle value (the mean of the two middle values for an even count).
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	m = math.Round(m*100) / 100
	return &m
}

// nearestRank returns the p-quantile by the nearest-rank method: the smallest value that at least
// p of the values do not exceed.
func nearestRank(xs []float64, p float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	v := math.Round(s[max(i, 0)]*100) / 100
	return &v
}

// StatsRoutes returns the statistics API routes.
func (h *Handler) StatsRoutes() []api.Route {
	query := map[string]string{"from": "first month, YYYY-MM (default: 11 months before to)", "to": "last month, YYYY-MM (default: this month, Vietnam time)",
		"province": "only the agencies of this level-1 code, such as H36"}
	return []api.Route{
		{Method: "GET", Path: "/api/v1/axis/stats", Tag: "axis", Access: api.AnyPrincipal, Handler: h.stats, Response: Statistics{}, Query: query,
			Summary: "Axis statistics: documents sent and received per agency, province, level and month (UTC+7) with growth against a year earlier; " +
				"agencies registered and connected per level; share fully electronic (" + FullyElectronicDefinition + "); refusals by reason; hours from delivery to status 03"},
		{Method: "GET", Path: "/api/v1/axis/stats.csv", Tag: "axis", Access: api.AnyPrincipal, Handler: h.statsCSV, ResponseType: "text/csv", Query: query,
			Summary: "Axis statistics as CSV (UTF-8 with BOM): one row per agency and month with documents sent and received and how many were fully electronic"},
	}
}

func periodOf(r *http.Request) Period {
	q := r.URL.Query()
	return Period{From: q.Get("from"), To: q.Get("to"), Province: q.Get("province")}
}

func (h *Handler) stats(w http.ResponseWriter, r *http.Request) error {
	st, err := h.Axis.Stats(r.Context(), periodOf(r))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (h *Handler) statsCSV(w http.ResponseWriter, r *http.Request) error {
	st, err := h.Axis.Stats(r.Context(), periodOf(r))
	if err != nil {
		return err
	}
	name := "thong-ke-truc-" + st.Period.From + "-" + st.Period.To
	if st.Period.Province != "" {
		name += "-" + st.Period.Province
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	return WriteStatsCSV(w, st)
}

// WriteStatsCSV writes the per-agency, per-month rows as CSV, UTF-8 with a byte-order mark so that
// spreadsheet software reads the Vietnamese names correctly.
func WriteStatsCSV(w io.Writer, st *Statistics) error {
	if _, err := w.Write([]byte("\uFEFF")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"month", "agency", "name", "province", "level", "sent", "received", "sent_fully_electronic", "received_fully_electronic"})
	for _, a := range st.Agencies {
		cw.Write([]string{a.Month, a.Agency, a.Name, a.Province, a.Level, strconv.Itoa(a.Sent), strconv.Itoa(a.Received),
			strconv.Itoa(a.SentFullyElectronic), strconv.Itoa(a.ReceivedFullyElectronic)})
	}
	cw.Flush()
	return cw.Error()
}
