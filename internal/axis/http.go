package axis

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
)

// AckRequest is the body of POST /api/v1/axis/edocs/{id}/ack.
type AckRequest struct {
	// Agency is the recipient acknowledging (default: the client's own agency).
	Agency string `json:"agency,omitempty"`
	// Status is done, fail or processing.
	Status string `json:"status"`
}

// InboxPage is the answer to GET /api/v1/axis/edocs/received.
type InboxPage struct {
	Agency string      `json:"agency"`
	Items  []InboxItem `json:"items"`
	// Next is the cursor to pass as after= for the following page.
	Next int64 `json:"next"`
}

// AxisAgency is an agency as the axis lists it (getAgenciesList).
type AxisAgency struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Parent     string `json:"parent,omitempty"`
	Level      string `json:"level"`
	Registered bool   `json:"registered"`
}

// RegistrationRequest is the body of POST /api/v1/axis/agencies/{code}/registration.
type RegistrationRequest struct {
	Registered bool `json:"registered"`
}

// Handler serves the axis API.
type Handler struct {
	Axis     *Service
	Registry *agency.Registry
}

// Routes returns the axis's API routes.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "POST", Path: "/api/v1/axis/edocs", Summary: "Send an edXML document package (QCVN 102:2016) to the agencies in its To elements", Tag: "axis",
			Access: api.ClientsOnly, Handler: h.send, RequestType: "application/xml", Response: Receipt{}, MaxBody: h.Axis.opt.MaxPackage},
		{Method: "GET", Path: "/api/v1/axis/edocs/received", Summary: "An agency's inbox: packages not yet acknowledged as done (long-poll with wait)", Tag: "axis",
			Access: api.AnyPrincipal, Handler: h.received, Response: InboxPage{},
			Query: map[string]string{"agency": "recipient identifier code (default: the client's agency)", "after": "cursor from the previous page",
				"limit": "at most this many (default 100, at most 500)", "wait": "hold the request up to this long for new items, e.g. 30s", "all": "true: include acknowledged items",
				"subtree": "true: the items of every agency in the subtree of agency"}},
		{Method: "GET", Path: "/api/v1/axis/edocs/sent", Summary: "Packages an agency sent, with the delivery state and latest status at each recipient", Tag: "axis",
			Access: api.AnyPrincipal, Handler: h.sent, Response: []SentItem{},
			Query: map[string]string{"agency": "sender identifier code (default: the client's agency)", "limit": "at most this many (default 100)"}},
		{Method: "GET", Path: "/api/v1/axis/edocs/{id}", Summary: "Download a package exactly as its sender signed it", Tag: "axis",
			Access: api.AnyPrincipal, Handler: h.get, ResponseType: "application/xml"},
		{Method: "GET", Path: "/api/v1/axis/edocs/{id}/info", Summary: "A package's metadata, signature report, deliveries and timeline (the trace)", Tag: "axis",
			Access: api.AnyPrincipal, Handler: h.info, Response: Document{}},
		{Method: "GET", Path: "/api/v1/axis/edocs/{id}/attachments/{n}", Summary: "One attachment of a package, decoded", Tag: "axis",
			Access: api.AnyPrincipal, Handler: h.attachment, ResponseType: "application/octet-stream"},
		{Method: "POST", Path: "/api/v1/axis/edocs/{id}/ack", Summary: "Transport acknowledgement by a recipient system: done, fail or processing", Tag: "axis",
			Access: api.ClientsOnly, Handler: h.ack, Request: AckRequest{}},
		{Method: "POST", Path: "/api/v1/axis/status", Summary: "Send an edXML status packet; it is routed to the document's sender (or, for a recall, to its recipients)", Tag: "axis",
			Access: api.ClientsOnly, Handler: h.status, RequestType: "application/xml", Response: Receipt{}, MaxBody: 1 << 20},
		{Method: "PUT", Path: "/api/v1/axis/webhooks/{agency}", Summary: "Register the webhook called when a package arrives in the agency's inbox; the answer shows its signing secret once", Tag: "axis",
			Access: api.ClientsOnly, Handler: h.setWebhook, Request: WebhookRequest{}, Response: Webhook{}},
		{Method: "DELETE", Path: "/api/v1/axis/webhooks/{agency}", Summary: "Remove the agency's webhook", Tag: "axis",
			Access: api.ClientsOnly, Handler: h.deleteWebhook},
		{Method: "GET", Path: "/api/v1/axis/agencies", Summary: "Agencies known to the axis, with their registration", Tag: "axis",
			Access: api.AnyPrincipal, Handler: h.agencies, Response: []AxisAgency{},
			Query: map[string]string{"registered": "true or false", "level": "central, province, district or commune", "within": "only this subtree"}},
		{Method: "POST", Path: "/api/v1/axis/agencies/{code}/registration", Summary: "Register or unregister an agency on the axis (its client, or an administrator)", Tag: "axis",
			Access: api.AnyPrincipal, Handler: h.register, Request: RegistrationRequest{}, Response: AxisAgency{}},
	}
}

