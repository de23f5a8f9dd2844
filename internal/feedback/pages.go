package feedback

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages static
var files embed.FS

// RegisterPages adds the feedback pages and their messages (messages/vi.json, en.json) to the renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(files, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(files, "messages")
}

// PageRoutes returns the public pages (send, look up, published answers) and the officers' pages
// (inbox, item, summary per province).
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/feedback", Page: true, Access: api.Public, Handler: h.pagePublished},
		{Method: "GET", Path: "/feedback/new", Page: true, Access: api.Public, Handler: h.pageNew},
		{Method: "POST", Path: "/feedback/new", Page: true, Access: api.Public, Handler: h.pageSubmit},
		{Method: "GET", Path: "/feedback/lookup", Page: true, Access: api.Public, Handler: h.pageLookup},
		{Method: "GET", Path: "/feedback/{code}", Page: true, Access: api.Public, Handler: h.pageShow},
		{Method: "GET", Path: "/feedback/manage", Page: true, Access: api.OfficersOnly, Handler: h.pageInbox},
		{Method: "GET", Path: "/feedback/manage/{code}", Page: true, Access: api.OfficersOnly, Handler: h.pageItem},
		{Method: "POST", Path: "/feedback/manage/{code}/{action}", Page: true, Access: api.OfficersOnly, Handler: h.pageAct},
		{Method: "GET", Path: "/feedback/summary", Page: true, Access: api.OfficersOnly, Handler: h.pageSummary},
		{Method: "GET", Path: "/feedback/assets/summary.js", Page: true, Access: api.Public, Handler: web.Asset(files, "summary.js")},
	}
}

// checkCSRF compares the form's token with the session's. Anonymous forms (sending feedback) have
// no session to forge; the cross-origin protection of the server covers them.
func checkCSRF(r *http.Request) error {
	if auth.FromContext(r.Context()) == nil {
		return nil
	}
	return web.CheckCSRF(r)
}

// PublishedView is the view of the published answers page.
type PublishedView struct {
	Q       string
	Kind    string
	Kinds   []Kind
	Results []PublicView
	Code    string
}

func (h *Handler) pagePublished(w http.ResponseWriter, r *http.Request) error {
	f, err := publishedFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := h.Feedback.PublishedAnswers(r.Context(), f)
	if err != nil {
		return err
	}
	v := PublishedView{Q: f.Query, Kind: string(f.Kind), Kinds: Kinds, Results: list}
	return h.Pages.Render(w, r, http.StatusOK, "feedback_published", "feedback.published.title", v)
}

func (h *Handler) pageLookup(w http.ResponseWriter, r *http.Request) error {
	code, _, err := ParseCode(r.URL.Query().Get("code"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/feedback/"+url.PathEscape(code), http.StatusSeeOther)
	return nil
}

// NewView is the view of the sending form.
type NewView struct {
	Sub     Submission
	Kinds   []Kind
	Days    map[Kind]int
	Key     string
	Problem *errs.Error
}

func newKey() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Handler) newView(sub Submission, problem *errs.Error) NewView {
	if sub.Kind == "" {
		sub.Kind = Feedback
	}
	key := sub.IdempotencyKey
	if key == "" {
		key = newKey()
	}
	return NewView{Sub: sub, Kinds: Kinds, Days: h.Feedback.opt.Days, Key: key, Problem: problem}
}

func (h *Handler) pageNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sub := Submission{Kind: Kind(q.Get("kind")), Agency: q.Get("agency"), Procedure: q.Get("procedure"), Dossier: q.Get("dossier")}
	if !sub.Kind.Valid() {
		sub.Kind = ""
	}
	return h.Pages.Render(w, r, http.StatusOK, "feedback_new", "feedback.new.title", h.newView(sub, nil))
}

func (h *Handler) pageSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	f := r.PostForm
	sub := Submission{Kind: Kind(f.Get("kind")), Subject: f.Get("subject"), Content: f.Get("content"), Field: f.Get("field"),
		Procedure: f.Get("procedure"), Dossier: f.Get("dossier"), Agency: f.Get("agency"),
		Sender:         Sender{Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone"), Address: f.Get("address")},
		IdempotencyKey: f.Get("key")}
	it, err := h.Feedback.Submit(r.Context(), auth.FromContext(r.Context()), sub)
	if err != nil {
		if e := errs.As(err); e.Code == errs.Invalid || e.Code == errs.Conflict {
			if e.Reason == "idempotency_key_reused" {
				// The form was changed and sent again after a first success: make it a new item.
				sub.IdempotencyKey = ""
			}
			return h.Pages.Render(w, r, api.Status(err), "feedback_new", "feedback.new.title", h.newView(sub, e))
		}
		return err
	}
	http.Redirect(w, r, "/feedback/"+url.PathEscape(it.Code)+"?sent=1", http.StatusSeeOther)
	return nil
}

