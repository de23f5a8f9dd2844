package dossier

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages static
var pageFiles embed.FS

// RegisterPages adds the dossier pages and their messages (messages/vi.json, en.json) to the renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(pageFiles, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(pageFiles, "messages")
}

// PageRoutes returns the portal's dossier pages: the submission form, the applicant's dossiers and
// data store, a dossier's page with the steps its viewer may take, the public lookup by code, and
// the one-stop console of an agency.
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/dossiers/new", Page: true, Access: api.People, Handler: h.pageNew},
		{Method: "POST", Path: "/dossiers/new", Page: true, Access: api.People, Handler: h.pageSubmit, MaxBody: maxUpload},
		{Method: "GET", Path: "/dossiers/{code}", Page: true, Access: api.People, Handler: h.pageShow},
		{Method: "POST", Path: "/dossiers/{code}/act", Page: true, Access: api.People, Handler: h.pageAct},
		{Method: "POST", Path: "/dossiers/{code}/supplement", Page: true, Access: api.People, Handler: h.pageSupplement, MaxBody: maxUpload},
		{Method: "POST", Path: "/dossiers/{code}/result", Page: true, Access: api.People, Handler: h.pageResult, MaxBody: maxUpload},
		{Method: "POST", Path: "/dossiers/{code}/assign", Page: true, Access: api.People, Handler: h.pageAssign},
		{Method: "POST", Path: "/dossiers/{code}/reschedule", Page: true, Access: api.People, Handler: h.pageReschedule},
		{Method: "POST", Path: "/dossiers/{code}/rate", Page: true, Access: api.People, Handler: h.pageRate},
		{Method: "GET", Path: "/my/dossiers", Page: true, Access: api.ApplicantsOnly, Handler: h.pageMine},
		{Method: "GET", Path: "/my/documents", Page: true, Access: api.ApplicantsOnly, Handler: h.pageDocuments},
		{Method: "GET", Path: "/lookup", Page: true, Access: api.Public, Handler: h.pageLookup},
		{Method: "GET", Path: "/one-stop", Page: true, Access: api.OfficersOnly, Handler: h.pageOneStop},
		{Method: "GET", Path: "/dossiers/static/{name}", Page: true, Access: api.Public, Handler: serveStatic},
	}
}

// AgencyName returns an agency's name from the registry, or "" when the code is unknown.
func (s *Service) AgencyName(code string) string { return s.agencies.Name(code) }