func checkXML(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "application/xml", "text/xml", "application/edxml+xml", "application/octet-stream":
		return nil
	}
	return errs.Reasonf(errs.Invalid, "bad_content_type", "send the edXML package as application/xml, not %s", mt)
}

func (h *Handler) send(w http.ResponseWriter, r *http.Request) error {
	if err := checkXML(r); err != nil {
		return err
	}
	rc, err := h.Axis.Send(r.Context(), auth.FromContext(r.Context()), r.Body)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if rc.Duplicate {
		status = http.StatusOK
	}
	api.WriteJSON(w, status, rc)
	return nil
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) error {
	if err := checkXML(r); err != nil {
		return err
	}
	rc, err := h.Axis.SendStatus(r.Context(), auth.FromContext(r.Context()), r.Body)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if rc.Duplicate {
		status = http.StatusOK
	}
	api.WriteJSON(w, status, rc)
	return nil
}

func intParam(r *http.Request, name string, def int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Reasonf(errs.Invalid, "bad_parameter", "%s %q: want a non-negative number", name, s)
	}
	return n, nil
}

func (h *Handler) received(w http.ResponseWriter, r *http.Request) error {
	q := InboxQuery{Agency: r.URL.Query().Get("agency"), All: r.URL.Query().Get("all") == "true", Subtree: r.URL.Query().Get("subtree") == "true"}
	var err error
	if q.After, err = intParam(r, "after", 0); err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		return err
	}
	q.Limit = int(limit)
	if s := r.URL.Query().Get("wait"); s != "" {
		if q.Wait, err = time.ParseDuration(s); err != nil || q.Wait < 0 || q.Wait > time.Minute {
			return errs.Reasonf(errs.Invalid, "bad_parameter", "wait %q: want a duration up to 60s, like 30s", s)
		}
	}
	p := auth.FromContext(r.Context())
	items, err := h.Axis.Received(r.Context(), p, q)
	if err != nil {
		return err
	}
	page := InboxPage{Agency: q.Agency, Items: items, Next: q.After}
	if page.Agency == "" {
		page.Agency = p.Agency
	}
	if len(items) > 0 {
		page.Next = items[len(items)-1].Cursor
	}
	api.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (h *Handler) sent(w http.ResponseWriter, r *http.Request) error {
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		return err
	}
	items, err := h.Axis.Sent(r.Context(), auth.FromContext(r.Context()), r.URL.Query().Get("agency"), int(limit))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, items)
	return nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	f, d, err := h.Axis.Open(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.FormatInt(d.PackageSize, 10))
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.ID+`.edxml"`)
	w.Header().Set("X-Content-SHA256", d.PackageSHA256)
	_, err = io.Copy(w, f)
	return err
}

func (h *Handler) info(w http.ResponseWriter, r *http.Request) error {
	d, err := h.Axis.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) attachment(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		return errs.Reasonf(errs.Invalid, "bad_parameter", "attachment number %q: want 0, 1, …", r.PathValue("n"))
	}
	f, a, err := h.Axis.OpenAttachment(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	defer f.Close()
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	_, err = io.Copy(w, f)
	return err
}

func (h *Handler) ack(w http.ResponseWriter, r *http.Request) error {
	var req AckRequest
	if err := api.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := h.Axis.Ack(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), req.Agency, req.Status); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func axisAgency(a *agency.Agency) AxisAgency {
	return AxisAgency{Code: a.Code, Name: a.Name, Parent: a.Parent, Level: string(a.Level), Registered: a.OnAxis}
}

func (h *Handler) agencies(w http.ResponseWriter, r *http.Request) error {
	q := agency.Query{Active: true, Level: agency.Level(r.URL.Query().Get("level")), Within: r.URL.Query().Get("within"), Limit: 100000}
	if s := r.URL.Query().Get("registered"); s != "" {
		b := s == "true"
		q.OnAxis = &b
	}
	out := []AxisAgency{}
	for _, a := range h.Registry.Index().Search(q) {
		out = append(out, axisAgency(a))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) error {
	var req RegistrationRequest
	if err := api.DecodeJSON(r, &req); err != nil {
		return err
	}
	code := r.PathValue("code")
	p := auth.FromContext(r.Context())
	if !p.ActsFor(code) && !p.Can(auth.Admin, code) {
		return forbiddenFor(p, code)
	}
	a, err := h.Registry.SetRegistration(r.Context(), p, code, req.Registered)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, axisAgency(a))
	return nil
}

func (h *Handler) setWebhook(w http.ResponseWriter, r *http.Request) error {
	var req WebhookRequest
	if err := api.DecodeJSON(r, &req); err != nil {
		return err
	}
	hook, err := h.Axis.SetWebhook(r.Context(), auth.FromContext(r.Context()), r.PathValue("agency"), req.URL)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, hook)
	return nil
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := h.Axis.DeleteWebhook(r.Context(), auth.FromContext(r.Context()), r.PathValue("agency")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
