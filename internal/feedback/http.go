package feedback

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the feedback API and pages.
type Handler struct {
	Feedback *Service
	Pages    *web.Renderer
}

var listParams = map[string]string{
	"agency":     "identifier code: the agency and those below it (its viewers, officers, leaders and connected systems)",
	"status":     "received, assigned, transferred, answered, published or rejected; comma-separated",
	"kind":       "feedback, petition or question",
	"timeliness": "overdue or due_soon: open items past or within 2 working days of their deadline",
	"q":          "words of the subject, content, answer, code, sender or dossier (diacritics ignored)",
	"limit":      "at most this many (default 100, at most 500)",
	"offset":     "skip this many",
}

var publishedParams = map[string]string{
	"q":      "words of the subject, content or answer (diacritics ignored)",
	"kind":   "feedback, petition or question",
	"agency": "identifier code: the agency and those below it",
	"field":  "field code (lĩnh vực), such as G03-GD10",
	"limit":  "at most this many (default 50, at most 200)",
	"offset": "skip this many",
}

var statsParams = map[string]string{
	"agency": "identifier code of the agency subtree (default: all agencies)",
	"from":   "first day of receipt, yyyy-mm-dd (default: any)",
	"to":     "last day of receipt, yyyy-mm-dd (default: any)",
}

// Routes returns the feedback API.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "POST", Path: "/api/v1/feedback", Summary: "Anyone: send feedback, a petition or a question to an agency. Idempotency-Key is honoured. The answer holds the tracking code.",
			Tag: "feedback", Access: api.Public, Handler: h.apiSubmit, Request: Submission{}, Response: PublicView{}},
		{Method: "GET", Path: "/api/v1/feedback", Summary: "Items of an agency subtree: filter by status, kind, overdue or due soon, words", Tag: "feedback",
			Access: api.AnyPrincipal, Handler: h.apiList, Response: []Item{}, Query: listParams},
		{Method: "GET", Path: "/api/v1/feedback/published", Summary: "Anyone: published answers, newest first, searchable", Tag: "feedback",
			Access: api.Public, Handler: h.apiPublished, Response: []PublicView{}, Query: publishedParams},
		{Method: "GET", Path: "/api/v1/feedback/stats", Summary: "Received, answered on time and late, overdue and in progress, per agency and per province", Tag: "feedback",
			Access: api.AnyPrincipal, Handler: h.apiStats, Response: Report{}, Query: statsParams},
		{Method: "GET", Path: "/api/v1/feedback/{code}", Summary: "Anyone with the tracking code: status, deadline and answer, never the sender", Tag: "feedback",
			Access: api.Public, Handler: h.apiGet, Response: PublicView{}},
		{Method: "GET", Path: "/api/v1/feedback/{code}/detail", Summary: "The whole item with its sender and timeline (the agency's viewers, officers and connected systems)", Tag: "feedback",
			Access: api.AnyPrincipal, Handler: h.apiDetail, Response: Item{}},
		{Method: "POST", Path: "/api/v1/feedback/{code}/assignment", Summary: "Route an open item to an officer of its agency", Tag: "feedback",
			Access: api.OfficersOnly, Handler: h.apiAssign, Request: Assignment{}, Response: Item{}},
		{Method: "POST", Path: "/api/v1/feedback/{code}/transfer", Summary: "Send an open item on to the competent agency (the deadline is kept)", Tag: "feedback",
			Access: api.OfficersOnly, Handler: h.apiTransfer, Request: Transfer{}, Response: Item{}},
		{Method: "POST", Path: "/api/v1/feedback/{code}/answer", Summary: "Answer an open item (once)", Tag: "feedback",
			Access: api.OfficersOnly, Handler: h.apiAnswer, Request: Reply{}, Response: Item{}},
		{Method: "POST", Path: "/api/v1/feedback/{code}/publish", Summary: "Publish an answered item and its answer (never the sender)", Tag: "feedback",
			Access: api.OfficersOnly, Handler: h.apiPublish, Request: Publication{}, Response: Item{}},
		{Method: "POST", Path: "/api/v1/feedback/{code}/reject", Summary: "Close an open item without an answer, with the reason the sender sees", Tag: "feedback",
			Access: api.OfficersOnly, Handler: h.apiReject, Request: Rejection{}, Response: Item{}},
	}
}

