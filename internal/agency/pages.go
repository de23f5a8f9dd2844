package agency

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates
var templates embed.FS

// RegisterPages adds the registry's page templates to the renderer.
func RegisterPages(r *web.Renderer) error { return r.Add(templates, "templates/*.html") }

// PageRoutes returns the registry's pages.
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/agencies", Page: true, Access: api.Public, Handler: h.pageList},
		{Method: "GET", Path: "/agencies/{code}", Page: true, Access: api.Public, Handler: h.pageShow},
		{Method: "GET", Path: "/agencies/{code}/edit", Page: true, Access: api.AdminsOnly, Handler: h.pageEdit},
		{Method: "POST", Path: "/agencies/{code}/edit", Page: true, Access: api.AdminsOnly, Handler: h.pageSave},
		{Method: "GET", Path: "/agencies/import", Page: true, Access: api.AdminsOnly, Handler: h.pageImport},
		{Method: "POST", Path: "/agencies/import", Page: true, Access: api.AdminsOnly, Handler: h.pageImportPost},
	}
}

// ListView is the view of the registry page.
type ListView struct {
	Q        string
	Level    string
	Kind     string
	Active   bool
	Searched bool
	Results  []Record
	Total    int
	Roots    []Record
	Levels   []Level
	Kinds    []Kind
	CanEdit  bool
}

func (h *Handler) pageList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	q.Limit = 100
	ix := h.Registry.Index()
	v := ListView{Q: q.Text, Level: string(q.Level), Kind: string(q.Kind), Active: q.Active, Total: ix.Len(),
		Levels: Levels, Kinds: Kinds, CanEdit: auth.FromContext(r.Context()).Can(auth.Admin, "")}
	if q.Text != "" || q.Level != "" || q.Kind != "" || q.Active {
		v.Searched = true
		v.Results = records(ix.Search(q))
	} else {
		v.Roots = records(ix.Roots())
	}
	return h.Pages.Render(w, r, http.StatusOK, "agencies", "agency.title", v)
}

// ShowView is the view of one agency's page.
type ShowView struct {
	Detail
	CanEdit bool
}

func (h *Handler) pageShow(w http.ResponseWriter, r *http.Request) error {
	d, err := h.detail(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	v := ShowView{Detail: d, CanEdit: auth.FromContext(r.Context()).Can(auth.Admin, d.Agency.Code)}
	return h.Pages.Render(w, r, http.StatusOK, "agency", "agency.show", v)
}

// EditView is the view of the edit form.
type EditView struct {
	Agency  Agency
	Levels  []Level
	Kinds   []Kind
	Problem *errs.Error
}

func (h *Handler) pageEdit(w http.ResponseWriter, r *http.Request) error {
	a, err := h.Registry.Get(r.PathValue("code"))
	if err != nil {
		return err
	}
	if err := auth.Require(r.Context(), auth.Admin, a.Code); err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "agency_edit", "agency.edit", EditView{Agency: *a, Levels: Levels, Kinds: Kinds})
}

func (h *Handler) pageSave(w http.ResponseWriter, r *http.Request) error {
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	a := Agency{Code: r.PathValue("code"), Name: f.Get("name"), Abbreviation: f.Get("abbreviation"), Kind: Kind(f.Get("kind")),
		Level: Level(f.Get("level")), EffectiveFrom: f.Get("effective_from"), EffectiveTo: f.Get("effective_to"),
		Successor: f.Get("successor"), OnAxis: f.Get("on_axis") == "true", Address: f.Get("address"), Email: f.Get("email"),
		Phone: f.Get("phone"), Version: version}
	if _, err := h.Registry.Update(r.Context(), auth.FromContext(r.Context()), a); err != nil {
		e := errs.As(err)
		if e.Code == errs.Invalid || e.Code == errs.Conflict {
			return h.Pages.Render(w, r, api.Status(err), "agency_edit", "agency.edit", EditView{Agency: a, Levels: Levels, Kinds: Kinds, Problem: e})
		}
		return err
	}
	http.Redirect(w, r, "/agencies/"+url.PathEscape(a.Code)+"?saved=1", http.StatusSeeOther)
	return nil
}

// ImportView is the view of the import page.
type ImportView struct {
	Result  *ImportResult
	Problem *errs.Error
}

func (h *Handler) pageImport(w http.ResponseWriter, r *http.Request) error {
	return h.Pages.Render(w, r, http.StatusOK, "agency_import", "agency.import", ImportView{})
}

func (h *Handler) pageImportPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the upload could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return errs.Reasonf(errs.Invalid, "missing_file", "choose a CSV file to import")
	}
	defer file.Close()
	rows, err := ParseCSV(file)
	if err == nil {
		var res ImportResult
		res, err = h.Registry.Import(r.Context(), auth.FromContext(r.Context()), rows)
		if err == nil {
			return h.Pages.Render(w, r, http.StatusOK, "agency_import", "agency.import", ImportView{Result: &res})
		}
	}
	e := errs.As(err)
	if e.Code == errs.Internal {
		return err
	}
	return h.Pages.Render(w, r, api.Status(err), "agency_import", "agency.import", ImportView{Problem: e})
}
