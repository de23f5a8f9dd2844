package accounts

import (
	"net/http"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// HomeView is the view of the home page.
type HomeView struct {
	Stats []Stat
}

func (h *Handler) pageHome(w http.ResponseWriter, r *http.Request) error {
	var v HomeView
	if h.Stats != nil {
		v.Stats = h.Stats()
	}
	return h.Pages.Render(w, r, http.StatusOK, "home", "home.title", v)
}

// LoginView is the view of the login page.
type LoginView struct {
	Login string
	Next  string
	Error string
	// SSO offers citizens the national single sign-on (when this node is a relying party).
	SSO bool
}

func (h *Handler) pageLogin(w http.ResponseWriter, r *http.Request) error {
	return h.Pages.Render(w, r, http.StatusOK, "login", "login.title", LoginView{Next: safeNext(r.URL.Query().Get("next")), SSO: h.SSO})
}

func (h *Handler) pageLoginPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read")
	}
	login, next := r.PostForm.Get("login"), safeNext(r.PostForm.Get("next"))
	token, _, err := h.Auth.Login(r.Context(), login, r.PostForm.Get("password"))
	if err != nil {
		if errs.Is(err, errs.Unauthorized) {
			return h.Pages.Render(w, r, http.StatusUnauthorized, "login", "login.title", LoginView{Login: login, Next: next, Error: errs.As(err).Reason, SSO: h.SSO})
		}
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: h.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(h.SessionTTL.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (h *Handler) pageLogout(w http.ResponseWriter, r *http.Request) error {
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	if c, err := r.Cookie(auth.SessionCookie); err == nil {
		if err := h.Auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: h.SecureCookies, MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (h *Handler) pageLang(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("set")
	if lang != "vi" && lang != "en" {
		return errs.Reasonf(errs.Invalid, "bad_language", "language %q: want vi or en", lang)
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: h.SecureCookies})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
	return nil
}

// AdminView is the view of the administration page.
type AdminView struct {
	Users       []auth.User
	Clients     []auth.Client
	Audit       []audit.Entry
	AuditReport *audit.Report
	Roles       []auth.Role
	Created     *auth.Credentials
	NewUser     string
	Problem     *errs.Error
	Global      bool
}

func (h *Handler) adminView(r *http.Request) (AdminView, error) {
	p := auth.FromContext(r.Context())
	v := AdminView{Roles: auth.Roles, Global: p.Can(auth.Admin, auth.Everywhere)}
	us, err := h.Auth.Users(r.Context())
	if err != nil {
		return v, err
	}
	v.Users = visibleUsers(p, us)
	cs, err := h.Auth.Clients(r.Context())
	if err != nil {
		return v, err
	}
	for _, c := range cs {
		if p.Can(auth.Admin, c.Agency) {
			v.Clients = append(v.Clients, c)
		}
	}
	if v.Global {
		if v.Audit, err = audit.List(r.Context(), h.DB, 30); err != nil {
			return v, err
		}
		rep, err := audit.Verify(r.Context(), h.DB)
		if err != nil {
			return v, err
		}
		v.AuditReport = &rep
	}
	return v, nil
}

func (h *Handler) pageAdmin(w http.ResponseWriter, r *http.Request) error {
	v, err := h.adminView(r)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "admin", "admin.title", v)
}

func (h *Handler) renderAdminResult(w http.ResponseWriter, r *http.Request, fill func(*AdminView), opErr error) error {
	v, err := h.adminView(r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if opErr != nil {
		e := errs.As(opErr)
		if e.Code == errs.Internal {
			return opErr
		}
		v.Problem = e
		status = api.Status(opErr)
	} else {
		fill(&v)
	}
	return h.Pages.Render(w, r, status, "admin", "admin.title", v)
}

func (h *Handler) pageCreateUser(w http.ResponseWriter, r *http.Request) error {
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	f := r.PostForm
	var grants []auth.Grant
	for _, s := range strings.Split(f.Get("grants"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		g, err := auth.ParseGrant(s)
		if err != nil {
			return h.renderAdminResult(w, r, nil, err)
		}
		grants = append(grants, g)
	}
	u, err := h.Auth.CreateUser(r.Context(), auth.FromContext(r.Context()), auth.NewUser{Login: f.Get("login"), FullName: f.Get("full_name"),
		Email: f.Get("email"), Password: f.Get("password"), Grants: grants})
	return h.renderAdminResult(w, r, func(v *AdminView) { v.NewUser = u.Login }, err)
}

func (h *Handler) pageCreateClient(w http.ResponseWriter, r *http.Request) error {
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	f := r.PostForm
	cr, err := h.Auth.CreateClient(r.Context(), auth.FromContext(r.Context()), auth.NewClient{Name: f.Get("name"), Agency: strings.TrimSpace(f.Get("agency")),
		Subtree: f.Get("subtree") == "true"})
	return h.renderAdminResult(w, r, func(v *AdminView) { v.Created = &cr }, err)
}
