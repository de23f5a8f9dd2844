package catalog

import (
	"embed"
	"net/http"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates
var templates embed.FS

// RegisterPages adds the catalogue's page templates to the renderer.
func RegisterPages(r *web.Renderer) error { return r.Add(templates, "templates/*.html") }

// PageRoutes returns the catalogue's public pages.
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/procedures", Page: true, Access: api.Public, Handler: h.pageList},
		{Method: "GET", Path: "/procedures/{code}", Page: true, Access: api.Public, Handler: h.pageShow},
	}
}

// ListView is the view of the catalogue page.
type ListView struct {
	Q        string
	Field    string
	Level    string
	Online   string
	Searched bool
	Results  []*Procedure
	Matched  int
	Total    int
	Fields   []Field
	Levels   []Level
	Onlines  []OnlineLevel
}

func (h *Handler) pageList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	q.Limit = 100
	ix := h.Catalog.Index()
	v := ListView{Q: q.Text, Field: q.Field, Level: string(q.Level), Online: string(q.Online), Total: ix.Len(),
		Fields: ix.Fields(), Levels: Levels, Onlines: OnlineLevels, Searched: true}
	v.Results, v.Matched = ix.Search(q)
	return h.Pages.Render(w, r, http.StatusOK, "procedures", "procedure.title", v)
}

// ShowView is the view of one procedure's page.
type ShowView struct {
	*Procedure
	Instances []InstanceView
}

// InstanceView is an instance with its agency's name and its resolved time and fees.
type InstanceView struct {
	Instance
	AgencyName string
	Days       int
	Fees       []Fee
}

func (h *Handler) pageShow(w http.ResponseWriter, r *http.Request) error {
	p, err := h.Catalog.Get(r.PathValue("code"))
	if err != nil {
		return err
	}
	v := ShowView{Procedure: p}
	for _, in := range p.Instances {
		iv := InstanceView{Instance: in, AgencyName: in.Agency, Days: p.DaysAt(in), Fees: p.FeesAt(in)}
		if h.AgencyName != nil {
			iv.AgencyName = h.AgencyName(in.Agency)
		}
		v.Instances = append(v.Instances, iv)
	}
	return h.Pages.Render(w, r, http.StatusOK, "procedure", "procedure.show", v)
}
