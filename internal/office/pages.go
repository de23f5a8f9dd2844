package office

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages static
var pageFiles embed.FS

// DefaultAgency is the agency the pages open when the officer's grants name none (a grant on
// every agency, "*").
const DefaultAgency = "000.00.00.H36"

// RegisterPages adds the office pages and their messages (messages/vi.json, en.json) to the renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(pageFiles, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(pageFiles, "messages")
}

// PageRoutes returns the office pages: the clerk's desk, outgoing and incoming documents with their
// steps, the officer's own work, work files with the electronic-processing rates, and the
// registers. Every page is for officers; the service checks the agency scope of each step.
func (h *Handler) PageRoutes() []api.Route {
	o := api.OfficersOnly
	return []api.Route{
		{Method: "GET", Path: "/office", Page: true, Access: o, Handler: h.pageDesk},
		{Method: "GET", Path: "/office/outgoing", Page: true, Access: o, Handler: h.pageOutgoingList},
		{Method: "GET", Path: "/office/outgoing/new", Page: true, Access: o, Handler: h.pageDraftForm},
		{Method: "POST", Path: "/office/outgoing/new", Page: true, Access: o, Handler: h.pageCreateDraft, MaxBody: maxUpload},
		{Method: "GET", Path: "/office/outgoing/{id}", Page: true, Access: o, Handler: h.pageOutgoing},
		{Method: "POST", Path: "/office/outgoing/{id}/transition", Page: true, Access: o, Handler: h.pageTransition},
		{Method: "POST", Path: "/office/outgoing/{id}/resend", Page: true, Access: o, Handler: h.pageResend},
		{Method: "GET", Path: "/office/incoming", Page: true, Access: o, Handler: h.pageIncomingList},
		{Method: "POST", Path: "/office/incoming/axis", Page: true, Access: o, Handler: h.pageFromAxis},
		{Method: "GET", Path: "/office/incoming/paper", Page: true, Access: o, Handler: h.pagePaperForm},
		{Method: "POST", Path: "/office/incoming/paper", Page: true, Access: o, Handler: h.pageRegisterPaper, MaxBody: maxUpload},
		{Method: "GET", Path: "/office/incoming/{id}", Page: true, Access: o, Handler: h.pageIncoming},
		{Method: "POST", Path: "/office/incoming/{id}/{action}", Page: true, Access: o, Handler: h.pageIncomingAct},
		{Method: "POST", Path: "/office/assignments/{id}/{action}", Page: true, Access: o, Handler: h.pageAssignmentAct},
		{Method: "GET", Path: "/office/my-work", Page: true, Access: o, Handler: h.pageMyWork},
		{Method: "GET", Path: "/office/files", Page: true, Access: o, Handler: h.pageFiles},
		{Method: "POST", Path: "/office/files", Page: true, Access: o, Handler: h.pageCreateFile},
		{Method: "GET", Path: "/office/files/{id}", Page: true, Access: o, Handler: h.pageFile},
		{Method: "POST", Path: "/office/files/{id}/{action}", Page: true, Access: o, Handler: h.pageFileAct},
		{Method: "GET", Path: "/office/registers", Page: true, Access: o, Handler: h.pageRegisters},
		{Method: "GET", Path: "/office/static/{name}", Page: true, Access: o, Handler: serveStatic},
	}
}

// serveStatic serves the pages' own script and style sheet from the package, under the page's
// origin (the content security policy allows scripts and styles from 'self' only).
func serveStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	b, err := pageFiles.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		return errs.Reasonf(errs.NotFound, "no_route", "there is nothing at %s", r.URL.Path)
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b)
	return err
}

// ---- shared pieces ----

// Scope is an agency the signed-in officer works for, offered in the agency picker.
type Scope struct {
	Code string
	Name string
}

// Frame is what every office page shows above its content: the agency it is about and the links
// between the pages.
type Frame struct {
	Agency     string
	AgencyName string
	Scopes     []Scope
	// Section names the current page for the local navigation (desk, outgoing, incoming, my-work,
	// files, registers).
	Section string
	// Done names the step that just succeeded (office.done.*), from ?done=.
	Done string
}

// Choice is an option of a select with its Vietnamese and English labels.
type Choice struct {
	Value string
	Vi    string
	En    string
}

// Label returns the choice's label in lang.
func (c Choice) Label(lang string) string {
	if lang == "en" {
		return c.En
	}
	return c.Vi
}

var (
	urgencyChoices = func() []Choice {
		var out []Choice
		for u := vn.UrgencyNormal; u <= vn.UrgencyImmediate; u++ {
			out = append(out, Choice{Value: strconv.Itoa(int(u)), Vi: u.Vietnamese(), En: u.String()})
		}
		return out
	}()
	confidentialityChoices = func() []Choice {
		var out []Choice
		for c := vn.Unclassified; c <= vn.TopSecret; c++ {
			out = append(out, Choice{Value: strconv.Itoa(int(c)), Vi: c.Vietnamese(), En: c.String()})
		}
		return out
	}()
	outStatuses = []OutStatus{Draft, Submitted, Approved, Signed, Issued, Cancelled}
	inStatuses  = []InStatus{Arrived, Registered, Assigned, InProgress, Done, Refused}
)

