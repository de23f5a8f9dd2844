package axis

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/edxml"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates
var templates embed.FS

// RegisterPages adds the axis's page templates to the renderer.
func RegisterPages(r *web.Renderer) error { return r.Add(templates, "templates/*.html") }

// Pages serves the axis's web pages: a clerk's inbox and outbox, a document's detail, the
// statistics with charts, and the administrator's view of connected systems and failures.
type Pages struct {
	Axis     *Service
	Registry *agency.Registry
	Auth     *auth.Service
	Renderer *web.Renderer
}

// PageRoutes returns the axis's pages.
func (h *Pages) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/axis", Page: true, Access: api.OfficersOnly, Handler: h.pageMailbox},
		{Method: "GET", Path: "/axis/edocs/{id}", Page: true, Access: api.OfficersOnly, Handler: h.pageDocument},
		{Method: "GET", Path: "/axis/stats", Page: true, Access: api.OfficersOnly, Handler: h.pageStats},
		{Method: "GET", Path: "/axis/admin", Page: true, Access: api.AdminsOnly, Handler: h.pageAdmin},
	}
}

// pageSize is how many rows the inbox and the outbox show at a time.
const pageSize = 20

// AgencyRef names an agency on a page.
type AgencyRef struct {
	Code string
	Name string
}

func (h *Pages) ref(code string) AgencyRef {
	if a, ok := h.Registry.Index().Get(code); ok {
		return AgencyRef{Code: code, Name: a.Name}
	}
	return AgencyRef{Code: code, Name: code}
}

// Badge is a coloured label: a status code with its name, a transport state, a signature state.
type Badge struct {
	Code  string
	Label string
	Title string
	Class string
}

// labels looks messages up in the request's language.
type labels map[string]string

func (h *Pages) labels(r *http.Request) labels { return h.Renderer.Messages(web.Lang(r)) }

func (l labels) get(key, fallback string) string {
	if s, ok := l[key]; ok {
		return s
	}
	return fallback
}

// statusBadge shows an edXML status code with its Vietnamese name (and the English one beside it
// in English pages), or nil when there is no status yet.
func statusBadge(code, lang string) *Badge {
	if code == "" {
		return nil
	}
	st, err := vn.ParseAxisStatus(code)
	if err != nil {
		return &Badge{Code: code, Label: code, Class: "st-unknown"}
	}
	b := &Badge{Code: code, Label: st.Vietnamese(), Title: st.English(), Class: "st-" + code}
	if lang != "vi" {
		b.Label, b.Title = st.English(), st.Vietnamese()
	}
	return b
}

// transportClasses colour the delivery states of the transport acknowledgements.
var transportClasses = map[string]string{"pending": "tr-pending", TransportProcessing: "tr-processing", TransportDone: "tr-done",
	TransportFail: "tr-fail", TransportUpstream: "tr-upstream"}

func (l labels) transport(state string) Badge {
	return Badge{Code: state, Label: l.get("axis.transport."+state, state), Class: transportClasses[state]}
}

// signatureClasses colour the signature states.
var signatureClasses = map[string]string{"valid": "ok", "weak": "warn", "untrusted": "warn", "unverified": "warn", "unsigned": "closed", "invalid": "bad"}

func (l labels) signature(state string) Badge {
	return Badge{Code: state, Label: l.get("axis.sig."+state, state), Class: signatureClasses[state]}
}

// AgencyOption is an agency in the mailbox's agency selector.
type AgencyOption struct {
	AgencyRef
	Indent   string
	Selected bool
}

// MailboxView is the view of /axis: one agency's inbox and outbox.
type MailboxView struct {
	Options []AgencyOption
	Agency  AgencyRef
	Inbox   []InboxRow
	Outbox  []OutboxRow
	// InOlder and OutOlder link the next (older) pages; empty at the end.
	InOlder, OutOlder string
	// Paged is set when either list is not on its first page.
	Paged bool
}

// InboxRow is a document delivered to the agency.
type InboxRow struct {
	ID           string
	DocumentID   string
	Subject      string
	Notation     string
	From         AgencyRef
	ReceivedAt   time.Time
	Done         bool
	Transport    Badge
	Status       *Badge
	BusinessType int
}

