package dossier

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/errs"
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
		{Method: "GET", Path: "/dossiers/static/{name}", Page: true, Access: api.Public, Handler: web.Asset(pageFiles, "")},
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