func newKey() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// scopes lists the agencies of the principal's grants (not the "*" grant), in grant order.
func (h *Handler) scopes(p *auth.Principal) []Scope {
	var out []Scope
	seen := map[string]bool{}
	if p == nil {
		return nil
	}
	for _, g := range p.Grants {
		if g.Agency == auth.Everywhere || seen[g.Agency] {
			continue
		}
		seen[g.Agency] = true
		out = append(out, Scope{Code: g.Agency, Name: h.Office.agencyName(g.Agency)})
	}
	return out
}

// frame builds the frame of a page for agency, or for the agency the request chooses: ?agency=,
// else the principal's first grant agency, else DefaultAgency.
func (h *Handler) frame(r *http.Request, section, agency string) Frame {
	p := principal(r)
	f := Frame{Scopes: h.scopes(p), Section: section, Done: r.URL.Query().Get("done"), Agency: strings.TrimSpace(agency)}
	if f.Agency == "" {
		f.Agency = strings.TrimSpace(r.URL.Query().Get("agency"))
	}
	if f.Agency == "" && len(f.Scopes) > 0 {
		f.Agency = f.Scopes[0].Code
	}
	if f.Agency == "" {
		f.Agency = DefaultAgency
	}
	f.AgencyName = h.Office.agencyName(f.Agency)
	return f
}

// problemOf returns the error to show inside the page, or nil when err should be rendered as an
// error page instead (not found, forbidden, internal).
func problemOf(err error) *errs.Error {
	e := errs.As(err)
	switch e.Code {
	case errs.Invalid, errs.Conflict, errs.TooLarge, errs.Unavailable:
		return e
	}
	return nil
}

// fieldErrors groups an error's field messages by form field: recipients[2].agency → recipients.
func fieldErrors(e *errs.Error) map[string][]string {
	out := map[string][]string{}
	if e == nil {
		return out
	}
	for _, f := range e.Fields {
		key := f.Field
		if i := strings.IndexAny(key, "[."); i > 0 {
			key = key[:i]
		}
		out[key] = append(out[key], f.Message)
	}
	switch e.Reason {
	case "not_pdf":
		out["main"] = append(out["main"], e.Message)
	case "bad_file_type", "empty_file", "file_too_large", "too_many_files":
		out["files"] = append(out["files"], e.Message)
	}
	return out
}

// parseForm reads a POSTed form (multipart or URL-encoded) and checks its anti-forgery token.
func parseForm(r *http.Request) (url.Values, *multipart.Form, error) {
	if isMultipart(r) {
		f, err := form(r)
		if err != nil {
			return url.Values{}, nil, err
		}
		if err := web.CheckCSRF(r); err != nil {
			f.RemoveAll()
			return nil, nil, err
		}
		return url.Values(f.Value), f, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, nil, errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return nil, nil, err
	}
	return r.PostForm, nil, nil
}

// uploadsOf returns the files chosen in a multipart field, leaving out the empty part a browser
// sends when no file was chosen. The caller closes them with closeAll.
func uploadsOf(f *multipart.Form, field string) ([]Upload, error) {
	if f == nil {
		return nil, nil
	}
	var out []Upload
	for _, fh := range f.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		file, err := fh.Open()
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, Upload{Name: fh.Filename, Body: file})
	}
	return out, nil
}

func closeAll(ups []Upload) {
	for _, u := range ups {
		if c, ok := u.Body.(interface{ Close() error }); ok {
			c.Close()
		}
	}
}

// splitList splits a typed list on commas, semicolons and line breaks, dropping empty entries.
func splitList(s string, spaces bool) []string {
	sep := func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || (spaces && (r == ' ' || r == '\t'))
	}
	var out []string
	for _, p := range strings.FieldsFunc(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func redirect(w http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// EventView is a step of a timeline.
type EventView struct {
	Event
}

// Who names whoever made the step.
func (e EventView) Who() string {
	if e.ActorName != "" {
		return e.ActorName
	}
	return e.Actor
}

// Label names the step for the timeline (office.event.*); steps without a name show as "other".
func (e EventView) Label() string {
	if eventLabels[e.Action] {
		return e.Action
	}
	return "other"
}

// eventLabels are the steps the timeline names.
var eventLabels = map[string]bool{"create": true, "edit": true, "submit": true, "approve": true, "sign": true, "issue": true,
	"return": true, "cancel": true, "sent": true, "send_failed": true, "pick_up": true, "register": true, "refuse": true,
	"assign": true, "start": true, "forward": true, "opinion": true, "complete": true, "complete_assignment": true,
	actRelation: true, actSuperseded: true}

func eventViews(es []Event) []EventView {
	out := make([]EventView, 0, len(es))
	for _, e := range es {
		out = append(out, EventView{e})
	}
	return out
}

// ---- the desk ----

// DeskCounts are the figures of the clerk's desk.
type DeskCounts struct {
	Drafts, Submitted, Approved, Signed, Issued, SendFailed int
	Arrived, Registered, Assigned, InProgress               int
	// AxisWaiting is the number of documents waiting in the axis inbox; -1 when the caller may not
	// see the inbox or the node has no axis.
	AxisWaiting      int
	Overdue, DueSoon int
}

// DeskView is the view of the clerk's desk.
type DeskView struct {
	Frame
	Counts DeskCounts
	Mine   int
}

// deskCounts counts an agency's documents by status (read-only; the caller's view of the agency is
// checked first).
func (s *Service) deskCounts(ctx context.Context, by *auth.Principal, agency string) (DeskCounts, error) {
	var c DeskCounts
	if err := needLogin(by); err != nil {
		return c, err
	}
	if !mayView(by, agency) {
		return c, notYourAgency(by, agency, "see the documents")
	}
	count := func(tx *db.Tx, q string, set func(status string, n int)) error {
		rows, err := tx.Query(ctx, q, agency)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			set(st, n)
		}
		return rows.Err()
	}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		if err := count(tx, "SELECT status, COUNT(*) FROM office_outgoing WHERE agency_code = ? GROUP BY status", func(st string, n int) {
			switch OutStatus(st) {
			case Draft:
				c.Drafts = n
			case Submitted:
				c.Submitted = n
			case Approved:
				c.Approved = n
			case Signed:
				c.Signed = n
			case Issued:
				c.Issued = n
			}
		}); err != nil {
			return err
		}
		if err := count(tx, "SELECT send_state, COUNT(*) FROM office_outgoing WHERE agency_code = ? AND status = 'issued' GROUP BY send_state", func(st string, n int) {
			if st == SendFailed {
				c.SendFailed = n
			}
		}); err != nil {
			return err
		}
		return count(tx, "SELECT status, COUNT(*) FROM office_incoming WHERE agency_code = ? GROUP BY status", func(st string, n int) {
			switch InStatus(st) {
			case Arrived:
				c.Arrived = n
			case Registered:
				c.Registered = n
			case Assigned:
				c.Assigned = n
			case InProgress:
				c.InProgress = n
			}
		})
	})
	return c, err
}

