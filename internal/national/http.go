package national

import (
	"net/http"
	"strconv"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the national hub's API.
type Handler struct {
	National *Service
	// Outbox is set on a provincial node that sends to a national hub.
	Outbox *Outbox
	// Pull, on the same nodes, pulls the national catalogue; its last report is shown with the outbox.
	Pull  *CataloguePull
	Pages *web.Renderer
}

// DossierBatch is a batch of DongBoHoSoMC records.
type DossierBatch struct {
	Data []DossierRecord `json:"data"`
}

// ProgressBatch is a batch of CapNhatTienDoHoSoMC records.
type ProgressBatch struct {
	Data []ProgressRecord `json:"data"`
}

// BatchAnswer holds one result per record, in the order sent.
type BatchAnswer struct {
	Results []Result `json:"results"`
}

var pageParams = map[string]string{
	"limit":  "at most this many (default 100, at most 1000)",
	"offset": "skip this many",
}

// Routes returns the national hub's API.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "POST", Path: "/api/v1/national/dossiers:batch", Summary: "A province's connected system: send up to 1,000 DongBoHoSoMC records; each is answered on its own (created, updated, unchanged or refused with its reason)",
			Tag: "national", Access: api.ClientsOnly, Handler: h.apiDossiers, Request: DossierBatch{}, Response: BatchAnswer{}, MaxBody: 32 << 20},
		{Method: "POST", Path: "/api/v1/national/progress:batch", Summary: "A province's connected system: send up to 1,000 CapNhatTienDoHoSoMC records (kept in time order)",
			Tag: "national", Access: api.ClientsOnly, Handler: h.apiProgress, Request: ProgressBatch{}, Response: BatchAnswer{}, MaxBody: 16 << 20},
		{Method: "GET", Path: "/api/v1/national/provinces/{province}/refusals", Summary: "Refused records of a province with the reason to fix, newest first",
			Tag: "national", Access: api.AnyPrincipal, Handler: h.apiRefusals, Response: []Refusal{}, Query: pageParams},
		{Method: "GET", Path: "/api/v1/national/provinces/{province}/gaps", Summary: "Sequence numbers (SoThuTu) of a province not yet received, to send again",
			Tag: "national", Access: api.AnyPrincipal, Handler: h.apiGaps, Response: Gaps{}},
		{Method: "GET", Path: "/api/v1/national/provinces/{province}/dossiers", Summary: "Dossiers of a province at the national hub, newest first, with their history",
			Tag: "national", Access: api.AnyPrincipal, Handler: h.apiProvinceDossiers, Response: []Dossier{}, Query: pageParams},
		{Method: "GET", Path: "/api/v1/national/figures", Summary: "Per province: dossiers synchronised, refused by kind, last synchronisation (counters)",
			Tag: "national", Access: api.ViewerOrAbove, Handler: h.apiFigures, Response: []Figures{}},
		{Method: "GET", Path: "/api/v1/national/dossiers/{code}", Summary: "Anyone: look a dossier up by code at the national hub (applicant's name masked)",
			Tag: "national", Access: api.Public, Handler: h.apiLookup, Response: Dossier{}},
		{Method: "GET", Path: "/api/v1/national/my-dossiers", Summary: "A citizen or business: their dossiers from every province, with status and history",
			Tag: "national", Access: api.ApplicantsOnly, Handler: h.apiMine, Response: []Dossier{}},
		{Method: "GET", Path: "/api/v1/national/outbox", Summary: "Provincial node: records waiting for the national hub, last success, refused records and why (viewers and above)",
			Tag: "national", Access: api.ViewerOrAbove, Handler: h.apiOutbox, Response: OutboxStatus{}},
	}
}

func (h *Handler) apiDossiers(w http.ResponseWriter, r *http.Request) error {
	var b DossierBatch
	if err := api.DecodeJSON(r, &b); err != nil {
		return err
	}
	res, err := h.National.IngestDossiers(r.Context(), auth.FromContext(r.Context()), b.Data)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, BatchAnswer{Results: res})
	return nil
}

func (h *Handler) apiProgress(w http.ResponseWriter, r *http.Request) error {
	var b ProgressBatch
	if err := api.DecodeJSON(r, &b); err != nil {
		return err
	}
	res, err := h.National.IngestProgress(r.Context(), auth.FromContext(r.Context()), b.Data)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, BatchAnswer{Results: res})
	return nil
}

func intParam(s string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errs.Reasonf(errs.Invalid, "bad_parameter", "%q: want a number from %d to %d", s, lo, hi)
	}
	return n, nil
}

func (h *Handler) apiRefusals(w http.ResponseWriter, r *http.Request) error {
	limit, err := intParam(r.URL.Query().Get("limit"), 100, 1, 1000)
	if err != nil {
		return err
	}
	out, err := h.National.Refusals(r.Context(), auth.FromContext(r.Context()), r.PathValue("province"), limit)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) apiGaps(w http.ResponseWriter, r *http.Request) error {
	out, err := h.National.Gaps(r.Context(), auth.FromContext(r.Context()), r.PathValue("province"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) apiProvinceDossiers(w http.ResponseWriter, r *http.Request) error {
	limit, err := intParam(r.URL.Query().Get("limit"), 100, 1, 1000)
	if err != nil {
		return err
	}
	offset, err := intParam(r.URL.Query().Get("offset"), 0, 0, 1<<30)
	if err != nil {
		return err
	}
	out, err := h.National.ProvinceDossiers(r.Context(), auth.FromContext(r.Context()), r.PathValue("province"), limit, offset)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) apiFigures(w http.ResponseWriter, r *http.Request) error {
	out, err := h.National.Figures(r.Context())
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) apiLookup(w http.ResponseWriter, r *http.Request) error {
	out, err := h.National.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) apiMine(w http.ResponseWriter, r *http.Request) error {
	out, err := h.National.Mine(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) apiOutbox(w http.ResponseWriter, r *http.Request) error {
	if h.Outbox == nil {
		return errs.Reasonf(errs.NotFound, "no_outbox", "this node does not send to a national hub")
	}
	st, err := h.Outbox.Status(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, st)
	return nil
}
