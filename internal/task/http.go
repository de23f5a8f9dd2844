package task

import (
	"net/http"
	"strconv"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the task API.
type Handler struct {
	Tasks *Service
	// Pages renders the HTML pages (PageRoutes); the API does not need it.
	Pages *web.Renderer
}

var listParams = map[string]string{
	"authority": "assigning authority code (CP, TTG, PTTG, VPCP, UBND, CTUBND, PCTUBND)",
	"agency":    "identifier code of the lead agency",
	"province":  "identifier code of the province (root agency)",
	"status":    "in_progress, overdue, on_time, late or not_required (derived)",
	"from":      "first month of assignment, yyyy-mm",
	"to":        "last month of assignment, yyyy-mm",
	"limit":     "at most this many (default 100, at most 500)",
}

var figureParams = map[string]string{
	"by":        "agency (default), province or authority",
	"authority": "only this assigning authority",
	"from":      "first month, yyyy-mm (assigned by assignment month, completed by completion month)",
	"to":        "last month, yyyy-mm",
}

// Decision is the assigner's answer to an extension request.
type Decision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

// Extension is a request for a later deadline.
type Extension struct {
	Deadline string `json:"deadline"`
	Reason   string `json:"reason"`
}

// Note carries a reason or remark.
type Note struct {
	Reason string `json:"reason"`
}

// FigureTable is the figures answer.
type FigureTable struct {
	Today string   `json:"today"`
	By    string   `json:"by"`
	Total Figure   `json:"total"`
	Rows  []Figure `json:"rows"`
}

// CodeLists are the code lists kept as data.
type CodeLists struct {
	DirectiveKinds []Code `json:"directive_kinds"`
	Authorities    []Code `json:"authorities"`
	ReportPeriods  []Code `json:"report_periods"`
	Statuses       []Code `json:"statuses"`
}

// Routes returns the task API.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/api/v1/tasks", Summary: "Tasks the caller may read (assigner, lead, coordinators, viewers), filtered; status is derived", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.apiList, Response: []Task{}, Query: listParams},
		{Method: "POST", Path: "/api/v1/tasks", Summary: "Assign a task (leaders and clerks of the Government Office for central authorities, of the province's People's Committee otherwise). Idempotency key in the body.", Tag: "tasks",
			Access: api.OfficersOnly, Handler: h.apiCreate, Request: Assignment{}, Response: Task{}},
		{Method: "POST", Path: "/api/v1/tasks/batch", Summary: "Assign several tasks, all or nothing; errors name the row", Tag: "tasks",
			Access: api.OfficersOnly, Handler: h.apiBatch, Request: []Assignment{}, Response: []Task{}},
		{Method: "POST", Path: "/api/v1/tasks/import", Summary: "Assign tasks from a CSV or XLSX sheet (columns: directive_kind, directive_number, directive_date, content, lead, coordinators, authority, assigned_on, deadline, report_period, product), all or nothing; errors name the row", Tag: "tasks",
			Access: api.OfficersOnly, Handler: h.apiImport, RequestType: "text/csv", Response: []Task{}, MaxBody: 16 << 20},
		{Method: "GET", Path: "/api/v1/tasks/figures.xlsx", Summary: "The figures as an XLSX workbook", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.apiFiguresXLSX, ResponseType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Query: figureParams},
		{Method: "GET", Path: "/api/v1/tasks/codes", Summary: "Code lists: directive kinds, assigning authorities, reporting periods, statuses", Tag: "tasks",
			Access: api.SignedIn, Handler: h.apiCodes, Response: CodeLists{}},
		{Method: "GET", Path: "/api/v1/tasks/figures", Summary: "Assigned, completed on time and late, in progress, overdue, completion rate and share, per agency, province or authority (from incremental aggregates)", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.apiFigures, Response: FigureTable{}, Query: figureParams},
		{Method: "GET", Path: "/api/v1/tasks/reminders", Summary: "Deadline reminders of an agency's open tasks", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.apiReminders, Response: []Reminder{}, Query: map[string]string{"agency": "identifier code of the lead agency"}},
		{Method: "GET", Path: "/api/v1/tasks/{id}", Summary: "A task with its derived status", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.apiGet, Response: Task{}},
		{Method: "GET", Path: "/api/v1/tasks/{id}/history", Summary: "Every event of a task, oldest first", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.apiHistory, Response: []Event{}},
		{Method: "POST", Path: "/api/v1/tasks/{id}/progress", Summary: "Lead agency: progress report (text, blob ids, axis document id)", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.report(false), Request: Report{}, Response: Task{}},
		{Method: "POST", Path: "/api/v1/tasks/{id}/completion", Summary: "Lead agency: completion report, dated today; counts once accepted", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.report(true), Request: Report{}, Response: Task{}},
		{Method: "POST", Path: "/api/v1/tasks/{id}/acceptance", Summary: "Assigner: accept the completion report", Tag: "tasks",
			Access: api.OfficersOnly, Handler: h.note("accept"), Request: Note{}, Response: Task{}},
		{Method: "POST", Path: "/api/v1/tasks/{id}/return", Summary: "Assigner: return the completion report with a reason", Tag: "tasks",
			Access: api.OfficersOnly, Handler: h.note("return"), Request: Note{}, Response: Task{}},
		{Method: "POST", Path: "/api/v1/tasks/{id}/cancel", Summary: "Assigner: the task is no longer required (reason)", Tag: "tasks",
			Access: api.OfficersOnly, Handler: h.note("cancel"), Request: Note{}, Response: Task{}},
		{Method: "POST", Path: "/api/v1/tasks/{id}/extension", Summary: "Lead agency: ask for a later deadline with a reason", Tag: "tasks",
			Access: api.AnyPrincipal, Handler: h.apiExtension, Request: Extension{}, Response: Task{}},
		{Method: "POST", Path: "/api/v1/tasks/{id}/extension/decision", Summary: "Assigner: approve or refuse the waiting extension request", Tag: "tasks",
			Access: api.OfficersOnly, Handler: h.apiDecision, Request: Decision{}, Response: Task{}},
	}
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "no task %q", r.PathValue("id"))
	}
	return id, nil
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	list, err := h.Tasks.List(r.Context(), auth.FromContext(r.Context()), Query{Authority: q.Get("authority"), Agency: q.Get("agency"),
		Province: q.Get("province"), Status: Status(q.Get("status")), Period: Period{From: q.Get("from"), To: q.Get("to")}, Limit: limit})
	if err != nil {
		return err
	}
	if list == nil {
		list = []*Task{}
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var a Assignment
	if err := api.DecodeJSON(r, &a); err != nil {
		return err
	}
	t, err := h.Tasks.Create(r.Context(), auth.FromContext(r.Context()), a)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (h *Handler) apiBatch(w http.ResponseWriter, r *http.Request) error {
	var list []Assignment
	if err := api.DecodeJSON(r, &list); err != nil {
		return err
	}
	ts, err := h.Tasks.CreateMany(r.Context(), auth.FromContext(r.Context()), list)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, ts)
	return nil
}