// OutboxRow is a document the agency sent, with its state at each recipient.
type OutboxRow struct {
	ID         string
	DocumentID string
	Subject    string
	Notation   string
	ReceivedAt time.Time
	Recipients []RecipientState
}

// RecipientState is where a document stands at one recipient.
type RecipientState struct {
	Agency    AgencyRef
	Transport Badge
	Status    *Badge
	UpdatedAt time.Time
}

func notation(number, sign string) string {
	switch {
	case number != "" && sign != "":
		return number + "/" + sign
	case number != "":
		return number
	}
	return sign
}

// agencyOptions lists the agencies a user may pick: those of the user's grants and the agencies
// registered on the axis below them (at most a few hundred), in tree order.
func (h *Pages) agencyOptions(p *auth.Principal) []AgencyOption {
	ix := h.Registry.Index()
	today := agency.Today()
	seen := map[string]bool{}
	var out []AgencyOption
	var walk func(a *agency.Agency, depth int)
	walk = func(a *agency.Agency, depth int) {
		if len(out) >= 300 || seen[a.Code] {
			return
		}
		seen[a.Code] = true
		out = append(out, AgencyOption{AgencyRef: AgencyRef{Code: a.Code, Name: a.Name}, Indent: strings.Repeat("\u00a0\u00a0", depth)})
		for _, c := range ix.Children(a.Code) {
			if c.ActiveOn(today) && (c.OnAxis || len(ix.Children(c.Code)) > 0) {
				walk(c, depth+1)
			}
		}
	}
	for _, g := range p.Grants {
		if g.Agency == auth.Everywhere {
			for _, a := range ix.Roots() {
				if a.ActiveOn(today) && !seen[a.Code] {
					seen[a.Code] = true
					out = append(out, AgencyOption{AgencyRef: AgencyRef{Code: a.Code, Name: a.Name}})
				}
			}
			continue
		}
		if a, ok := ix.Get(g.Agency); ok {
			walk(a, 0)
		} else if !seen[g.Agency] {
			seen[g.Agency] = true
			out = append(out, AgencyOption{AgencyRef: AgencyRef{Code: g.Agency, Name: g.Agency}})
		}
	}
	return out
}

func (h *Pages) pageMailbox(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	q := r.URL.Query()
	v := MailboxView{Options: h.agencyOptions(p)}
	code := strings.TrimSpace(q.Get("agency"))
	if code == "" {
		if len(v.Options) == 0 {
			return errs.Reasonf(errs.Forbidden, "no_agency", "%s holds no role over any agency", p.Actor())
		}
		code = v.Options[0].Code
	}
	if !canRead(p, code) {
		return forbiddenFor(p, code)
	}
	v.Agency = h.ref(code)
	found := false
	for i := range v.Options {
		if v.Options[i].Code == code {
			v.Options[i].Selected, found = true, true
		}
	}
	if !found {
		v.Options = append([]AgencyOption{{AgencyRef: v.Agency, Selected: true}}, v.Options...)
	}
	l := h.labels(r)
	lang := web.Lang(r)
	inBefore, _ := strconv.ParseInt(q.Get("in_before"), 10, 64)
	outBefore := q.Get("out_before")
	v.Paged = inBefore > 0 || outBefore != ""
	inbox, inNext, err := h.Axis.inboxPage(r.Context(), code, inBefore, pageSize)
	if err != nil {
		return err
	}
	for _, it := range inbox {
		it.From = h.ref(it.From.Code)
		it.Transport = l.transport(it.Transport.Code)
		it.Status = statusBadge(it.Status.code(), lang)
		v.Inbox = append(v.Inbox, it)
	}
	outbox, outNext, err := h.Axis.outboxPage(r.Context(), code, outBefore, pageSize)
	if err != nil {
		return err
	}
	for _, it := range outbox {
		for i := range it.Recipients {
			rs := &it.Recipients[i]
			rs.Agency = h.ref(rs.Agency.Code)
			rs.Transport = l.transport(rs.Transport.Code)
			rs.Status = statusBadge(rs.Status.code(), lang)
		}
		v.Outbox = append(v.Outbox, it)
	}
	link := func(in, out string) string {
		u := url.Values{"agency": {code}}
		if in != "" {
			u.Set("in_before", in)
		}
		if out != "" {
			u.Set("out_before", out)
		}
		return "/axis?" + u.Encode()
	}
	if inNext > 0 {
		v.InOlder = link(strconv.FormatInt(inNext, 10), outBefore)
	}
	if outNext != "" {
		in := ""
		if inBefore > 0 {
			in = strconv.FormatInt(inBefore, 10)
		}
		v.OutOlder = link(in, outNext)
	}
	return h.Renderer.Render(w, r, http.StatusOK, "axis", "axis.title", v)
}