// nameOr returns the agency's name, or its code when the registry does not know it.
func (s *Service) nameOr(code string) string {
	if n := s.agencies.Name(code); n != "" {
		return n
	}
	return code
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

// problemOf returns the error to show in the page for err, or nil when err should be rendered as an
// error page instead (internal errors, and those that leave nothing to show).
func problemOf(err error) *errs.Error {
	e := errs.As(err)
	switch e.Code {
	case errs.Invalid, errs.Conflict, errs.TooLarge, errs.Forbidden, errs.Unavailable:
		return e
	}
	return nil
}

func newKey() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ---- The submission form ----

// ComponentField is one paper of the procedure on the submission form.
type ComponentField struct {
	Index     int
	Name      string
	Required  bool
	Copies    int
	FileTypes []string
	// Accept is the file input's accept attribute, from the paper's file types.
	Accept string
	// Document is the data store document chosen for the paper, if any.
	Document string
	Errors   []string
}

// Field returns the form field name of the paper's file input (component-N).
func (c ComponentField) Field() string { return fmt.Sprintf("component-%d", c.Index) }

// DocumentField returns the form field name of the paper's data store select (document-N).
func (c ComponentField) DocumentField() string { return fmt.Sprintf("document-%d", c.Index) }

// acceptOf lists extensions and media types for a file input's accept attribute.
func acceptOf(types []string) string {
	if len(types) == 0 {
		types = defaultFileTypes
	}
	var out []string
	for _, t := range types {
		for _, k := range fileKinds {
			if k.name == t || (t == "jpeg" && k.name == "jpg") {
				for _, e := range k.extensions {
					out = append(out, "."+e)
				}
				out = append(out, k.contentType)
			}
		}
	}
	return strings.Join(out, ",")
}

func componentFields(p *catalog.Procedure) []ComponentField {
	var out []ComponentField
	for i, c := range p.Components {
		types := c.FileTypes
		if len(types) == 0 {
			types = defaultFileTypes
		}
		out = append(out, ComponentField{Index: i, Name: c.Name, Required: c.Required && c.Copies > 0, Copies: c.Copies,
			FileTypes: types, Accept: acceptOf(c.FileTypes)})
	}
	return out
}

// NewView is the view of the submission form.
type NewView struct {
	Instance        string
	Procedure       *catalog.Procedure
	Agency          string
	AgencyName      string
	Days            int
	Fees            []catalog.Fee
	FeeTotal        string
	InstanceOnline  bool
	ProcedureOnline bool
	// Counter is set for an officer of the receiving agency: the dossier is registered at the
	// counter and may be accepted on the spot. Elsewhere is set for an officer of another agency,
	// who may not file it at all.
	Counter    bool
	Elsewhere  bool
	Components []ComponentField
	Documents  []Document
	Applicant  Applicant
	Subject    string
	AcceptNow  bool
	Key        string
	Problem    *errs.Error
	// Errors are the field messages by form field (name, email, subject, other, …).
	Errors map[string][]string
	// OtherAccept is the accept attribute of the "other papers" input.
	OtherAccept string
}

// newView builds the form for instance, for the principal.
func (h *Handler) newView(ctx context.Context, p *auth.Principal, instance string) (*NewView, error) {
	s := h.Dossiers
	instance = strings.TrimSpace(instance)
	if instance == "" {
		return nil, errs.Reasonf(errs.Invalid, "instance_required", "say which procedure instance to file a dossier for (?instance=…); find it in the procedure catalogue")
	}
	r, bad := s.resolve(&Submission{Instance: instance})
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_instance", "%s", bad[0].Message).WithFields(bad...)
	}
	v := &NewView{Instance: r.instance.Code, Procedure: r.proc, Agency: r.agency, AgencyName: s.nameOr(r.agency), Days: r.days,
		Fees: r.proc.FeesAt(r.instance), FeeTotal: catalog.FormatVND(r.fees), InstanceOnline: r.instance.Online,
		ProcedureOnline: r.proc.Online != catalog.NotOnline, Components: componentFields(r.proc), Key: newKey(),
		Errors: map[string][]string{}, OtherAccept: acceptOf(nil)}
	switch {
	case p.Can(auth.Officer, r.agency) || p.Can(auth.Leader, r.agency):
		v.Counter = true
		v.Applicant.Kind = Citizen
	case len(p.Grants) > 0:
		v.Elsewhere = true
	default:
		// The applicant files for themselves and may reuse the papers of their data store.
		v.Applicant = Applicant{Kind: Citizen, Name: p.Name}
		docs, err := s.Documents(ctx, p)
		if err != nil {
			return nil, err
		}
		v.Documents = docs
	}
	return v, nil
}

func (h *Handler) pageNew(w http.ResponseWriter, r *http.Request) error {
	v, err := h.newView(r.Context(), auth.FromContext(r.Context()), r.URL.Query().Get("instance"))
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "dossier_new", "dossier.new.title", v)
}

// closeUploads closes the files a multipart form opened for the uploads.
func closeUploads(ups []Upload) {
	for _, u := range ups {
		if c, ok := u.Body.(io.Closer); ok {
			c.Close()
		}
	}
}