func (h *Handler) pageDesk(w http.ResponseWriter, r *http.Request) error {
	ctx, p := r.Context(), principal(r)
	v := DeskView{Frame: h.frame(r, "desk", "")}
	c, err := h.Office.deskCounts(ctx, p, v.Agency)
	if err != nil {
		return err
	}
	c.AxisWaiting = -1
	if partiesOf(p, v.Agency)&(ByClerk|ByLeader) != 0 {
		if items, err := h.Office.AxisInbox(ctx, p, v.Agency); err == nil {
			c.AxisWaiting = len(items)
		}
	}
	dl, err := h.Office.Deadlines(ctx, p, DeadlineQuery{Agency: v.Agency, Limit: 1000})
	if err != nil {
		return err
	}
	for _, it := range dl {
		switch it.Timeliness {
		case Overdue:
			c.Overdue++
		case DueSoon:
			c.DueSoon++
		}
	}
	v.Counts = c
	mine, err := h.Office.myAssignments(ctx, p)
	if err != nil {
		return err
	}
	v.Mine = len(mine)
	return h.Pages.Render(w, r, http.StatusOK, "office_desk", "office.desk.title", v)
}

// ---- outgoing documents ----

// OutgoingListView is the view of the outgoing documents list.
type OutgoingListView struct {
	Frame
	Status   string
	Q        string
	Statuses []OutStatus
	Docs     []Outgoing
	// More is set when the list was cut short.
	More bool
}

// searchLimit bounds the documents a diacritics-insensitive search reads.
const searchLimit = 5000

func (h *Handler) pageOutgoingList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := OutgoingListView{Frame: h.frame(r, "outgoing", ""), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), Statuses: outStatuses}
	docs, more, err := h.searchOutgoing(r.Context(), principal(r), v.Agency, OutStatus(v.Status), v.Q, 200)
	if err != nil {
		return err
	}
	v.Docs, v.More = docs, more
	return h.Pages.Render(w, r, http.StatusOK, "office_outgoing", "office.outgoing.title", v)
}

// searchOutgoing lists an agency's outgoing documents whose subject, summary, number or signer
// contain the query, ignoring case and diacritics ("quyet dinh" finds "Quyết định").
func (h *Handler) searchOutgoing(ctx context.Context, p *auth.Principal, agency string, status OutStatus, q string, max int) ([]Outgoing, bool, error) {
	fq := vn.Fold(q)
	out := []Outgoing{}
	for off := 0; off < searchLimit; off += 500 {
		page, err := h.Office.ListOutgoing(ctx, p, OutgoingQuery{Agency: agency, Status: status, Limit: 500, Offset: off})
		if err != nil {
			return nil, false, err
		}
		for _, o := range page {
			if fq != "" && !strings.Contains(vn.Fold(strings.Join([]string{o.Subject, o.Summary, o.NumberNotation, o.SignerName, o.TypeName}, " ")), fq) {
				continue
			}
			if len(out) == max {
				return out, true, nil
			}
			out = append(out, o)
		}
		if len(page) < 500 {
			return out, false, nil
		}
	}
	return out, true, nil
}

// DraftFormView is the view of the drafting form.
type DraftFormView struct {
	Frame
	Types             []vn.DocumentType
	Urgencies         []Choice
	Confidentialities []Choice
	Form              url.Values
	Key               string
	Problem           *errs.Error
	Errors            map[string][]string
	// Relation is set when the draft recalls, updates or replaces an earlier document.
	Relation *Relation
}

func (h *Handler) draftForm(fr Frame, form url.Values, problem *errs.Error) DraftFormView {
	if form == nil {
		form = url.Values{}
	}
	key := form.Get("key")
	if key == "" {
		key = newKey()
	}
	return DraftFormView{Frame: fr, Types: vn.DocumentTypes(), Urgencies: urgencyChoices, Confidentialities: confidentialityChoices,
		Form: form, Key: key, Problem: problem, Errors: fieldErrors(problem), Relation: relationOfForm(form)}
}

