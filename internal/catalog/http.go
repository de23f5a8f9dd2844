package catalog

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// SearchResult is the answer to GET /api/v1/procedures.
type SearchResult struct {
	Procedures []*Procedure `json:"procedures"`
	Count      int          `json:"count"`
	Matched    int          `json:"matched"`
	Total      int          `json:"total"`
}

// Handler serves the catalogue's API and pages.
type Handler struct {
	Catalog *Catalog
	Pages   *web.Renderer
	// AgencyName, when set, names agencies on the pages.
	AgencyName func(code string) string
}

var searchParams = map[string]string{
	"q":      "words of the name or field name (diacritics, case and Đ/đ ignored), or the start of a procedure code",
	"field":  "field (lĩnh vực) code, such as G03-GD10",
	"level":  "central, province, district or commune",
	"online": "toan_trinh, mot_phan or khong",
	"agency": "only procedures that this agency carries out (identifier code)",
	"limit":  "at most this many results (default 20, at most 500)",
}

// Routes returns the catalogue's API routes.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/api/v1/procedures", Summary: "Search the procedure catalogue", Tag: "catalog", Access: api.Public,
			Handler: h.apiSearch, Response: SearchResult{}, Query: searchParams},
		{Method: "GET", Path: "/api/v1/procedures/{code}", Summary: "One procedure with its instances at agencies", Tag: "catalog",
			Access: api.Public, Handler: h.apiGet, Response: Procedure{}},
		{Method: "GET", Path: "/api/v1/procedures/export.csv", Summary: "The whole catalogue as CSV, one row per procedure (UTF-8 with BOM)", Tag: "catalog",
			Access: api.Public, Handler: h.exportCSV, ResponseType: "text/csv"},
		{Method: "GET", Path: "/api/v1/procedures/export.json", Summary: "The whole catalogue as a JSON array", Tag: "catalog",
			Access: api.Public, Handler: h.exportJSON, Response: []Procedure{}},
		{Method: "POST", Path: "/api/v1/procedures/import", Summary: "Import procedures from CSV (text/csv) or a JSON array (application/json): all or none (administrators)",
			Tag: "catalog", Access: api.AdminsOnly, Handler: h.apiImport, RequestType: "text/csv", Response: ImportResult{}, MaxBody: 64 << 20},
	}
}

func parseQuery(r *http.Request) (Query, error) {
	v := r.URL.Query()
	q := Query{Text: v.Get("q"), Field: v.Get("field"), Level: Level(v.Get("level")), Online: OnlineLevel(v.Get("online")),
		Agency: v.Get("agency"), Limit: 20}
	if q.Level != "" && !validLevel(q.Level) {
		return q, errs.Reasonf(errs.Invalid, "bad_parameter", "level %q: want central, province, district or commune", q.Level)
	}
	if q.Online != "" && !validOnline(q.Online) {
		return q, errs.Reasonf(errs.Invalid, "bad_parameter", "online %q: want toan_trinh, mot_phan or khong", q.Online)
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
	ix := h.Catalog.Index()
	list, matched := ix.Search(q)
	if list == nil {
		list = []*Procedure{}
	}
	api.WriteJSON(w, http.StatusOK, SearchResult{Procedures: list, Count: len(list), Matched: matched, Total: ix.Len()})
	return nil
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	p, err := h.Catalog.Get(r.PathValue("code"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="danh-muc-thu-tuc.csv"`)
	return WriteCSV(w, h.Catalog.Index().All())
}

func (h *Handler) exportJSON(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="danh-muc-thu-tuc.json"`)
	return WriteJSON(w, h.Catalog.Index().All())
}

func (h *Handler) apiImport(w http.ResponseWriter, r *http.Request) error {
	if !auth.FromContext(r.Context()).Can(auth.Admin, auth.Everywhere) {
		return errs.Reasonf(errs.Forbidden, "missing_role", "importing procedures needs an administrator of the national catalogue")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var list []*Procedure
	var err error
	switch mt {
	case "text/csv", "text/plain":
		list, err = ParseCSV(r.Body)
	case "application/json":
		list, err = ParseJSON(r.Body)
	default:
		return errs.Reasonf(errs.Invalid, "bad_content_type", "send CSV with Content-Type: text/csv or a JSON array with Content-Type: application/json")
	}
	if err != nil {
		return err
	}
	res, err := h.Catalog.Import(r.Context(), auth.FromContext(r.Context()), list)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, res)
	return nil
}