// ShowView is the view of an item looked up by its code.
type ShowView struct {
	PublicView
	Sent bool
}

func (h *Handler) pageShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.Feedback.Get(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "feedback_show", "feedback.show.title", ShowView{PublicView: *v, Sent: r.URL.Query().Get("sent") == "1"})
}

// Scope is an agency the signed-in officer may open the inbox of.
type Scope struct {
	Code string
	Name string
}

// scopes lists the agencies of the principal's grants that give a view of feedback.
func (h *Handler) scopes(p *auth.Principal) []Scope {
	var out []Scope
	seen := map[string]bool{}
	for _, g := range p.Grants {
		switch g.Role {
		case auth.Admin, auth.Officer, auth.Leader, auth.Viewer:
		default:
			continue
		}
		if g.Agency == auth.Everywhere || seen[g.Agency] {
			continue
		}
		seen[g.Agency] = true
		out = append(out, Scope{Code: g.Agency, Name: h.Feedback.agencies.Name(g.Agency)})
	}
	return out
}

// InboxView is the view of an agency's inbox.
type InboxView struct {
	Agency     string
	AgencyName string
	Scopes     []Scope
	Counts     StatsRow
	// Lists are the overdue items, the items due soon and the filtered list, in this order.
	Lists    []InboxList
	Status   string
	Kind     string
	Q        string
	Statuses []Status
	Kinds    []Kind
}

func (h *Handler) pageInbox(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	q := r.URL.Query()
	v := InboxView{Agency: strings.TrimSpace(q.Get("agency")), Scopes: h.scopes(p), Status: q.Get("status"), Kind: q.Get("kind"),
		Q: q.Get("q"), Statuses: Statuses, Kinds: Kinds}
	if v.Agency == "" && len(v.Scopes) > 0 {
		v.Agency = v.Scopes[0].Code
	}
	if v.Agency == "" {
		if len(p.Grants) == 0 {
			return errs.Reasonf(errs.Forbidden, "missing_role", "the feedback inbox is for officers")
		}
		return h.Pages.Render(w, r, http.StatusOK, "feedback_inbox", "feedback.inbox.title", v)
	}
	if err := mayView(p, v.Agency); err != nil {
		return err
	}
	v.AgencyName = h.Feedback.agencies.Name(v.Agency)
	ctx := r.Context()
	rep, err := h.Feedback.Stats(ctx, p, StatsQuery{Agency: v.Agency})
	if err != nil {
		return err
	}
	v.Counts = rep.Total
	overdue, err := h.Feedback.List(ctx, p, Filter{Agency: v.Agency, Timeliness: Overdue, Limit: 100})
	if err != nil {
		return err
	}
	soon, err := h.Feedback.List(ctx, p, Filter{Agency: v.Agency, Timeliness: DueSoon, Limit: 100})
	if err != nil {
		return err
	}
	f := Filter{Agency: v.Agency, Kind: Kind(v.Kind), Query: v.Q, Limit: 200}
	switch v.Status {
	case "":
		f.Status = []Status{Received, Assigned, Transferred}
	case "all":
	default:
		f.Status = []Status{Status(v.Status)}
	}
	items, err := h.Feedback.List(ctx, p, f)
	if err != nil {
		return err
	}
	v.Lists = []InboxList{{ID: "overdue", TitleKey: "feedback.inbox.overdue", Items: overdue},
		{ID: "due-soon", TitleKey: "feedback.inbox.due_soon", Items: soon},
		{ID: "items", TitleKey: "feedback.inbox.items", Items: items, Filter: true}}
	return h.Pages.Render(w, r, http.StatusOK, "feedback_inbox", "feedback.inbox.title", v)
}

// InboxList is one list of the inbox; Filter puts the filter form above it.
type InboxList struct {
	ID       string
	TitleKey string
	Items    []*Item
	Filter   bool
}

// ItemView is the view of an item's page for officers.
type ItemView struct {
	Item    *Item
	CanAct  bool
	Done    string
	Problem *errs.Error
	Form    url.Values
}