func (b *Badge) code() string {
	if b == nil {
		return ""
	}
	return b.Code
}

// inboxPage lists the documents delivered to an agency, newest first, before a delivery cursor
// (0: from the newest); next is the cursor for the following page, 0 at the end.
func (s *Service) inboxPage(ctx context.Context, agencyCode string, before int64, limit int) ([]InboxRow, int64, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	var out []InboxRow
	var cursors []int64
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.id, a.id, a.document_id, a.sender_code, a.subject, a.code_number, a.code_notation, a.business_type,
			d.transport, d.status_code, a.received_at FROM axis_deliveries d JOIN axis_documents a ON a.id = d.document
			WHERE d.recipient_code = ? AND d.id < ? AND a.kind = 'document' ORDER BY d.id DESC LIMIT ?`, agencyCode, before, limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var cursor int64
			var it InboxRow
			var number, sign, transport, status string
			if err := rows.Scan(&cursor, &it.ID, &it.DocumentID, &it.From.Code, &it.Subject, &number, &sign, &it.BusinessType,
				&transport, &status, &it.ReceivedAt); err != nil {
				return err
			}
			it.Notation = notation(number, sign)
			it.Done = transport == TransportDone
			it.Transport.Code = transport
			if status != "" {
				it.Status = &Badge{Code: status}
			}
			out = append(out, it)
			cursors = append(cursors, cursor)
		}
		return rows.Err()
	})
	if err != nil || len(out) <= limit {
		return out, 0, err
	}
	return out[:limit], cursors[limit-1], nil
}

// outboxPage lists the documents an agency sent, newest first, with their deliveries, before a
// cursor ("unix-nanoseconds~id" of the last row shown; "" from the newest).
func (s *Service) outboxPage(ctx context.Context, agencyCode, before string, limit int) ([]OutboxRow, string, error) {
	cond, args := "", []any{agencyCode}
	if before != "" {
		ns, id, ok := strings.Cut(before, "~")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			return nil, "", errs.Reasonf(errs.Invalid, "bad_parameter", "out_before %q: not a cursor from this page", before)
		}
		t := time.Unix(0, n).UTC()
		cond, args = " AND (received_at < ? OR (received_at = ? AND id < ?))", append(args, t, t, id)
	}
	var out []OutboxRow
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, document_id, subject, code_number, code_notation, received_at FROM axis_documents
			WHERE sender_code = ? AND kind = 'document'`+cond+` ORDER BY received_at DESC, id DESC LIMIT ?`, append(args, limit+1)...)
		if err != nil {
			return err
		}
		index := map[string]int{}
		var ids []any
		for rows.Next() {
			var it OutboxRow
			var number, sign string
			if err := rows.Scan(&it.ID, &it.DocumentID, &it.Subject, &number, &sign, &it.ReceivedAt); err != nil {
				rows.Close()
				return err
			}
			it.Notation = notation(number, sign)
			index[it.ID] = len(out)
			ids = append(ids, it.ID)
			out = append(out, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.Query(ctx, "SELECT document, recipient_code, transport, status_code, updated_at FROM axis_deliveries WHERE document IN (?"+
			strings.Repeat(", ?", len(ids)-1)+") ORDER BY id", ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var doc, status string
			var rs RecipientState
			if err := rows.Scan(&doc, &rs.Agency.Code, &rs.Transport.Code, &status, &rs.UpdatedAt); err != nil {
				return err
			}
			if status != "" {
				rs.Status = &Badge{Code: status}
			}
			i := index[doc]
			out[i].Recipients = append(out[i].Recipients, rs)
		}
		return rows.Err()
	})
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	last := out[limit-1]
	return out[:limit], strconv.FormatInt(last.ReceivedAt.UnixNano(), 10) + "~" + last.ID, nil
}

