package office

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
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
		{Method: "GET", Path: "/office/static/{name}", Page: true, Access: o, Handler: web.Asset(pageFiles, "")},
	}
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

// formProblem is problemOf for an error to show on the form that was sent. A reused idempotency key
// means the form was changed and sent again after a first success: the key is cleared, so that the
// next send makes a new record.
func formProblem(err error, form url.Values) *errs.Error {
	e := problemOf(err)
	if e != nil && e.Reason == "idempotency_key_reused" {
		form.Set("key", "")
	}
	return e
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
