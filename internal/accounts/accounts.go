// Package accounts is the HTTP surface of officer accounts, applicant accounts (citizens and
// businesses) and machine clients: the login, logout and registration pages, the home page, the
// applicant's profile page, the administrator's pages for accounts, clients and the audit log, and
// their API.
package accounts

import (
	"embed"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages
var files embed.FS

// RegisterPages adds the account pages and their messages (messages/vi.json, en.json) to the
// renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(files, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(files, "messages")
}

// Handler serves the account pages and API.
type Handler struct {
	Auth          *auth.Service
	DB            *db.DB
	Pages         *web.Renderer
	SecureCookies bool
	SessionTTL    time.Duration
	// Stats, when set, gives the home page its figures.
	Stats func() []Stat
	// SSO shows the national single sign-on on the login page (/sso/login serves it).
	SSO bool
}

// Stat is one figure on the home page.
type Stat struct {
	LabelKey string
	Value    int
	Link     string
}

// Routes returns the API routes.
func (h *Handler) Routes() []api.Route {
	return append([]api.Route{
		{Method: "GET", Path: "/api/v1/me", Summary: "Who the caller is: an officer (with grants), an applicant (applicant_kind) or a machine client", Tag: "accounts",
			Access: api.SignedIn, Handler: h.apiMe, Response: auth.Principal{}},
		{Method: "GET", Path: "/api/v1/users", Summary: "List officer accounts (administrators)", Tag: "accounts",
			Access: api.AdminsOnly, Handler: h.apiUsers, Response: []auth.User{}},
		{Method: "POST", Path: "/api/v1/users", Summary: "Create an officer account (administrators of every granted agency)", Tag: "accounts",
			Access: api.AdminsOnly, Handler: h.apiCreateUser, Request: auth.NewUser{}, Response: auth.User{}},
		{Method: "GET", Path: "/api/v1/clients", Summary: "List machine clients (administrators)", Tag: "accounts",
			Access: api.AdminsOnly, Handler: h.apiClients, Response: []auth.Client{}},
		{Method: "POST", Path: "/api/v1/clients", Summary: "Register a machine client for an agency; the secret is shown once", Tag: "accounts",
			Access: api.AdminsOnly, Handler: h.apiCreateClient, Request: auth.NewClient{}, Response: auth.Credentials{}},
		{Method: "GET", Path: "/api/v1/audit", Summary: "The newest audit log entries (global administrators)", Tag: "accounts",
			Access: api.AdminsOnly, Handler: h.apiAudit, Response: []audit.Entry{}, Query: map[string]string{"limit": "how many entries (default 100)"}},
		{Method: "GET", Path: "/api/v1/audit/verify", Summary: "Verify the audit log's hash chain (global administrators)", Tag: "accounts",
			Access: api.AdminsOnly, Handler: h.apiVerify, Response: audit.Report{}},
	}, h.applicantRoutes()...)
}

// PageRoutes returns the pages.
func (h *Handler) PageRoutes() []api.Route {
	return append([]api.Route{
		{Method: "GET", Path: "/{$}", Page: true, Access: api.Public, Handler: h.pageHome},
		{Method: "GET", Path: "/login", Page: true, Access: api.Public, Handler: h.pageLogin},
		{Method: "POST", Path: "/login", Page: true, Access: api.Public, Handler: h.pageLoginPost},
		{Method: "POST", Path: "/logout", Page: true, Access: api.People, Handler: h.pageLogout},
		{Method: "GET", Path: "/lang", Page: true, Access: api.Public, Handler: h.pageLang},
		{Method: "GET", Path: "/admin", Page: true, Access: api.AdminsOnly, Handler: h.pageAdmin},
		{Method: "POST", Path: "/admin/users", Page: true, Access: api.AdminsOnly, Handler: h.pageCreateUser},
		{Method: "POST", Path: "/admin/clients", Page: true, Access: api.AdminsOnly, Handler: h.pageCreateClient},
	}, h.applicantPageRoutes()...)
}

func (h *Handler) apiMe(w http.ResponseWriter, r *http.Request) error {
	api.WriteJSON(w, http.StatusOK, auth.FromContext(r.Context()))
	return nil
}

func (h *Handler) apiUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := h.Auth.Users(r.Context())
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, visibleUsers(auth.FromContext(r.Context()), us))
	return nil
}

// visibleUsers keeps the accounts with at least one grant inside the administrator's scope.
func visibleUsers(p *auth.Principal, us []auth.User) []auth.User {
	out := []auth.User{}
	for _, u := range us {
		for _, g := range u.Grants {
			if g.Agency != auth.Everywhere && p.Can(auth.Admin, g.Agency) || p.Can(auth.Admin, auth.Everywhere) {
				out = append(out, u)
				break
			}
		}
	}
	return out
}

func (h *Handler) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var nu auth.NewUser
	if err := api.DecodeJSON(r, &nu); err != nil {
		return err
	}
	u, err := h.Auth.CreateUser(r.Context(), auth.FromContext(r.Context()), nu)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, u)
	return nil
}

func (h *Handler) apiClients(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.Auth.Clients(r.Context())
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	out := []auth.Client{}
	for _, c := range cs {
		if p.Can(auth.Admin, c.Agency) {
			out = append(out, c)
		}
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) apiCreateClient(w http.ResponseWriter, r *http.Request) error {
	var nc auth.NewClient
	if err := api.DecodeJSON(r, &nc); err != nil {
		return err
	}
	cr, err := h.Auth.CreateClient(r.Context(), auth.FromContext(r.Context()), nc)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, cr)
	return nil
}

func (h *Handler) apiAudit(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(r.Context(), auth.Admin, auth.Everywhere); err != nil {
		return err
	}
	es, err := audit.List(r.Context(), h.DB, 100)
	if err != nil {
		return err
	}
	if es == nil {
		es = []audit.Entry{}
	}
	api.WriteJSON(w, http.StatusOK, es)
	return nil
}

func (h *Handler) apiVerify(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(r.Context(), auth.Admin, auth.Everywhere); err != nil {
		return err
	}
	rep, err := audit.Verify(r.Context(), h.DB)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// safeNext keeps redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" {
		return "/"
	}
	return next
}