func (h *Handler) pageSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx, p := r.Context(), auth.FromContext(r.Context())
	form, perr := parseMultipart(r)
	vals := url.Values{}
	if form != nil {
		defer form.RemoveAll()
		vals = url.Values(form.Value)
	}
	instance := vals.Get("instance")
	if instance == "" {
		// The form's address names the instance too, so that a body too large to read still
		// brings the form back.
		instance = r.URL.Query().Get("instance")
	}
	v, err := h.newView(ctx, p, instance)
	if err != nil {
		if perr != nil {
			return perr
		}
		return err
	}
	v.Applicant = Applicant{Kind: ApplicantKind(vals.Get("kind")), Name: vals.Get("name"), ID: vals.Get("id"),
		Email: vals.Get("email"), Phone: vals.Get("phone"), Address: vals.Get("address")}
	v.Subject, v.AcceptNow = vals.Get("subject"), vals.Get("accept_now") != ""
	if k := vals.Get("key"); k != "" {
		v.Key = k
	}
	for i := range v.Components {
		v.Components[i].Document = vals.Get(v.Components[i].DocumentField())
	}
	if perr != nil {
		return h.renderNew(w, r, perr, v, nil)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	ups, err := uploads(form)
	if err != nil {
		return h.renderNew(w, r, err, v, nil)
	}
	defer closeUploads(ups)
	sub := Submission{Instance: v.Instance, Applicant: v.Applicant, Subject: v.Subject, AcceptNow: v.AcceptNow && v.Counter,
		IdempotencyKey: v.Key, Files: ups}
	d, err := h.Dossiers.Submit(ctx, p, sub)
	if err != nil {
		if e := errs.As(err); e.Reason == "idempotency_key_reused" {
			// The form was changed and sent again after a first success: a new send is a new dossier.
			v.Key = newKey()
		}
		return h.renderNew(w, r, err, v, ups)
	}
	http.Redirect(w, r, "/dossiers/"+url.PathEscape(d.Code)+"?submitted=1", http.StatusSeeOther)
	return nil
}

// renderNew shows the form again with the error and its field messages, or returns the error when
// it is not one the applicant can correct.
func (h *Handler) renderNew(w http.ResponseWriter, r *http.Request, err error, v *NewView, ups []Upload) error {
	e := problemOf(err)
	if e == nil || e.Code == errs.Forbidden {
		return err
	}
	v.Problem = e
	for _, f := range e.Fields {
		key := f.Field
		switch {
		case strings.HasPrefix(key, "applicant."):
			key = strings.TrimPrefix(key, "applicant.")
		case strings.HasPrefix(key, "component["):
			if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(key, "component["), "]")); err == nil {
				key = fmt.Sprintf("component-%d", n)
			}
		case strings.HasPrefix(key, "files["):
			// Files are numbered in the order of the uploads, sorted by component.
			if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(key, "files["), "]")); err == nil && n < len(ups) {
				key = "other"
				if c := ups[n].Component; c >= 0 {
					key = fmt.Sprintf("component-%d", c)
				}
			}
		}
		v.Errors[key] = append(v.Errors[key], f.Message)
	}
	for i := range v.Components {
		v.Components[i].Errors = v.Errors[v.Components[i].Field()]
	}
	return h.Pages.Render(w, r, api.Status(err), "dossier_new", "dossier.new.title", v)
}

// ---- A dossier's page ----

// EventView is a step of the timeline with its details decoded.
type EventView struct {
	Event
	// Label is the message key suffix of the step (dossier.event.*).
	Label      string
	Items      []string
	Department string
	Assignee   string
	DueAt      *time.Time
	Rating     int
}

// Who names whoever made the step.
func (e EventView) Who() string {
	if e.ActorName != "" {
		return e.ActorName
	}
	return e.Actor
}

// StatusChanged reports whether the step moved the dossier to another status.
func (e EventView) StatusChanged() bool { return e.From != e.To }

// eventView names a step: the way back out of a request (5 or 6) is recorded under the name of the
// status it returns to, but it is the documents or the payment arriving.
func eventView(e Event) EventView {
	v := EventView{Event: e, Label: e.Action}
	if rule, ok := ruleTable[[2]vn.DossierStatus{e.From, e.To}]; ok && rule.Resume {
		v.Label = "supplied"
		if e.From == vn.DossierPaymentRequested {
			v.Label = "paid"
		}
	}
	if !eventLabels[v.Label] {
		v.Label = "other"
	}
	if strings.HasPrefix(e.Detail, "{") {
		var d struct {
			Items      []string `json:"items"`
			Department string   `json:"department"`
			Assignee   string   `json:"assignee"`
			DueAt      string   `json:"due_at"`
			Rating     int      `json:"rating"`
		}
		if json.Unmarshal([]byte(e.Detail), &d) == nil {
			v.Items, v.Department, v.Assignee, v.Rating = d.Items, d.Department, d.Assignee, d.Rating
			if t, err := time.Parse(time.RFC3339, d.DueAt); err == nil {
				v.DueAt = &t
			}
		}
	}
	return v
}