// DocumentView is the view of /axis/edocs/{id}: a package's header, attachments, signature
// report, status timeline and trace.
type DocumentView struct {
	Doc        *Document
	From       AgencyRef
	Recipients []RecipientState
	Notation   string
	Status     *Badge
	Business   string
	// Header fields read from the package itself (empty when it is too large to read here).
	Place, Promulgated, DueDate, Signer, Priority, SteeringType string
	BusinessReason                                              string
	Signature                                                   Badge
	Report                                                      string
	PackageSize                                                 string
	Attachments                                                 []AttachmentRow
	Timeline                                                    []TimelineRow
	Trace                                                       []TraceRow
	// TraceUnread is set when the package is too large to read here, TraceError when reading failed.
	TraceUnread, TraceError bool
}

// AttachmentRow is an attachment with its position (for the download link).
type AttachmentRow struct {
	Attachment
	N    int
	Size string
}

// TimelineRow is one event of the timeline, named in the page's language.
type TimelineRow struct {
	At     time.Time
	Agency AgencyRef
	Event  string
	Status *Badge
	Detail string
}

// TraceRow is one hop of the package's TraceHeaderList, as the sender wrote it.
type TraceRow struct {
	Agency    AgencyRef
	Timestamp string
}

// maxTraceRead bounds the packages the detail page reads for the header fields and trace that the
// axis's tables do not keep; larger ones are only linked.
const maxTraceRead = 16 << 20

// packageOf reads a stored package's header and trace, discarding attachment contents.
func (s *Service) packageOf(ctx context.Context, d *Document) (*edxml.Package, error) {
	if d.PackageSize > maxTraceRead {
		return nil, nil
	}
	f, err := s.openStored(ctx, d.ID, d.PackageSHA256)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return edxml.Read(f, edxml.ReadOptions{Attachment: func(edxml.AttachmentMeta, io.Reader) (string, error) { return "", nil }})
}