func (h *Handler) apiSubmit(w http.ResponseWriter, r *http.Request) error {
	var sub Submission
	if err := api.DecodeJSON(r, &sub); err != nil {
		return err
	}
	if k := strings.TrimSpace(r.Header.Get("Idempotency-Key")); k != "" {
		if sub.IdempotencyKey != "" && strings.TrimSpace(sub.IdempotencyKey) != k {
			return errs.Reasonf(errs.Invalid, "bad_idempotency_key", "the Idempotency-Key header and the idempotency_key field differ")
		}
		sub.IdempotencyKey = k
	}
	it, err := h.Feedback.Submit(r.Context(), auth.FromContext(r.Context()), sub)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/feedback/"+url.PathEscape(it.Code))
	api.WriteJSON(w, http.StatusCreated, it.Public())
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

// filterOf reads a list filter from query parameters.
func filterOf(v url.Values) (Filter, error) {
	f := Filter{Agency: strings.TrimSpace(v.Get("agency")), Kind: Kind(v.Get("kind")), Timeliness: Timeliness(v.Get("timeliness")), Query: v.Get("q")}
	for _, s := range strings.Split(v.Get("status"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			f.Status = append(f.Status, Status(s))
		}
	}
	var err error
	if f.Limit, err = intParam(v.Get("limit"), 100, 1, 500); err != nil {
		return f, err
	}
	f.Offset, err = intParam(v.Get("offset"), 0, 0, 1<<30)
	return f, err
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r.URL.Query())
	if err != nil {
		return err
	}
	if f.Agency == "" {
		return errs.Reasonf(errs.Invalid, "agency_required", "say which agency's items to list (agency=identifier code)")
	}
	list, err := h.Feedback.List(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*Item{}
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

func publishedFilterOf(v url.Values) (PublishedFilter, error) {
	f := PublishedFilter{Query: v.Get("q"), Kind: Kind(v.Get("kind")), Agency: v.Get("agency"), Field: v.Get("field")}
	var err error
	if f.Limit, err = intParam(v.Get("limit"), 50, 1, 200); err != nil {
		return f, err
	}
	f.Offset, err = intParam(v.Get("offset"), 0, 0, 1<<30)
	return f, err
}

func (h *Handler) apiPublished(w http.ResponseWriter, r *http.Request) error {
	f, err := publishedFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := h.Feedback.PublishedAnswers(r.Context(), f)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

// statsQueryOf reads agency, from and to (local days, to inclusive).
func statsQueryOf(v url.Values, loc *time.Location) (StatsQuery, error) {
	q := StatsQuery{Agency: strings.TrimSpace(v.Get("agency"))}
	for _, p := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &q.From, 0}, {"to", &q.To, 1}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.ParseInLocation(time.DateOnly, s, loc)
			if err != nil {
				return q, errs.Reasonf(errs.Invalid, "bad_parameter", "%s %q: want yyyy-mm-dd", p.name, s)
			}
			*p.dst = t.AddDate(0, 0, p.add)
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return q, errs.Reasonf(errs.Invalid, "bad_parameter", "the period ends before it starts")
	}
	return q, nil
}

func (h *Handler) apiStats(w http.ResponseWriter, r *http.Request) error {
	q, err := statsQueryOf(r.URL.Query(), h.Feedback.cal.Location())
	if err != nil {
		return err
	}
	rep, err := h.Feedback.Stats(r.Context(), auth.FromContext(r.Context()), q)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	v, err := h.Feedback.Get(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (h *Handler) apiDetail(w http.ResponseWriter, r *http.Request) error {
	it, err := h.Feedback.Detail(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, it)
	return nil
}

// decodeOptional reads a JSON body into v like api.DecodeJSON, accepting an empty body.
func decodeOptional(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_json", "the request body is not valid JSON for this call: %v", err)
	}
	if dec.More() {
		return errs.Reasonf(errs.Invalid, "bad_json", "the request body has data after the JSON value")
	}
	return nil
}

// step decodes a step's body and runs it for the caller.
func apiStep[T any](h *Handler, run func(s *Service, r *http.Request, by *auth.Principal, code string, body T) (*Item, error), optional bool) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body T
		var err error
		if optional {
			err = decodeOptional(r, &body)
		} else {
			err = api.DecodeJSON(r, &body)
		}
		if err != nil {
			return err
		}
		it, err := run(h.Feedback, r, auth.FromContext(r.Context()), r.PathValue("code"), body)
		if err != nil {
			return err
		}
		api.WriteJSON(w, http.StatusOK, it)
		return nil
	}
}

func (h *Handler) apiAssign(w http.ResponseWriter, r *http.Request) error {
	return apiStep(h, func(s *Service, r *http.Request, by *auth.Principal, code string, a Assignment) (*Item, error) {
		return s.Assign(r.Context(), by, code, a)
	}, false)(w, r)
}

func (h *Handler) apiTransfer(w http.ResponseWriter, r *http.Request) error {
	return apiStep(h, func(s *Service, r *http.Request, by *auth.Principal, code string, t Transfer) (*Item, error) {
		return s.Transfer(r.Context(), by, code, t)
	}, false)(w, r)
}

func (h *Handler) apiAnswer(w http.ResponseWriter, r *http.Request) error {
	return apiStep(h, func(s *Service, r *http.Request, by *auth.Principal, code string, x Reply) (*Item, error) {
		return s.Answer(r.Context(), by, code, x)
	}, false)(w, r)
}

func (h *Handler) apiPublish(w http.ResponseWriter, r *http.Request) error {
	return apiStep(h, func(s *Service, r *http.Request, by *auth.Principal, code string, p Publication) (*Item, error) {
		return s.Publish(r.Context(), by, code, p)
	}, true)(w, r)
}

func (h *Handler) apiReject(w http.ResponseWriter, r *http.Request) error {
	return apiStep(h, func(s *Service, r *http.Request, by *auth.Principal, code string, x Rejection) (*Item, error) {
		return s.Reject(r.Context(), by, code, x)
	}, false)(w, r)
}
