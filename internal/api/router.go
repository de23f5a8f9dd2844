package api

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
)

// HandlerFunc is an HTTP handler that returns its error for the router to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Access says who may call a route.
type Access struct {
	// Public routes need no credentials.
	Public bool
	// Role, when set, must be held somewhere (the handler checks the exact agency scope).
	Role auth.Role
	// Clients lets machine clients in; Users lets officers with sessions in; Applicants lets
	// citizens and businesses with sessions in (accounts without role grants).
	Clients    bool
	Users      bool
	Applicants bool
}

// The common access rules.
var (
	Public        = Access{Public: true}
	AnyPrincipal  = Access{Clients: true, Users: true}
	ClientsOnly   = Access{Clients: true}
	AdminsOnly    = Access{Users: true, Role: auth.Admin}
	OfficersOnly  = Access{Users: true}
	ViewerOrAbove = Access{Users: true, Role: auth.Viewer}
	// People is any person with a session, officer or applicant.
	People = Access{Users: true, Applicants: true}
	// ApplicantsOnly is for citizens and businesses (their profile, their data store).
	ApplicantsOnly = Access{Applicants: true}
	// SignedIn is anyone with credentials: officers, applicants and machine clients.
	SignedIn = Access{Clients: true, Users: true, Applicants: true}
)

// Route is one entry of the route table: the handler, who may call it, and what the OpenAPI
// document says about it.
type Route struct {
	Method  string
	Path    string
	Summary string
	Tag     string
	Access  Access
	Handler HandlerFunc
	// Page routes render HTML and are left out of the OpenAPI document.
	Page bool
	// Request and Response are example values whose types describe the bodies (nil for none).
	Request  any
	Response any
	// RequestType overrides the request media type (for example text/csv or application/xml).
	RequestType string
	// ResponseType overrides the response media type.
	ResponseType string
	// Query documents query parameters: name → description.
	Query map[string]string
	// MaxBody overrides the default body limit (bytes).
	MaxBody int64
}

// Pattern is the ServeMux pattern of the route.
func (rt Route) Pattern() string { return rt.Method + " " + rt.Path }

// Router is a ServeMux that remembers its route table for the OpenAPI document and for tests.
type Router struct {
	Mux     *http.ServeMux
	routes  []Route
	MaxBody int64
	// PageError renders errors of page routes as HTML; JSON is used when it is nil.
	PageError func(w http.ResponseWriter, r *http.Request, err error)
	// PageLogin is where page routes send anonymous visitors.
	PageLogin string
}

// NewRouter returns an empty router with the default body limit.
func NewRouter(maxBody int64) *Router {
	return &Router{Mux: http.NewServeMux(), MaxBody: maxBody}
}

// Handle registers routes.
func (rr *Router) Handle(routes ...Route) {
	for _, rt := range routes {
		rr.routes = append(rr.routes, rt)
		rr.Mux.Handle(rt.Pattern(), rr.wrap(rt))
	}
}

// HandleRaw registers a plain handler outside the route table (health checks, static files).
func (rr *Router) HandleRaw(pattern string, h http.Handler) { rr.Mux.Handle(pattern, h) }

// Routes returns the route table sorted by path and method.
func (rr *Router) Routes() []Route {
	out := append([]Route(nil), rr.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Check applies a route's access rule to a request's principal.
func Check(a Access, r *http.Request) error {
	if a.Public {
		return nil
	}
	p := auth.FromContext(r.Context())
	if p == nil {
		if err := auth.AuthError(r.Context()); err != nil {
			return err
		}
		return errs.Reasonf(errs.Unauthorized, "no_credentials", "this call needs a bearer token (machine clients) or a login session (officers)")
	}
	switch p.Kind {
	case auth.KindClient:
		if !a.Clients {
			return errs.Reasonf(errs.Forbidden, "users_only", "machine clients cannot use this call")
		}
	case auth.KindUser:
		if p.IsApplicant() {
			if !a.Applicants {
				return errs.Reasonf(errs.Forbidden, "officers_only", "this call is for officers and connected systems, not for applicants")
			}
			return nil
		}
		if !a.Users {
			if a.Applicants {
				return errs.Reasonf(errs.Forbidden, "applicants_only", "this call is for citizens and businesses with an applicant account")
			}
			return errs.Reasonf(errs.Forbidden, "clients_only", "this call is for connected systems (machine clients)")
		}
		if a.Role != "" && !p.Can(a.Role, "") {
			return errs.Reasonf(errs.Forbidden, "missing_role", "this call needs the %s role", a.Role)
		}
	}
	return nil
}

func (rr *Router) wrap(rt Route) http.Handler {
	limit := rt.MaxBody
	if limit == 0 {
		limit = rr.MaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		err := Check(rt.Access, r)
		if err == nil {
			err = rt.Handler(w, r)
		}
		if err == nil {
			return
		}
		if rt.Page && rr.PageError != nil {
			if errs.Is(err, errs.Unauthorized) && rr.PageLogin != "" && r.Method == http.MethodGet {
				http.Redirect(w, r, rr.PageLogin+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			rr.PageError(w, r, err)
			return
		}
		WriteError(w, r, err)
	})
}

// Allowed returns the methods that the route table serves at a concrete path.
func (rr *Router) Allowed(path string) []string {
	var out []string
	for _, rt := range rr.routes {
		if pathMatches(rt.Path, path) {
			out = append(out, rt.Method)
		}
	}
	return out
}

// pathMatches reports whether a concrete path fits a ServeMux path with {wildcards}.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") && ps[i] != "{$}" {
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}