func (h *Handler) apiCodes(w http.ResponseWriter, r *http.Request) error {
	api.WriteJSON(w, http.StatusOK, CodeLists{DirectiveKinds, Authorities, ReportPeriods, Statuses})
	return nil
}

func (h *Handler) apiFigures(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	by := q.Get("by")
	switch by {
	case "":
		by = "agency"
	case "agency", "province", "authority":
	default:
		return errs.New(errs.Invalid, "by is agency, province or authority").WithFields(fieldErr("by", "agency, province or authority"))
	}
	f, err := h.Tasks.Figures(r.Context(), auth.FromContext(r.Context()), Period{From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, FigureTable{Today: f.Today, By: by, Total: f.Total, Rows: f.By(by, q.Get("authority"))})
	return nil
}

func (h *Handler) apiReminders(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.Tasks.Reminders(r.Context(), auth.FromContext(r.Context()), r.URL.Query().Get("agency"))
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []Reminder{}
	}
	api.WriteJSON(w, http.StatusOK, rs)
	return nil
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := h.Tasks.Get(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, t)
	return nil
}

func (h *Handler) apiHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ev, err := h.Tasks.History(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, ev)
	return nil
}

func (h *Handler) report(complete bool) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var rep Report
		if err := api.DecodeJSON(r, &rep); err != nil {
			return err
		}
		p := auth.FromContext(r.Context())
		var t *Task
		if complete {
			t, err = h.Tasks.Complete(r.Context(), p, id, rep)
		} else {
			t, err = h.Tasks.Progress(r.Context(), p, id, rep)
		}
		if err != nil {
			return err
		}
		api.WriteJSON(w, http.StatusOK, t)
		return nil
	}
}

func (h *Handler) note(what string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var n Note
		if err := api.DecodeJSON(r, &n); err != nil {
			return err
		}
		p := auth.FromContext(r.Context())
		var t *Task
		switch what {
		case "accept":
			t, err = h.Tasks.Accept(r.Context(), p, id, n.Reason)
		case "return":
			t, err = h.Tasks.Return(r.Context(), p, id, n.Reason)
		default:
			t, err = h.Tasks.Cancel(r.Context(), p, id, n.Reason)
		}
		if err != nil {
			return err
		}
		api.WriteJSON(w, http.StatusOK, t)
		return nil
	}
}

func (h *Handler) apiExtension(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var e Extension
	if err := api.DecodeJSON(r, &e); err != nil {
		return err
	}
	t, err := h.Tasks.RequestExtension(r.Context(), auth.FromContext(r.Context()), id, e.Deadline, e.Reason)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, t)
	return nil
}

func (h *Handler) apiDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var d Decision
	if err := api.DecodeJSON(r, &d); err != nil {
		return err
	}
	t, err := h.Tasks.DecideExtension(r.Context(), auth.FromContext(r.Context()), id, d.Approve, d.Reason)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, t)
	return nil
}
