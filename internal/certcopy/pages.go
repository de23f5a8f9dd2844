package certcopy

import (
	"embed"
	"net/http"
	"net/url"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages
var files embed.FS

// RegisterPages adds the certified-copy pages and their messages (messages/vi.json, en.json) to
// the renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(files, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(files, "messages")
}

// PageRoutes returns the officers' page (issue and list) and the public verification pages.
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/certified-copies", Page: true, Access: api.OfficersOnly, Handler: h.pageOfficer},
		{Method: "POST", Path: "/certified-copies", Page: true, Access: api.OfficersOnly, Handler: h.pageIssue, MaxBody: maxUpload},
		{Method: "POST", Path: "/certified-copies/{code}/revocation", Page: true, Access: api.OfficersOnly, Handler: h.pageRevoke},
		{Method: "GET", Path: "/verify", Page: true, Access: api.Public, Handler: h.pageLookup},
		{Method: "GET", Path: "/verify/{code}", Page: true, Access: api.Public, Handler: h.pageVerify},
		{Method: "POST", Path: "/verify/{code}", Page: true, Access: api.Public, Handler: h.pageCheckFile, MaxBody: maxCheck},
	}
}

// Scope is an agency the officer certifies for.
type Scope struct {
	Code string
	Name string
}

// scopes lists the agencies of the principal's grants that allow certifying or reading copies.
func (h *Handler) scopes(p *auth.Principal) []Scope {
	var out []Scope
	seen := map[string]bool{}
	for _, g := range p.Grants {
		switch g.Role {
		case auth.Admin, auth.Officer, auth.Leader, auth.Clerk, auth.Viewer:
		default:
			continue
		}
		if g.Agency == auth.Everywhere || seen[g.Agency] {
			continue
		}
		seen[g.Agency] = true
		out = append(out, Scope{Code: g.Agency, Name: h.Copies.agencies.Name(g.Agency)})
	}
	return out
}

// OfficerView is the view of the officers' page: the issuing form and the agency's copies.
type OfficerView struct {
	Agency     string
	AgencyName string
	Scopes     []Scope
	CanIssue   bool
	Copies     []*Copy
	// Issued is the copy just issued, Revoked the one just revoked.
	Issued  *Copy
	Revoked string
	Problem *errs.Error
	Form    Request
	Fees    FeeSchedule
}

// Dong writes an amount in đồng.
func (OfficerView) Dong(v int64) string { return FormatDong(v) }

func (h *Handler) pageOfficer(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return h.renderOfficer(w, r, http.StatusOK, q.Get("agency"), Request{}, nil, q.Get("issued"), q.Get("revoked"))
}

func (h *Handler) renderOfficer(w http.ResponseWriter, r *http.Request, status int, agency string, form Request, problem *errs.Error, issued, revoked string) error {
	p := auth.FromContext(r.Context())
	v := OfficerView{Agency: strings.TrimSpace(agency), Scopes: h.scopes(p), Problem: problem, Form: form, Fees: h.Copies.Fees(), Revoked: revoked}
	if v.Agency == "" && len(v.Scopes) > 0 {
		v.Agency = v.Scopes[0].Code
	}
	if v.Agency == "" {
		return errs.Reasonf(errs.Forbidden, "missing_role", "certified copies are issued by the officers of a certifying agency")
	}
	ctx := r.Context()
	list, err := h.Copies.List(ctx, p, Filter{Agency: v.Agency, Limit: 200})
	if err != nil {
		return err
	}
	v.Copies, v.AgencyName, v.CanIssue = list, h.Copies.agencies.Name(v.Agency), canIssue(p, v.Agency)
	if issued != "" {
		if c, err := h.Copies.Get(ctx, p, issued); err == nil {
			v.Issued = c
		}
	}
	return h.Pages.Render(w, r, status, "certcopy_officer", "certcopy.officer.title", v)
}

func (h *Handler) pageIssue(w http.ResponseWriter, r *http.Request) error {
	form, err := parseMultipart(r)
	if err != nil {
		return err
	}
	defer form.RemoveAll()
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	req, closers, err := requestOf(form, "request")
	if err != nil {
		return err
	}
	defer closeAll(closers)
	c, err := h.Copies.Issue(r.Context(), auth.FromContext(r.Context()), req)
	if err != nil {
		if e := errs.As(err); e.Code == errs.Invalid || e.Code == errs.Conflict {
			req.Scans = nil
			return h.renderOfficer(w, r, api.Status(err), req.Agency, req, e, "", "")
		}
		return err
	}
	http.Redirect(w, r, "/certified-copies?agency="+url.QueryEscape(c.Agency)+"&issued="+c.Code, http.StatusSeeOther)
	return nil
}

func (h *Handler) pageRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	c, err := h.Copies.Revoke(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), r.PostForm.Get("reason"))
	if err != nil {
		if e := errs.As(err); e.Code == errs.Invalid || e.Code == errs.Conflict {
			return h.renderOfficer(w, r, api.Status(err), r.PostForm.Get("agency"), Request{}, e, "", "")
		}
		return err
	}
	http.Redirect(w, r, "/certified-copies?agency="+url.QueryEscape(c.Agency)+"&revoked="+c.Code, http.StatusSeeOther)
	return nil
}

// LookupView is the view of the page asking for a code.
type LookupView struct {
	Code    string
	Problem bool
}

func (h *Handler) pageLookup(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("code")
	if raw != "" {
		if code, ok := NormalizeCode(raw); ok {
			http.Redirect(w, r, "/verify/"+code, http.StatusSeeOther)
			return nil
		}
		return h.Pages.Render(w, r, http.StatusOK, "certcopy_lookup", "certcopy.verify.title", LookupView{Code: raw, Problem: true})
	}
	return h.Pages.Render(w, r, http.StatusOK, "certcopy_lookup", "certcopy.verify.title", LookupView{})
}

// VerifyView is the view of the public verification page.
type VerifyView struct {
	V       *Verification
	Problem *errs.Error
}

func (h *Handler) pageVerify(w http.ResponseWriter, r *http.Request) error {
	v, err := h.Copies.Verify(r.Context(), r.PathValue("code"), nil)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "certcopy_verify", "certcopy.verify.title", VerifyView{V: v})
}

func (h *Handler) pageCheckFile(w http.ResponseWriter, r *http.Request) error {
	if auth.FromContext(r.Context()) != nil {
		// Signed-in people's forms carry the session's token; anonymous forms have no session to
		// forge, and the server's cross-origin protection covers them.
		if _, err := parseMultipart(r); err == nil {
			if err := web.CheckCSRF(r); err != nil {
				return err
			}
		}
	}
	file, err := uploadedFile(r)
	var problem *errs.Error
	if err != nil {
		if e := errs.As(err); e.Code != errs.Invalid && e.Code != errs.TooLarge {
			return err
		}
		problem, file = errs.As(err), nil
	}
	v, err := h.Copies.Verify(r.Context(), r.PathValue("code"), file)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if problem != nil {
		status = api.Status(problem)
	}
	return h.Pages.Render(w, r, status, "certcopy_verify", "certcopy.verify.title", VerifyView{V: v, Problem: problem})
}