// eventLabels are the steps the timeline names (dossier.event.*); others show as "other".
var eventLabels = map[string]bool{"submit": true, "resubmit": true, "accept": true, "refuse": true, "start": true,
	"request_documents": true, "request_payment": true, "withdraw": true, "stop": true, "process": true, "return_result": true,
	"assign": true, "reschedule": true, "rate": true, "supplied": true, "paid": true, "other": true}

// ActionView is a status change the viewer may make now.
type ActionView struct {
	To vn.DossierStatus
	// Key names the step (dossier.action.*); Kind says which fields its form has: plain, reason,
	// request, start, payment, result.
	Key     string
	Kind    string
	Primary bool
	// Open and the values below restore what was typed when the step failed.
	Open       bool
	Reason     string
	Items      string
	Department string
	Assignee   string
}

// FormLink is a standard slip the viewer may print.
type FormLink struct {
	Kind string
	URL  string
}

// ShowView is the view of a dossier's page.
type ShowView struct {
	D              *Dossier
	AgencyName     string
	DepartmentName string
	Timeliness     Timeliness
	// Party is how the viewer takes part: applicant, officer, system, or viewer (may only look).
	Party     string
	Submitted []FileView
	Results   []FileView
	Events    []EventView
	Actions   []ActionView
	// The dedicated steps the viewer may take.
	CanSupplement bool
	CanAssign     bool
	CanReschedule bool
	CanRate       bool
	Forms         []FormLink
	// Requested and RequestReason are what the latest request for documents asked for.
	Requested     []string
	RequestReason string
	Components    []ComponentField
	FileAccept    string
	Problem       *errs.Error
	// Failed names the form whose step failed (act-N, supplement, result, assign, reschedule, rate).
	Failed    string
	Form      url.Values
	Done      bool
	JustFiled bool
}

// actionOf describes the step to status to from the current status.
func actionOf(from, to vn.DossierStatus, resume bool) ActionView {
	a := ActionView{To: to, Key: actionNames[to], Kind: "plain"}
	if resume {
		a.Key = "resume"
		if from == vn.DossierPaymentRequested {
			a.Key = "paid"
		}
		a.Primary = true
		return a
	}
	switch to {
	case vn.DossierAccepted, vn.DossierReturned:
		a.Primary = true
	case vn.DossierNotAccepted, vn.DossierWithdrawn, vn.DossierStopped:
		a.Kind = "reason"
	case vn.DossierMoreDocumentsRequested:
		a.Kind = "request"
	case vn.DossierInProgress:
		a.Kind, a.Primary = "start", true
	case vn.DossierPaymentRequested:
		a.Kind = "payment"
	case vn.DossierProcessed:
		a.Kind, a.Primary = "result", true
	}
	return a
}

