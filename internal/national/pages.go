package national

import (
	"embed"
	"net/http"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages
var files embed.FS

// RegisterPages adds the national hub's pages and their messages (messages/vi.json, en.json).
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(files, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(files, "messages")
}

// PageRoutes returns the lookup by code (anyone), a citizen's dossiers from every province, the
// hub's figures per province, and the provincial outbox page.
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/national/lookup", Page: true, Access: api.Public, Handler: h.pageLookup},
		{Method: "GET", Path: "/national/my-dossiers", Page: true, Access: api.ApplicantsOnly, Handler: h.pageMine},
		{Method: "GET", Path: "/national/figures", Page: true, Access: api.ViewerOrAbove, Handler: h.pageFigures},
		{Method: "GET", Path: "/national/outbox", Page: true, Access: api.ViewerOrAbove, Handler: h.pageOutbox},
	}
}

func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(ict).Format("02/01/2006 15:04")
}

// stepView and dossierView carry times already formatted in Asia/Ho_Chi_Minh.
type stepView struct {
	At      string
	Status  string
	Unit    string
	Content string
}

type dossierView struct {
	Dossier
	Received string
	Steps    []stepView
}

func viewOf(d Dossier) dossierView {
	v := dossierView{Dossier: d, Received: when(&d.ReceivedAt)}
	for _, s := range d.History {
		v.Steps = append(v.Steps, stepView{At: when(&s.At), Status: s.Status.Vietnamese(), Unit: s.Unit, Content: s.Content})
	}
	return v
}

func (h *Handler) pageLookup(w http.ResponseWriter, r *http.Request) error {
	v := struct {
		Code    string
		Dossier *dossierView
		Error   string
	}{Code: strings.TrimSpace(r.URL.Query().Get("code"))}
	if v.Code != "" {
		d, err := h.National.Lookup(r.Context(), v.Code)
		switch {
		case err == nil:
			dv := viewOf(d)
			v.Dossier = &dv
		case errs.CodeOf(err) == errs.Invalid || errs.CodeOf(err) == errs.NotFound:
			v.Error = api.Detail(r, err).Message
		default:
			return err
		}
	}
	return h.Pages.Render(w, r, http.StatusOK, "national_lookup", "national.lookup.title", v)
}

func (h *Handler) pageMine(w http.ResponseWriter, r *http.Request) error {
	list, err := h.National.Mine(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	views := make([]dossierView, len(list))
	for i, d := range list {
		views[i] = viewOf(d)
	}
	return h.Pages.Render(w, r, http.StatusOK, "national_mine", "national.mine.title", views)
}

type figuresView struct {
	Figures
	Last    string
	Refused int64
}

func (h *Handler) pageFigures(w http.ResponseWriter, r *http.Request) error {
	figs, err := h.National.Figures(r.Context())
	if err != nil {
		return err
	}
	views := make([]figuresView, len(figs))
	for i, f := range figs {
		views[i] = figuresView{Figures: f, Last: when(f.LastSyncAt)}
		for _, n := range f.Refused {
			views[i].Refused += n
		}
	}
	return h.Pages.Render(w, r, http.StatusOK, "national_figures", "national.figures.title", struct {
		Kinds []ErrorKind
		Rows  []figuresView
	}{ErrorKinds, views})
}

func (h *Handler) pageOutbox(w http.ResponseWriter, r *http.Request) error {
	if h.Outbox == nil {
		return errs.Reasonf(errs.NotFound, "no_outbox", "this node does not send to a national hub")
	}
	st, err := h.Outbox.Status(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	type refusal struct {
		OutboxRefusal
		When string
	}
	v := struct {
		OutboxStatus
		Last      string
		Refused   []refusal
		Catalogue *CatalogueReport
		// SharePct and TargetPct are the catalogue's online share and target in percent.
		SharePct, TargetPct float64
	}{OutboxStatus: st, Last: when(st.LastSuccessAt)}
	if h.Pull != nil {
		if v.Catalogue = h.Pull.Last(); v.Catalogue != nil {
			v.SharePct, v.TargetPct = 100*v.Catalogue.Share, 100*v.Catalogue.Target
		}
	}
	for _, x := range st.Refused {
		v.Refused = append(v.Refused, refusal{x, when(x.At)})
	}
	return h.Pages.Render(w, r, http.StatusOK, "national_outbox", "national.outbox.title", v)
}