// edxmlDate turns yyyy/MM/dd into dd/MM/yyyy.
func edxmlDate(s string) string {
	if t, err := time.Parse("2006/01/02", strings.TrimSpace(s)); err == nil {
		return t.Format("02/01/2006")
	}
	return s
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (h *Pages) pageDocument(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := h.Axis.Get(ctx, auth.FromContext(ctx), r.PathValue("id"))
	if err != nil {
		return err
	}
	l, lang := h.labels(r), web.Lang(r)
	v := DocumentView{Doc: d, From: h.ref(d.From), Notation: notation(d.CodeNumber, d.CodeNotation), Signature: l.signature(d.Signature.State),
		Status: statusBadge(d.StatusCode, lang), Business: l.get("axis.business."+strconv.Itoa(d.BusinessType), strconv.Itoa(d.BusinessType)),
		Priority: l.get("axis.priority."+strconv.Itoa(d.Priority), strconv.Itoa(d.Priority)), PackageSize: sizeText(d.PackageSize)}
	for _, dl := range d.Deliveries {
		v.Recipients = append(v.Recipients, RecipientState{Agency: h.ref(dl.Recipient), Transport: l.transport(dl.Transport),
			Status: statusBadge(dl.StatusCode, lang), UpdatedAt: dl.UpdatedAt})
	}
	if d.Signature.Report != nil {
		if b, err := json.MarshalIndent(d.Signature.Report, "", "  "); err == nil {
			v.Report = string(b)
		}
	}
	for i, a := range d.Attachments {
		v.Attachments = append(v.Attachments, AttachmentRow{Attachment: a, N: i, Size: sizeText(a.Size)})
	}
	for _, e := range d.Timeline {
		detail := e.Detail
		switch e.Event {
		case "ack": // the detail is the transport state
			detail = l.transport(detail).Label
		case "delivered":
			if detail == "in the inbox" {
				detail = ""
			}
		}
		v.Timeline = append(v.Timeline, TimelineRow{At: e.At, Agency: h.ref(e.Agency), Event: l.get("axis.event."+e.Event, e.Event),
			Status: statusBadge(e.StatusCode, lang), Detail: detail})
	}
	pkg, err := h.Axis.packageOf(ctx, d)
	if err != nil {
		// The page still shows what the tables hold; the package itself is linked for download.
		slog.WarnContext(ctx, "axis: reading a stored package for its page failed", "id", d.ID, "err", err)
		v.TraceError = true
	} else if pkg == nil {
		v.TraceUnread = true
	} else {
		hd := &pkg.Header
		v.Place = strings.TrimSpace(hd.PromulgationInfo.Place)
		v.Promulgated = edxmlDate(hd.PromulgationInfo.PromulgationDate)
		v.DueDate = edxmlDate(hd.DueDate)
		v.SteeringType = strings.TrimSpace(hd.SteeringType)
		var signer []string
		for _, s := range []string{hd.SignerInfo.Competence, hd.SignerInfo.Position, hd.SignerInfo.FullName} {
			if s = strings.TrimSpace(s); s != "" {
				signer = append(signer, s)
			}
		}
		v.Signer = strings.Join(signer, " · ")
		if pkg.Trace != nil {
			for _, th := range pkg.Trace.TraceHeader {
				v.Trace = append(v.Trace, TraceRow{Agency: h.ref(strings.TrimSpace(th.OrganId)), Timestamp: strings.TrimSpace(th.Timestamp)})
			}
			if b := pkg.Trace.Bussiness; b != nil {
				v.BusinessReason = strings.TrimSpace(b.BussinessDocReason)
			}
		}
	}
	return h.Renderer.Render(w, r, http.StatusOK, "axis_edoc", "axis.document", v)
}

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

// AdminView is the view of /axis/admin.
type AdminView struct {
	Clients      []ClientRow
	Levels       []RegistrationRow
	Unregistered []UnregisteredRow
	// MoreUnregistered counts the unregistered agencies not listed.
	MoreUnregistered int
	Failures         []FailureRow
	Refusals         []RefusalRow
	StaleAfter       time.Duration
}

// ClientRow is a connected system with what it sent through the axis.
type ClientRow struct {
	auth.Client
	Agency    AgencyRef
	Documents int
	LastSent  time.Time
}

// RegistrationRow counts one level's agencies registered on the axis and not.
type RegistrationRow struct {
	Level                              string
	Agencies, Registered, Unregistered int
	Share                              string
}

// UnregisteredRow is an active agency not registered on the axis.
type UnregisteredRow struct {
	AgencyRef
	Level string
}

// FailureRow is a delivery that failed or is stuck.
type FailureRow struct {
	ID, DocumentID, Subject string
	From, To                AgencyRef
	Transport               Badge
	Since                   time.Time
}

// RefusalRow is a package the axis refused.
type RefusalRow struct {
	At              time.Time
	Client          string
	Sender          AgencyRef
	Reason, Message string
}

// staleAfter is how long a delivery may wait in an inbox before the administrators see it.
const staleAfter = 24 * time.Hour

// clientActivity counts the documents each machine client sent, with the time of the last one.
func (s *Service) clientActivity(ctx context.Context) (map[string]ClientRow, error) {
	out := map[string]ClientRow{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT client_id, count(*), max(received_at) FROM axis_documents WHERE kind = 'document' GROUP BY client_id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var c ClientRow
			var last anyTime
			if err := rows.Scan(&id, &c.Documents, &last); err != nil {
				return err
			}
			c.LastSent = last.t
			out[id] = c
		}
		return rows.Err()
	})
	return out, err
}

// anyTime scans a timestamp that an aggregate returned: SQLite gives it back as text.
type anyTime struct{ t time.Time }

func (a *anyTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
	case time.Time:
		a.t = x
	case string, []byte:
		s := fmt.Sprint(x)
		if b, ok := v.([]byte); ok {
			s = string(b)
		}
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				a.t = t
				return nil
			}
		}
		return fmt.Errorf("axis: cannot read %q as a time", s)
	default:
		return fmt.Errorf("axis: cannot read %T as a time", v)
	}
	return nil
}