func (h *Handler) pageDraftForm(w http.ResponseWriter, r *http.Request) error {
	form, err := h.prefillRelation(r)
	if err != nil {
		return err
	}
	v := h.draftForm(h.frame(r, "outgoing", form.Get("agency")), form, nil)
	return h.Pages.Render(w, r, http.StatusOK, "office_outgoing_new", "office.outgoing.new.title", v)
}

// draftOf reads the drafting form.
func draftOf(f url.Values) (DraftInput, error) {
	d := DraftInput{Agency: f.Get("agency"), Type: f.Get("type"), Subject: f.Get("subject"), Summary: f.Get("summary"),
		DraftingUnit: f.Get("drafting_unit"), DraftingUnitAbbreviation: f.Get("drafting_unit_abbreviation"),
		SignerName: f.Get("signer_name"), SignerTitle: f.Get("signer_title"), SignerCompetence: f.Get("signer_competence"),
		Urgency: f.Get("urgency"), Confidentiality: f.Get("confidentiality"), Place: f.Get("place"), Keeper: f.Get("keeper"),
		Note: f.Get("note"), DueDate: f.Get("due_date"), IdempotencyKey: f.Get("key"), Recipients: []Recipient{}}
	if c := strings.TrimSpace(f.Get("copies")); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil {
			return d, errs.Reasonf(errs.Invalid, "bad_document", "the document cannot be saved as it is").
				WithFields(errs.FieldError{Field: "copies", Message: fmt.Sprintf("%q is not a number", c)})
		}
		d.Copies = n
	}
	for _, code := range splitList(f.Get("recipients"), true) {
		d.Recipients = append(d.Recipients, Recipient{Agency: code})
	}
	for _, name := range splitList(f.Get("paper_recipients"), false) {
		d.Recipients = append(d.Recipients, Recipient{Name: name})
	}
	d.Relation = relationOfForm(f)
	return d, nil
}

func (h *Handler) pageCreateDraft(w http.ResponseWriter, r *http.Request) error {
	vals, mf, err := parseForm(r)
	if mf != nil {
		defer mf.RemoveAll()
	}
	render := func(err error) error {
		e := problemOf(err)
		if e == nil {
			return err
		}
		if e.Reason == "idempotency_key_reused" {
			// The form was changed and sent again after a first success: a new send is a new draft.
			vals.Set("key", "")
		}
		v := h.draftForm(h.frame(r, "outgoing", vals.Get("agency")), vals, e)
		return h.Pages.Render(w, r, api.Status(err), "office_outgoing_new", "office.outgoing.new.title", v)
	}
	if err != nil {
		if vals == nil {
			return err
		}
		return render(err)
	}
	d, err := draftOf(vals)
	if err != nil {
		return render(err)
	}
	mains, err := uploadsOf(mf, "main")
	if err != nil {
		return err
	}
	defer closeAll(mains)
	if len(mains) > 1 {
		return render(errs.Reasonf(errs.Invalid, "bad_request", "one main file (the document's PDF), not %d", len(mains)))
	}
	if len(mains) == 1 {
		d.Main = &mains[0]
	}
	if d.Attachments, err = uploadsOf(mf, "attachment"); err != nil {
		return err
	}
	defer closeAll(d.Attachments)
	o, err := h.Office.CreateDraft(r.Context(), principal(r), d)
	if err != nil {
		return render(err)
	}
	return redirect(w, r, fmt.Sprintf("/office/outgoing/%d?done=created", o.ID))
}

// OutAction is a status change the viewer may make now.
type OutAction struct {
	To OutStatus
	// Key names the step (office.action.*).
	Key         string
	NeedsReason bool
	// Method is set for signing: the form asks how the document was signed.
	Method  bool
	Primary bool
}

// OutgoingView is the view of an outgoing document's page.
type OutgoingView struct {
	Frame
	Doc       *Outgoing
	Actions   []OutAction
	CanResend bool
	// CanSupersede: the viewer may draft a document recalling, updating or replacing this one.
	CanSupersede bool
	Events       []EventView
	Problem      *errs.Error
	Form         url.Values
}

// actionsFor lists the transitions the table allows p on o now.
func actionsFor(p *auth.Principal, o *Outgoing) []OutAction {
	parties := partiesOf(p, o.Agency)
	var out []OutAction
	for _, rule := range Rules {
		if rule.From != o.Status || rule.By&parties == 0 {
			continue
		}
		a := OutAction{To: rule.To, Key: actionNames[rule.To], NeedsReason: rule.NeedsReason, Method: rule.To == Signed}
		a.Primary = rule.To != Draft && rule.To != Cancelled
		out = append(out, a)
	}
	return out
}

func (h *Handler) pageOutgoing(w http.ResponseWriter, r *http.Request) error {
	return h.renderOutgoing(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) renderOutgoing(w http.ResponseWriter, r *http.Request, status int, problem *errs.Error, form url.Values) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	o, err := h.Office.GetOutgoing(r.Context(), p, id)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	v := OutgoingView{Frame: h.frame(r, "outgoing", o.Agency), Doc: o, Actions: actionsFor(p, o), Events: eventViews(o.Events),
		Problem: problem, Form: form}
	v.CanResend = o.Status == Issued && (o.SendState == SendFailed || o.SendState == SendPending) && partiesOf(p, o.Agency)&(ByClerk|ByLeader) != 0
	v.CanSupersede = canSupersede(p, o)
	return h.Pages.Render(w, r, status, "office_outgoing_show", "office.outgoing.show.title", v)
}

