package agency

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// Record is an agency as the API shows it, with whether it exists today.
type Record struct {
	*Agency
	Active bool `json:"active"`
}

func record(a *Agency, today string) Record { return Record{Agency: a, Active: a.ActiveOn(today)} }

func records(list []*Agency) []Record {
	today := Today()
	out := make([]Record, len(list))
	for i, a := range list {
		out[i] = record(a, today)
	}
	return out
}

// SearchResult is the answer to GET /api/v1/agencies.
type SearchResult struct {
	Agencies []Record `json:"agencies"`
	Count    int      `json:"count"`
	Total    int      `json:"total"`
}

// Detail is the answer to GET /api/v1/agencies/{code}: the agency with its place in the tree and its history.
type Detail struct {
	Agency       Record   `json:"agency"`
	Ancestors    []Record `json:"ancestors"`
	Children     []Record `json:"children"`
	Predecessors []Record `json:"predecessors"`
	Successors   []Record `json:"successors"`
	History      []Event  `json:"history"`
}

// Handler serves the registry's API and pages.
type Handler struct {
	Registry *Registry
	Pages    *web.Renderer
}

var searchParams = map[string]string{
	"q":       "words of the name (diacritics, case and Đ/đ ignored), an abbreviation or the start of a code",
	"level":   "central, province, district or commune",
	"kind":    "ministry, province_committee, province_council, department, district, commune or unit",
	"within":  "only agencies in the subtree of this identifier code",
	"active":  "true: only agencies that exist today",
	"on_axis": "true or false: registered on the document exchange axis",
	"limit":   "at most this many results (default 20, at most 500)",
}

// Routes returns the registry's API routes.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/api/v1/agencies", Summary: "Search the agency registry", Tag: "registry", Access: api.Public,
			Handler: h.apiSearch, Response: SearchResult{}, Query: searchParams},
		{Method: "GET", Path: "/api/v1/agencies/{code}", Summary: "One agency with its children and history", Tag: "registry",
			Access: api.Public, Handler: h.apiGet, Response: Detail{}},
		{Method: "GET", Path: "/api/v1/agencies/export.csv", Summary: "The whole registry as CSV (UTF-8 with BOM)", Tag: "registry",
			Access: api.Public, Handler: h.export, ResponseType: "text/csv"},
		{Method: "POST", Path: "/api/v1/agencies", Summary: "Register an agency (administrators)", Tag: "registry",
			Access: api.AdminsOnly, Handler: h.apiCreate, Request: Agency{}, Response: Record{}},
		{Method: "PUT", Path: "/api/v1/agencies/{code}", Summary: "Change an agency (administrators; send version to avoid lost updates)", Tag: "registry",
			Access: api.AdminsOnly, Handler: h.apiUpdate, Request: Agency{}, Response: Record{}},
		{Method: "POST", Path: "/api/v1/agencies/import", Summary: "Import agencies from CSV: all rows or none (administrators)", Tag: "registry",
			Access: api.AdminsOnly, Handler: h.apiImport, RequestType: "text/csv", Response: ImportResult{}, MaxBody: 32 << 20},
	}
}

func parseQuery(r *http.Request) (Query, error) {
	v := r.URL.Query()
	q := Query{Text: v.Get("q"), Level: Level(v.Get("level")), Kind: Kind(v.Get("kind")), Within: v.Get("within"), Limit: 20}
	if q.Level != "" && !validLevel(q.Level) {
		return q, errs.Reasonf(errs.Invalid, "bad_parameter", "level %q: want central, province, district or commune", q.Level)
	}
	if q.Kind != "" && !validKind(q.Kind) {
		return q, errs.Reasonf(errs.Invalid, "bad_parameter", "kind %q: want one of %s", q.Kind, joinKinds())
	}
	if s := v.Get("active"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, errs.Reasonf(errs.Invalid, "bad_parameter", "active %q: want true or false", s)
		}
		q.Active = b
	}
	if s := v.Get("on_axis"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, errs.Reasonf(errs.Invalid, "bad_parameter", "on_axis %q: want true or false", s)
		}
		q.OnAxis = &b
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return q, errs.Reasonf(errs.Invalid, "bad_parameter", "limit %q: want a number from 1 to 500", s)
		}
		q.Limit = n
	}
	return q, nil
}

func (h *Handler) apiSearch(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	ix := h.Registry.Index()
	list := ix.Search(q)
	api.WriteJSON(w, http.StatusOK, SearchResult{Agencies: records(list), Count: len(list), Total: ix.Len()})
	return nil
}

// detail gathers an agency's place in the tree and history.
func (h *Handler) detail(r *http.Request, code string) (Detail, error) {
	a, err := h.Registry.Get(code)
	if err != nil {
		return Detail{}, err
	}
	ix := h.Registry.Index()
	var ancestors []*Agency
	for p := a.Parent; p != ""; {
		pa, ok := ix.Get(p)
		if !ok {
			break
		}
		ancestors = append([]*Agency{pa}, ancestors...)
		p = pa.Parent
	}
	hist, err := h.Registry.History(r.Context(), code)
	if err != nil {
		return Detail{}, err
	}
	return Detail{Agency: record(a, Today()), Ancestors: records(ancestors), Children: records(ix.Children(code)),
		Predecessors: records(ix.Predecessors(code)), Successors: records(ix.SuccessorChain(code)), History: hist}, nil
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	d, err := h.detail(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="danh-muc-co-quan.csv"`)
	return WriteCSV(w, h.Registry.Index().All())
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var a Agency
	if err := api.DecodeJSON(r, &a); err != nil {
		return err
	}
	got, err := h.Registry.Create(r.Context(), auth.FromContext(r.Context()), a)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, record(got, Today()))
	return nil
}

func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) error {
	var a Agency
	if err := api.DecodeJSON(r, &a); err != nil {
		return err
	}
	if a.Code == "" {
		a.Code = r.PathValue("code")
	}
	if a.Code != r.PathValue("code") {
		return errs.Reasonf(errs.Invalid, "code_mismatch", "the body's code %q differs from the path's %q: codes cannot be changed, close the agency and give it a successor instead", a.Code, r.PathValue("code"))
	}
	got, err := h.Registry.Update(r.Context(), auth.FromContext(r.Context()), a)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, record(got, Today()))
	return nil
}

func (h *Handler) apiImport(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") {
		return errs.Reasonf(errs.Invalid, "bad_content_type", "send the CSV file with Content-Type: text/csv")
	}
	rows, err := ParseCSV(r.Body)
	if err != nil {
		return err
	}
	res, err := h.Registry.Import(r.Context(), auth.FromContext(r.Context()), rows)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, res)
	return nil
}
