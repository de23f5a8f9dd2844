package dossier

// This file holds a dossier's page: its timeline, the actions the viewer may take, and their forms.

import (
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

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