func (h *Handler) pageTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(f.Get("version"))
	c := Change{To: OutStatus(f.Get("to")), Reason: f.Get("reason"), Method: f.Get("method"), Version: version}
	if _, err := h.Office.Transition(r.Context(), principal(r), id, c); err != nil {
		if e := problemOf(err); e != nil {
			return h.renderOutgoing(w, r, api.Status(err), e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/outgoing/%d?done=%s", id, url.QueryEscape(actionNames[c.To])))
}

func (h *Handler) pageResend(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	if _, err := h.Office.Resend(r.Context(), principal(r), id); err != nil {
		if e := problemOf(err); e != nil {
			return h.renderOutgoing(w, r, api.Status(err), e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/outgoing/%d?done=resend", id))
}

// ---- incoming documents ----

// IncomingListView is the view of the incoming documents list with the axis inbox.
type IncomingListView struct {
	Frame
	Status   string
	Q        string
	Statuses []InStatus
	Docs     []Incoming
	More     bool
	// ShowInbox is set for the agency's clerks and leaders; InboxError says why the inbox could
	// not be read.
	ShowInbox  bool
	Inbox      []axis.InboxItem
	InboxError string
	CanPaper   bool
	Problem    *errs.Error
	Form       url.Values
}

func (h *Handler) pageIncomingList(w http.ResponseWriter, r *http.Request) error {
	return h.renderIncomingList(w, r, http.StatusOK, "", nil, nil)
}

func (h *Handler) renderIncomingList(w http.ResponseWriter, r *http.Request, status int, agency string, problem *errs.Error, form url.Values) error {
	ctx, p, q := r.Context(), principal(r), r.URL.Query()
	if form == nil {
		form = url.Values{}
	}
	v := IncomingListView{Frame: h.frame(r, "incoming", agency), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), Statuses: inStatuses,
		Problem: problem, Form: form}
	fq := vn.Fold(v.Q)
	for off := 0; off < searchLimit && !v.More; off += 500 {
		page, err := h.Office.ListIncoming(ctx, p, IncomingQuery{Agency: v.Agency, Status: InStatus(v.Status), Limit: 500, Offset: off})
		if err != nil {
			return err
		}
		for _, in := range page {
			if fq != "" && !strings.Contains(vn.Fold(strings.Join([]string{in.Subject, in.Summary, in.NumberNotation, in.SenderName, in.TypeName}, " ")), fq) {
				continue
			}
			if len(v.Docs) == 200 {
				v.More = true
				break
			}
			v.Docs = append(v.Docs, in)
		}
		if len(page) < 500 {
			break
		}
	}
	parties := partiesOf(p, v.Agency)
	v.CanPaper = parties&ByClerk != 0
	if parties&(ByClerk|ByLeader) != 0 {
		v.ShowInbox = true
		items, err := h.Office.AxisInbox(ctx, p, v.Agency)
		if err != nil {
			v.InboxError = errs.As(err).Message
		}
		v.Inbox = items
	}
	return h.Pages.Render(w, r, status, "office_incoming", "office.incoming.title", v)
}

func (h *Handler) pageFromAxis(w http.ResponseWriter, r *http.Request) error {
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	ctx, p, agency, axisID := r.Context(), principal(r), f.Get("agency"), f.Get("axis_id")
	var in *Incoming
	action := f.Get("action")
	switch action {
	case "register":
		in, err = h.Office.RegisterFromAxis(ctx, p, axisID, agency)
	case "refuse":
		in, err = h.Office.RefuseFromAxis(ctx, p, axisID, agency, f.Get("reason"))
	case "pickup":
		in, err = h.Office.PickUp(ctx, p, axisID, agency)
	default:
		err = errs.Reasonf(errs.Invalid, "bad_action", "action %q: want register, refuse or pickup", action)
	}
	if err != nil {
		if e := problemOf(err); e != nil {
			return h.renderIncomingList(w, r, api.Status(err), agency, e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/incoming/%d?done=%s", in.ID, action))
}

// PaperFormView is the view of the paper registration form.
type PaperFormView struct {
	Frame
	Types             []vn.DocumentType
	Urgencies         []Choice
	Confidentialities []Choice
	Form              url.Values
	Key               string
	Problem           *errs.Error
	Errors            map[string][]string
}

func (h *Handler) paperForm(fr Frame, form url.Values, problem *errs.Error) PaperFormView {
	if form == nil {
		form = url.Values{}
	}
	key := form.Get("key")
	if key == "" {
		key = newKey()
	}
	return PaperFormView{Frame: fr, Types: vn.DocumentTypes(), Urgencies: urgencyChoices, Confidentialities: confidentialityChoices,
		Form: form, Key: key, Problem: problem, Errors: fieldErrors(problem)}
}

func (h *Handler) pagePaperForm(w http.ResponseWriter, r *http.Request) error {
	v := h.paperForm(h.frame(r, "incoming", ""), nil, nil)
	return h.Pages.Render(w, r, http.StatusOK, "office_incoming_paper", "office.paper.title", v)
}

func (h *Handler) pageRegisterPaper(w http.ResponseWriter, r *http.Request) error {
	vals, mf, err := parseForm(r)
	if mf != nil {
		defer mf.RemoveAll()
	}
	render := func(err error) error {
		e := problemOf(err)
		if e == nil {
			return err
		}
		if e.Reason == "idempotency_key_reused" {
			vals.Set("key", "")
		}
		v := h.paperForm(h.frame(r, "incoming", vals.Get("agency")), vals, e)
		return h.Pages.Render(w, r, api.Status(err), "office_incoming_paper", "office.paper.title", v)
	}
	if err != nil {
		if vals == nil {
			return err
		}
		return render(err)
	}
	pd := PaperDocument{Agency: vals.Get("agency"), Sender: vals.Get("sender"), SenderName: vals.Get("sender_name"), Type: vals.Get("type"),
		NumberNotation: vals.Get("number_notation"), DocumentDate: vals.Get("document_date"), Subject: vals.Get("subject"),
		Summary: vals.Get("summary"), SignerName: vals.Get("signer_name"), SignerTitle: vals.Get("signer_title"),
		Urgency: vals.Get("urgency"), Confidentiality: vals.Get("confidentiality"), DueDate: vals.Get("due_date"), Note: vals.Get("note"),
		IdempotencyKey: vals.Get("key")}
	if pd.Scans, err = uploadsOf(mf, "scan"); err != nil {
		return err
	}
	defer closeAll(pd.Scans)
	in, err := h.Office.RegisterPaper(r.Context(), principal(r), pd)
	if err != nil {
		return render(err)
	}
	return redirect(w, r, fmt.Sprintf("/office/incoming/%d?done=registered", in.ID))
}

// AssignmentView is an assignment with what the viewer may do with it.
type AssignmentView struct {
	Assignment
	Mine bool
	// CanAct is set when the viewer may forward or complete it (its assignee, or a leader or clerk).
	CanAct bool
}

// IncomingView is the view of an incoming document's page.
type IncomingView struct {
	Frame
	Doc         *Incoming
	Assignments []AssignmentView
	CanRegister bool
	CanAssign   bool
	Events      []EventView
	Problem     *errs.Error
	Form        url.Values
	// Action is the form that failed, to open it again.
	Action string
}

func (h *Handler) pageIncoming(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	return h.renderIncoming(w, r, http.StatusOK, id, "", nil, nil)
}

func (h *Handler) renderIncoming(w http.ResponseWriter, r *http.Request, status int, id int64, action string, problem *errs.Error, form url.Values) error {
	p := principal(r)
	in, err := h.Office.GetIncoming(r.Context(), p, id)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	parties := partiesOf(p, in.Agency)
	boss := parties&(ByLeader|ByClerk) != 0
	v := IncomingView{Frame: h.frame(r, "incoming", in.Agency), Doc: in, Events: eventViews(in.Events), Problem: problem, Form: form, Action: action,
		CanRegister: in.Status == Arrived && parties&ByClerk != 0,
		CanAssign:   boss && in.Status != Arrived && in.Status != Refused && in.Status != Done}
	for _, a := range in.Assignments {
		mine := a.Assignee != "" && a.Assignee == p.ID
		open := a.Status == AssignOpen || a.Status == AssignStarted
		v.Assignments = append(v.Assignments, AssignmentView{Assignment: a, Mine: mine && open, CanAct: open && (mine || boss)})
	}
	return h.Pages.Render(w, r, status, "office_incoming_show", "office.incoming.show.title", v)
}

func (h *Handler) pageIncomingAct(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	ctx, p, action := r.Context(), principal(r), r.PathValue("action")
	switch action {
	case "register":
		_, err = h.Office.Register(ctx, p, id, Registration{Note: f.Get("note")})
	case "refuse":
		_, err = h.Office.Refuse(ctx, p, id, f.Get("reason"))
	case "assign":
		days := 0
		if s := strings.TrimSpace(f.Get("due_days")); s != "" {
			if days, err = strconv.Atoi(s); err != nil {
				err = errs.Reasonf(errs.Invalid, "bad_deadline", "%q is not a number of working days", s)
				break
			}
		}
		_, err = h.Office.Assign(ctx, p, id, AssignRequest{Assignee: f.Get("assignee"), Department: f.Get("department"), Role: f.Get("role"),
			DueDays: days, DueDate: f.Get("due_date"), Note: f.Get("note"), IdempotencyKey: f.Get("key")})
	case "opinion":
		aid, _ := strconv.ParseInt(f.Get("assignment_id"), 10, 64)
		_, err = h.Office.AddOpinion(ctx, p, id, OpinionRequest{Text: f.Get("text"), AssignmentID: aid})
	default:
		return errs.Reasonf(errs.NotFound, "no_route", "there is no step %q", action)
	}
	if err != nil {
		if e := problemOf(err); e != nil {
			return h.renderIncoming(w, r, api.Status(err), id, action, e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/incoming/%d?done=%s", id, action))
}

func (h *Handler) pageAssignmentAct(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	ctx, p, action := r.Context(), principal(r), r.PathValue("action")
	var a *Assignment
	switch action {
	case "start":
		a, err = h.Office.Start(ctx, p, id)
	case "forward":
		a, err = h.Office.Forward(ctx, p, id, ForwardRequest{To: f.Get("to"), Department: f.Get("department"), Note: f.Get("note")})
	case "complete":
		a, err = h.Office.Complete(ctx, p, id, CompleteRequest{Result: f.Get("result")})
	default:
		return errs.Reasonf(errs.NotFound, "no_route", "there is no step %q", action)
	}
	incoming, _ := strconv.ParseInt(f.Get("incoming"), 10, 64)
	if err != nil {
		if e := problemOf(err); e != nil && incoming > 0 {
			return h.renderIncoming(w, r, api.Status(err), incoming, action, e, f)
		}
		return err
	}
	if f.Get("back") == "my-work" {
		return redirect(w, r, "/office/my-work?done="+action)
	}
	return redirect(w, r, fmt.Sprintf("/office/incoming/%d?done=%s", a.IncomingID, action))
}

// ---- my work ----

// MyWorkView is the view of the signed-in officer's assignments.
type MyWorkView struct {
	Frame
	// Urgent are the overdue and due-soon assignments, the most urgent first; Others the rest.
	Urgent []DeadlineItem
	Others []DeadlineItem
}

// myAssignments lists the open assignments of the signed-in officer, by deadline (read-only).
func (s *Service) myAssignments(ctx context.Context, by *auth.Principal) ([]DeadlineItem, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	now := s.db.Now()
	out := []DeadlineItem{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		cols := "a." + strings.ReplaceAll(assignmentColumns, ", ", ", a.")
		rows, err := tx.Query(ctx, "SELECT "+cols+", i.subject, i.sender_name, i.code_number, i.code_notation, i.number"+
			" FROM office_assignments a JOIN office_incoming i ON i.id = a.incoming_id WHERE a.assignee = ? AND a.status IN (?, ?)"+
			" ORDER BY CASE WHEN a.deadline IS NULL THEN 1 ELSE 0 END, a.deadline, a.id LIMIT 1000", by.ID, AssignOpen, AssignStarted)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it DeadlineItem
			var number, fwd sql.NullInt64
			var cn, notation string
			var deadline, started, completed sql.NullTime
			a := &it.Assignment
			if err := rows.Scan(&a.ID, &a.IncomingID, &a.Agency, &a.Assignee, &a.AssigneeName, &a.Department, &a.Role, &deadline, &a.Status,
				&a.Note, &a.AssignedBy, &a.AssignedAt, &started, &fwd, &completed, &a.Result, &it.Subject, &it.SenderName, &cn, &notation,
				&number); err != nil {
				return err
			}
			a.Deadline, a.StartedAt, a.CompletedAt, a.ForwardedTo, a.AssignedAt = timePtr(deadline), timePtr(started), timePtr(completed), fwd.Int64, a.AssignedAt.UTC()
			a.Timeliness = s.timeliness(a, now)
			it.NumberNotation = strings.Trim(cn+"/"+notation, "/")
			it.IncomingNumber = int(number.Int64)
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}

func (h *Handler) pageMyWork(w http.ResponseWriter, r *http.Request) error {
	list, err := h.Office.myAssignments(r.Context(), principal(r))
	if err != nil {
		return err
	}
	v := MyWorkView{Frame: h.frame(r, "my-work", ""), Urgent: []DeadlineItem{}, Others: []DeadlineItem{}}
	for _, it := range list {
		if it.Timeliness == Overdue || it.Timeliness == DueSoon {
			v.Urgent = append(v.Urgent, it)
		} else {
			v.Others = append(v.Others, it)
		}
	}
	// Overdue before due soon; each by deadline (the query's order, kept by the stable sort).
	sort.SliceStable(v.Urgent, func(i, j int) bool { return v.Urgent[i].Timeliness == Overdue && v.Urgent[j].Timeliness != Overdue })
	return h.Pages.Render(w, r, http.StatusOK, "office_mywork", "office.mywork.title", v)
}

// ---- work files ----

// FilesView is the view of the yearly list of work files with the electronic-processing rates.
type FilesView struct {
	Frame
	Year    int
	Status  string
	Files   []WorkFile
	Form    url.Values
	Key     string
	Problem *errs.Error
	Errors  map[string][]string
	Rates   *RateReport
	// Signatures are the digital-signature figures of the same year.
	Signatures *SignatureReport
	Chart      rateChart
	// FileStatuses are the choices of the status filter.
	FileStatuses []string
}

// rateChart is what the chart script draws, written into the page as JSON.
type rateChart struct {
	Labels  map[string]string `json:"labels"`
	Levels  []string          `json:"levels"`
	Percent []float64         `json:"percent"`
}

// rateChartLabels are the message keys the chart script shows.
var rateChartLabels = []string{"office.rates.percent"}

func (h *Handler) pageFiles(w http.ResponseWriter, r *http.Request) error {
	return h.renderFiles(w, r, http.StatusOK, "", nil, nil)
}

func (h *Handler) renderFiles(w http.ResponseWriter, r *http.Request, status int, agency string, problem *errs.Error, form url.Values) error {
	ctx, p, q := r.Context(), principal(r), r.URL.Query()
	year, err := intParam(q.Get("year"), 0, 1945, 9999)
	if err != nil {
		return err
	}
	if year == 0 {
		year = h.Office.db.Now().In(h.Office.cal.Location()).Year()
	}
	if form == nil {
		form = url.Values{}
	}
	key := form.Get("key")
	if key == "" {
		key = newKey()
	}
	v := FilesView{Frame: h.frame(r, "files", agency), Year: year, Status: q.Get("status"), Form: form, Key: key, Problem: problem, Errors: fieldErrors(problem),
		FileStatuses: []string{FileOpen, FileClosed, FileArchived}}
	if v.Files, err = h.Office.ListFiles(ctx, p, FileQuery{Agency: v.Agency, Year: year, Status: v.Status}); err != nil {
		return err
	}
	if v.Rates, err = h.Office.ElectronicRates(ctx, p, v.Agency, year); err != nil {
		return err
	}
	if v.Signatures, err = h.Office.SignatureFigures(ctx, p, v.Agency, year); err != nil {
		return err
	}
	msgs := h.Pages.Messages(web.Lang(r))
	v.Chart = rateChart{Labels: map[string]string{}, Levels: []string{}, Percent: []float64{}}
	for _, k := range rateChartLabels {
		v.Chart.Labels[strings.TrimPrefix(k, "office.rates.")] = msgs[k]
	}
	for _, l := range v.Rates.Levels {
		name := msgs["office.level."+string(l.Level)]
		if name == "" {
			name = string(l.Level)
		}
		v.Chart.Levels = append(v.Chart.Levels, name)
		v.Chart.Percent = append(v.Chart.Percent, l.Percent)
	}
	return h.Pages.Render(w, r, status, "office_files", "office.files.title", v)
}

func (h *Handler) pageCreateFile(w http.ResponseWriter, r *http.Request) error {
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	year := 0
	if s := strings.TrimSpace(f.Get("year")); s != "" {
		if year, err = strconv.Atoi(s); err != nil {
			e := errs.Reasonf(errs.Invalid, "bad_year", "%q is not a year", s).WithFields(errs.FieldError{Field: "year", Message: "not a year"})
			return h.renderFiles(w, r, api.Status(e), f.Get("agency"), e, f)
		}
	}
	wf, err := h.Office.CreateFile(r.Context(), principal(r), NewWorkFile{Agency: f.Get("agency"), Year: year, Number: f.Get("number"),
		Group: f.Get("group"), Title: f.Get("title"), Heading: f.Get("heading"), Keeper: f.Get("keeper"), Retention: f.Get("retention"),
		IdempotencyKey: f.Get("key")})
	if err != nil {
		if e := problemOf(err); e != nil {
			if e.Reason == "idempotency_key_reused" {
				f.Set("key", "")
			}
			return h.renderFiles(w, r, api.Status(err), f.Get("agency"), e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/files/%d?done=created", wf.ID))
}

// FileView is the view of a work file's page.
type FileView struct {
	Frame
	File    *WorkFile
	Problem *errs.Error
	Form    url.Values
}

func (h *Handler) pageFile(w http.ResponseWriter, r *http.Request) error {
	return h.renderFile(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) renderFile(w http.ResponseWriter, r *http.Request, status int, problem *errs.Error, form url.Values) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, err := h.Office.GetFile(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	v := FileView{Frame: h.frame(r, "files", f.Agency), File: f, Problem: problem, Form: form}
	return h.Pages.Render(w, r, status, "office_file_show", "office.file.title", v)
}

func (h *Handler) pageFileAct(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	ctx, p, action := r.Context(), principal(r), r.PathValue("action")
	switch action {
	case "add":
		doc, perr := strconv.ParseInt(strings.TrimSpace(f.Get("document_id")), 10, 64)
		if perr != nil || doc <= 0 {
			err = errs.Reasonf(errs.Invalid, "bad_document_id", "%q is not a document number", f.Get("document_id"))
			break
		}
		_, err = h.Office.AddToFile(ctx, p, id, FileItemRequest{Kind: f.Get("kind"), DocumentID: doc})
	case "close":
		_, err = h.Office.CloseFile(ctx, p, id)
	case "handover":
		_, err = h.Office.HandOver(ctx, p, id)
	default:
		return errs.Reasonf(errs.NotFound, "no_route", "there is no step %q", action)
	}
	if err != nil {
		if e := problemOf(err); e != nil {
			return h.renderFile(w, r, api.Status(err), e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/files/%d?done=%s", id, action))
}

// ---- registers ----

// RegistersView is the view of the registers page: a preview of each register for the period and
// the links to download them whole.
type RegistersView struct {
	Frame
	From, To, Series string
	Outgoing         []OutgoingEntry
	Incoming         []IncomingEntry
	OutgoingError    string
	IncomingError    string
	// Query is the query string of the download links.
	Query template.URL
	// Preview is how many rows each table shows at most.
	Preview int
}

func (h *Handler) pageRegisters(w http.ResponseWriter, r *http.Request) error {
	ctx, p, q := r.Context(), principal(r), r.URL.Query()
	v := RegistersView{Frame: h.frame(r, "registers", ""), From: q.Get("from"), To: q.Get("to"), Series: q.Get("series"), Preview: 100}
	if v.From == "" && v.To == "" {
		// This year so far, by default.
		now := h.Office.db.Now().In(h.Office.cal.Location())
		v.From, v.To = fmt.Sprintf("%d-01-01", now.Year()), now.Format(time.DateOnly)
	}
	dl := url.Values{"agency": {v.Agency}}
	for k, val := range map[string]string{"from": v.From, "to": v.To, "series": v.Series} {
		if val != "" {
			dl.Set(k, val)
		}
	}
	v.Query = template.URL(dl.Encode())
	rq := RegisterQuery{Agency: v.Agency, From: v.From, To: v.To, Series: v.Series, Limit: v.Preview}
	out, err := h.Office.OutgoingRegister(ctx, p, rq)
	if err != nil {
		// Only the secret register is refused to an officer who may see the agency; anything
		// else forbidden is another agency's.
		if e := errs.As(err); e.Code != errs.Invalid && e.Reason != "secret_register" {
			return err
		}
		v.OutgoingError = errs.As(err).Message
	}
	in, err := h.Office.IncomingRegister(ctx, p, rq)
	if err != nil {
		if e := errs.As(err); e.Code != errs.Invalid && e.Code != errs.Forbidden {
			return err
		}
		v.IncomingError = errs.As(err).Message
	}
	v.Outgoing, v.Incoming = out, in
	return h.Pages.Render(w, r, http.StatusOK, "office_registers", "office.registers.title", v)
}