// failures lists failed deliveries and those pending since before stale, oldest first, that keep
// passes; at most limit.
func (s *Service) failures(ctx context.Context, stale time.Time, limit int, keep func(from, to string) bool) ([]FailureRow, error) {
	var out []FailureRow
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.document, a.document_id, a.subject, a.sender_code, d.recipient_code, d.transport, d.created_at
			FROM axis_deliveries d JOIN axis_documents a ON a.id = d.document
			WHERE d.transport = 'fail' OR (d.transport = 'pending' AND d.created_at < ?) ORDER BY d.created_at, d.id`, stale.UTC())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(out) < limit {
			var f FailureRow
			if err := rows.Scan(&f.ID, &f.DocumentID, &f.Subject, &f.From.Code, &f.To.Code, &f.Transport.Code, &f.Since); err != nil {
				return err
			}
			if keep(f.From.Code, f.To.Code) {
				out = append(out, f)
			}
		}
		return rows.Err()
	})
	return out, err
}

// recentRefusals lists refusals newest first that keep passes; at most limit.
func (s *Service) recentRefusals(ctx context.Context, limit int, keep func(client, sender string) bool) ([]RefusalRow, error) {
	var out []RefusalRow
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT at, client_id, sender_code, reason, message FROM axis_refusals ORDER BY id DESC")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(out) < limit {
			var f RefusalRow
			if err := rows.Scan(&f.At, &f.Client, &f.Sender.Code, &f.Reason, &f.Message); err != nil {
				return err
			}
			if keep(f.Client, f.Sender.Code) {
				out = append(out, f)
			}
		}
		return rows.Err()
	})
	return out, err
}

func (h *Pages) pageAdmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	l := h.labels(r)
	v := AdminView{StaleAfter: staleAfter}
	clients, err := h.Auth.Clients(ctx)
	if err != nil {
		return err
	}
	activity, err := h.Axis.clientActivity(ctx)
	if err != nil {
		return err
	}
	clientAgency := map[string]string{}
	for _, c := range clients {
		clientAgency[c.ID] = c.Agency
		if !p.Can(auth.Admin, c.Agency) {
			continue
		}
		row := activity[c.ID]
		row.Client, row.Agency = c, h.ref(c.Agency)
		v.Clients = append(v.Clients, row)
	}
	ix := h.Registry.Index()
	today := agency.Today()
	byLevel := map[agency.Level]*RegistrationRow{}
	for _, lv := range agency.Levels {
		byLevel[lv] = &RegistrationRow{Level: l.get("level."+string(lv), string(lv))}
	}
	for _, a := range ix.All() {
		row := byLevel[a.Level]
		if row == nil || !a.ActiveOn(today) || !p.Can(auth.Admin, a.Code) {
			continue
		}
		row.Agencies++
		if a.OnAxis {
			row.Registered++
			continue
		}
		row.Unregistered++
		if len(v.Unregistered) < 100 {
			v.Unregistered = append(v.Unregistered, UnregisteredRow{AgencyRef: AgencyRef{Code: a.Code, Name: a.Name}, Level: row.Level})
		} else {
			v.MoreUnregistered++
		}
	}
	lang := web.Lang(r)
	for _, lv := range agency.Levels {
		row := byLevel[lv]
		row.Share = percentText(ratio(row.Registered, row.Agencies), lang)
		v.Levels = append(v.Levels, *row)
	}
	v.Failures, err = h.Axis.failures(ctx, h.Axis.db.Now().Add(-staleAfter), 100, func(from, to string) bool {
		return p.Can(auth.Admin, from) || p.Can(auth.Admin, to)
	})
	if err != nil {
		return err
	}
	for i := range v.Failures {
		f := &v.Failures[i]
		f.From, f.To, f.Transport = h.ref(f.From.Code), h.ref(f.To.Code), l.transport(f.Transport.Code)
	}
	v.Refusals, err = h.Axis.recentRefusals(ctx, 50, func(client, sender string) bool {
		return (sender != "" && p.Can(auth.Admin, sender)) || (clientAgency[client] != "" && p.Can(auth.Admin, clientAgency[client])) || p.Can(auth.Admin, auth.Everywhere)
	})
	if err != nil {
		return err
	}
	for i := range v.Refusals {
		if c := v.Refusals[i].Sender.Code; c != "" {
			v.Refusals[i].Sender = h.ref(c)
		}
	}
	sort.SliceStable(v.Clients, func(i, j int) bool { return v.Clients[i].Agency.Code < v.Clients[j].Agency.Code })
	return h.Renderer.Render(w, r, http.StatusOK, "axis_admin", "axis.admin.title", v)
}
