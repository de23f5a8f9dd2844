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