func (h *Handler) pageItem(w http.ResponseWriter, r *http.Request) error {
	return h.renderItem(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) renderItem(w http.ResponseWriter, r *http.Request, status int, problem *errs.Error, form url.Values) error {
	p := auth.FromContext(r.Context())
	it, err := h.Feedback.Detail(r.Context(), p, r.PathValue("code"))
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	v := ItemView{Item: it, CanAct: mayAct(p, it.Agency) == nil, Done: r.URL.Query().Get("done"), Problem: problem, Form: form}
	return h.Pages.Render(w, r, status, "feedback_item", "feedback.item.title", v)
}

func (h *Handler) pageAct(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	ctx, by, code := r.Context(), auth.FromContext(r.Context()), r.PathValue("code")
	action := r.PathValue("action")
	var err error
	switch action {
	case "assign":
		_, err = h.Feedback.Assign(ctx, by, code, Assignment{Assignee: f.Get("assignee"), Note: f.Get("note"), Version: version})
	case "transfer":
		_, err = h.Feedback.Transfer(ctx, by, code, Transfer{Agency: f.Get("agency"), Reason: f.Get("reason"), Version: version})
	case "answer":
		_, err = h.Feedback.Answer(ctx, by, code, Reply{Text: f.Get("text"), Officer: f.Get("officer"), Title: f.Get("title"), Version: version})
	case "publish":
		_, err = h.Feedback.Publish(ctx, by, code, Publication{Version: version})
	case "reject":
		_, err = h.Feedback.Reject(ctx, by, code, Rejection{Reason: f.Get("reason"), Version: version})
	default:
		return errs.Reasonf(errs.NotFound, "no_route", "there is no step %q", action)
	}
	if err != nil {
		if e := errs.As(err); e.Code == errs.Invalid || e.Code == errs.Conflict {
			return h.renderItem(w, r, api.Status(err), e, f)
		}
		return err
	}
	canon, _, _ := ParseCode(code)
	target := "/feedback/manage/" + url.PathEscape(canon) + "?done=" + action
	if action == "transfer" {
		// The item has left the agency; its officers may no longer see it.
		target = "/feedback/manage?done=transfer"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// SummaryView is the view of the per-province summary.
type SummaryView struct {
	Report *Report
	// From and To are the period's first and last days (yyyy-mm-dd) when one was chosen.
	From, To string
	Chart    summaryChart
}

// summaryChart is what the chart script draws, written into the page as JSON.
type summaryChart struct {
	Labels    map[string]string `json:"labels"`
	Provinces []string          `json:"provinces"`
	Overdue   []int             `json:"overdue"`
	DueSoon   []int             `json:"due_soon"`
	Open      []int             `json:"in_progress"`
}

func (h *Handler) pageSummary(w http.ResponseWriter, r *http.Request) error {
	q, err := statsQueryOf(r.URL.Query(), h.Feedback.cal.Location())
	if err != nil {
		return err
	}
	rep, err := h.Feedback.Stats(r.Context(), auth.FromContext(r.Context()), q)
	if err != nil {
		return err
	}
	msgs := h.Pages.Messages(web.Lang(r))
	c := summaryChart{Labels: map[string]string{}, Provinces: []string{}, Overdue: []int{}, DueSoon: []int{}, Open: []int{}}
	for _, k := range chartLabels {
		c.Labels[strings.TrimPrefix(k, "feedback.summary.")] = msgs[k]
	}
	for _, p := range rep.Provinces {
		// The chart names the province, not its People's Committee, to keep the labels short.
		name := strings.TrimPrefix(strings.TrimPrefix(p.Name, "Ủy ban nhân dân tỉnh "), "Ủy ban nhân dân thành phố ")
		if name == "" {
			name = p.Code
		}
		c.Provinces = append(c.Provinces, name)
		c.Overdue = append(c.Overdue, p.Overdue)
		c.DueSoon = append(c.DueSoon, p.DueSoon)
		c.Open = append(c.Open, p.InProgress-p.DueSoon)
	}
	v := SummaryView{Report: rep, Chart: c}
	loc := h.Feedback.cal.Location()
	if rep.From != nil {
		v.From = rep.From.In(loc).Format(time.DateOnly)
	}
	if rep.To != nil {
		v.To = rep.To.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return h.Pages.Render(w, r, http.StatusOK, "feedback_summary", "feedback.summary.title", v)
}

// chartLabels are the message keys the chart script shows.
var chartLabels = []string{"feedback.summary.overdue", "feedback.summary.due_soon", "feedback.summary.on_track"}