func (h *Handler) showView(ctx context.Context, p *auth.Principal, code string) (*ShowView, error) {
	s := h.Dossiers
	d, err := s.Get(ctx, p, code)
	if err != nil {
		return nil, err
	}
	v := &ShowView{D: d, AgencyName: s.nameOr(d.Agency), Timeliness: s.Timeliness(d, s.db.Now()), Party: "viewer", Form: url.Values{}}
	if d.Department != "" {
		v.DepartmentName = s.nameOr(d.Department)
	}
	for _, f := range d.Files {
		fv := FileView{File: f, SizeText: sizeText(f.Size)}
		if f.Kind == FileResult {
			v.Results = append(v.Results, fv)
		} else {
			v.Submitted = append(v.Submitted, fv)
		}
	}
	requested, rescheduled := false, false
	for _, e := range d.Events {
		ev := eventView(e)
		v.Events = append(v.Events, ev)
		switch e.Action {
		case "request_documents":
			requested = true
			v.Requested, v.RequestReason = ev.Items, e.Reason
		case "reschedule":
			rescheduled = true
		}
	}
	pty, ok := party(p, d.Agency, d.Applicant.UserID)
	if ok {
		v.Party = pty.String()
		for _, to := range Next(d.Status) {
			rule, err := Check(d.Status, to, d.ResumeStatus, pty)
			if err != nil {
				continue
			}
			// The applicant answers a request for documents by sending them (the supplement form).
			if pty == ByApplicant && d.Status == vn.DossierMoreDocumentsRequested && to != vn.DossierWithdrawn {
				continue
			}
			v.Actions = append(v.Actions, actionOf(d.Status, to, rule.Resume))
		}
		v.CanSupplement = d.Status == vn.DossierMoreDocumentsRequested
		officer := pty != ByApplicant
		v.CanAssign = officer && d.Status == vn.DossierInProgress
		v.CanReschedule = officer && d.waiting()
		v.CanRate = pty == ByApplicant && d.Rating == 0 &&
			(d.Status == vn.DossierProcessed || d.Status == vn.DossierReturned || d.Status == vn.DossierNotAccepted)
	}
	if v.CanSupplement {
		if proc, err := s.catalog.Get(d.Procedure); err == nil {
			v.Components = componentFields(proc)
		}
	}
	v.FileAccept = acceptOf(allFileTypes)
	base := "/api/v1/dossiers/" + url.PathEscape(d.Code) + "/forms/"
	addForm := func(kind string) { v.Forms = append(v.Forms, FormLink{Kind: kind, URL: base + kind}) }
	if d.AcceptedAt != nil {
		addForm("receipt")
	}
	if requested {
		addForm("supplement")
	}
	if d.Status == vn.DossierNotAccepted {
		addForm("refusal")
	}
	if rescheduled {
		addForm("apology")
	}
	if d.AcceptedAt != nil && v.Party != "applicant" {
		addForm("control")
	}
	return v, nil
}

// FeeText is the dossier's total fees in đồng.
func (v *ShowView) FeeText() string { return catalog.FormatVND(v.D.FeeTotal) }

// FileView is a file of the dossier with its size written for people.
type FileView struct {
	File
	SizeText string
}

// sizeText writes a file size in bytes, KB or MB.
func sizeText(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// allFileTypes are the formats a supplement or a result may come in.
var allFileTypes = []string{"pdf", "jpg", "png", "docx", "xlsx"}

func (h *Handler) pageShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.showView(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v.Done, v.JustFiled = q.Get("done") == "1", q.Get("submitted") == "1"
	return h.Pages.Render(w, r, http.StatusOK, "dossier_show", "dossier.show.title", v)
}

// afterStep redirects back to the dossier after a step, or shows the page again with the error
// at the top and what was typed in the failed form.
func (h *Handler) afterStep(w http.ResponseWriter, r *http.Request, err error, failed string, form url.Values) error {
	code := r.PathValue("code")
	if err == nil {
		http.Redirect(w, r, "/dossiers/"+url.PathEscape(code)+"?done=1", http.StatusSeeOther)
		return nil
	}
	e := problemOf(err)
	if e == nil {
		return err
	}
	v, gerr := h.showView(r.Context(), auth.FromContext(r.Context()), code)
	if gerr != nil {
		return err
	}
	v.Problem, v.Failed = e, failed
	if form != nil {
		v.Form = form
	}
	for i := range v.Actions {
		a := &v.Actions[i]
		if failed == fmt.Sprintf("act-%d", int(a.To)) {
			a.Open = true
			a.Reason, a.Items, a.Department, a.Assignee = form.Get("reason"), form.Get("items"), form.Get("department"), form.Get("assignee")
		}
	}
	return h.Pages.Render(w, r, api.Status(err), "dossier_show", "dossier.show.title", v)
}

// parseSmallForm reads a URL-encoded (or multipart) form of a step and checks its CSRF token.
func parseSmallForm(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return nil, err
	}
	return r.PostForm, nil
}

// lines splits a text area into its non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (h *Handler) pageAct(w http.ResponseWriter, r *http.Request) error {
	f, err := parseSmallForm(r)
	if err != nil {
		return err
	}
	to, err := vn.ParseDossierStatus(strings.TrimSpace(f.Get("to")))
	if err != nil {
		return h.afterStep(w, r, errs.Reasonf(errs.Invalid, "bad_status", "%v", err), "", f)
	}
	version, _ := strconv.Atoi(f.Get("version"))
	c := Change{To: to, Reason: f.Get("reason"), Items: lines(f.Get("items")), Department: strings.TrimSpace(f.Get("department")),
		Assignee: f.Get("assignee"), Version: version}
	_, err = h.Dossiers.Transition(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), c)
	return h.afterStep(w, r, err, fmt.Sprintf("act-%d", int(to)), f)
}

// multipartStep reads a step's multipart form after checking that the caller may see the dossier
// (so that nobody else's upload is read), and checks its CSRF token.
func (h *Handler) multipartStep(r *http.Request) (*multipart.Form, error) {
	if err := h.mayAct(r); err != nil {
		return nil, err
	}
	form, err := parseMultipart(r)
	if err != nil {
		return nil, err
	}
	if err := web.CheckCSRF(r); err != nil {
		form.RemoveAll()
		return nil, err
	}
	return form, nil
}

func (h *Handler) pageSupplement(w http.ResponseWriter, r *http.Request) error {
	form, err := h.multipartStep(r)
	if err != nil {
		if errs.Is(err, errs.TooLarge) {
			return h.afterStep(w, r, err, "supplement", nil)
		}
		return err
	}
	defer form.RemoveAll()
	vals := url.Values(form.Value)
	ups, err := uploads(form)
	if err != nil {
		return h.afterStep(w, r, err, "supplement", vals)
	}
	defer closeUploads(ups)
	_, err = h.Dossiers.Supplement(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), vals.Get("note"), ups)
	return h.afterStep(w, r, err, "supplement", vals)
}

func (h *Handler) pageResult(w http.ResponseWriter, r *http.Request) error {
	form, err := h.multipartStep(r)
	if err != nil {
		if errs.Is(err, errs.TooLarge) {
			return h.afterStep(w, r, err, "result", nil)
		}
		return err
	}
	defer form.RemoveAll()
	vals := url.Values(form.Value)
	results, err := readResults(form)
	if err != nil {
		return h.afterStep(w, r, err, "result", vals)
	}
	_, err = h.Dossiers.Process(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), vals.Get("note"), results)
	return h.afterStep(w, r, err, "result", vals)
}

func (h *Handler) pageAssign(w http.ResponseWriter, r *http.Request) error {
	f, err := parseSmallForm(r)
	if err != nil {
		return err
	}
	_, err = h.Dossiers.Assign(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"),
		strings.TrimSpace(f.Get("department")), f.Get("assignee"), f.Get("note"))
	return h.afterStep(w, r, err, "assign", f)
}

func (h *Handler) pageReschedule(w http.ResponseWriter, r *http.Request) error {
	f, err := parseSmallForm(r)
	if err != nil {
		return err
	}
	days, err := strconv.Atoi(strings.TrimSpace(f.Get("days")))
	if err != nil {
		return h.afterStep(w, r, errs.Reasonf(errs.Invalid, "bad_days", "the extension is a number of working days, not %q", f.Get("days")), "reschedule", f)
	}
	_, err = h.Dossiers.Reschedule(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), days, f.Get("reason"))
	return h.afterStep(w, r, err, "reschedule", f)
}

func (h *Handler) pageRate(w http.ResponseWriter, r *http.Request) error {
	f, err := parseSmallForm(r)
	if err != nil {
		return err
	}
	score, err := strconv.Atoi(f.Get("score"))
	if err != nil {
		return h.afterStep(w, r, errs.Reasonf(errs.Invalid, "bad_rating", "choose a rating from 1 to 5"), "rate", f)
	}
	_, err = h.Dossiers.Rate(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), score, f.Get("comment"))
	return h.afterStep(w, r, err, "rate", f)
}

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
