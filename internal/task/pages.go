package task

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages static
var files embed.FS

// RegisterPages adds the task pages' templates and messages (vi first, en beside) to the renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(files, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(files, "messages")
}

// PageRoutes returns the task pages: the assigner's board, an agency's tasks, a task, the figures.
// Officers only (machine clients use the API); the service applies the per-task rules.
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/tasks", Page: true, Access: api.OfficersOnly, Handler: h.pageBoard},
		{Method: "POST", Path: "/tasks", Page: true, Access: api.OfficersOnly, Handler: h.pageAssign},
		{Method: "GET", Path: "/tasks/mine", Page: true, Access: api.OfficersOnly, Handler: h.pageMine},
		{Method: "GET", Path: "/tasks/figures", Page: true, Access: api.OfficersOnly, Handler: h.pageFigures},
		{Method: "GET", Path: "/tasks/{id}", Page: true, Access: api.OfficersOnly, Handler: h.pageTask},
		{Method: "POST", Path: "/tasks/{id}/{action}", Page: true, Access: api.OfficersOnly, Handler: h.pageAct},
		{Method: "GET", Path: "/tasks/assets/{name}", Page: true, Access: api.Public, Handler: web.Asset(files, "")},
	}
}

// Labels are the code lists' names in the page's language, keyed "kind:NQ", "auth:CP",
// "period:month", "status:overdue".
type Labels map[string]string

func labels(r *http.Request) Labels {
	en := web.Lang(r) == "en"
	l := Labels{}
	for prefix, list := range map[string][]Code{"kind:": DirectiveKinds, "auth:": Authorities, "period:": ReportPeriods, "status:": Statuses} {
		for _, c := range list {
			l[prefix+c.Code] = c.Vi
			if en {
				l[prefix+c.Code] = c.En
			}
		}
	}
	return l
}

// Row is a task as a list shows it.
type Row struct {
	*Task
	LeadName string
}

func (h *Handler) name(code string) string {
	if n, ok := h.Tasks.agencies.(interface{ Name(string) string }); ok {
		if s := n.Name(code); s != "" {
			return s
		}
	}
	return code
}

func (h *Handler) rows(ts []*Task) []Row {
	out := make([]Row, len(ts))
	for i, t := range ts {
		out[i] = Row{Task: t, LeadName: h.name(t.Lead)}
	}
	return out
}

// StatusCount is one of the counts on top of the board.
type StatusCount struct {
	Status Status
	N      int
}

// BoardView is the view of the assigner's board.
type BoardView struct {
	L           Labels
	Authority   string
	Agency      string
	Province    string
	Status      string
	From, To    string
	Counts      []StatusCount
	Total       int
	Tasks       []Row
	Capped      bool
	CanAssign   bool
	Form        Assignment
	Coords      string
	Key         string
	Problem     *errs.Error
	Kinds       []Code
	Authorities []Code
	Periods     []Code
	Statuses    []Code
}

func newKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// mayAssignSomewhere: leaders, clerks and admins of some agency see the assigning form (the
// service checks the assigner of each task).
func mayAssignSomewhere(p *auth.Principal) bool {
	return p.Can(auth.Leader, "") || p.Can(auth.Clerk, "")
}

const boardLimit = 500

func (h *Handler) board(r *http.Request, form Assignment, key string, problem *errs.Error) (BoardView, error) {
	q := r.URL.Query()
	p := auth.FromContext(r.Context())
	v := BoardView{L: labels(r), Authority: q.Get("authority"), Agency: q.Get("agency"), Province: q.Get("province"),
		Status: q.Get("status"), From: q.Get("from"), To: q.Get("to"), CanAssign: mayAssignSomewhere(p),
		Form: form, Coords: strings.Join(form.Coordinators, ", "), Key: key, Problem: problem,
		Kinds: DirectiveKinds, Authorities: Authorities, Periods: ReportPeriods, Statuses: Statuses}
	if v.Key == "" {
		v.Key = newKey()
	}
	if v.Status != "" {
		if _, ok := statusSQL[Status(v.Status)]; !ok {
			return v, errs.New(errs.Invalid, "unknown status %q", v.Status).WithFields(fieldErr("status", "unknown"))
		}
	}
	// The counts cover the filter without the status; the list then keeps the chosen status.
	list, err := h.Tasks.List(r.Context(), p, Query{Authority: v.Authority, Agency: v.Agency, Province: v.Province,
		Period: Period{From: v.From, To: v.To}, Limit: boardLimit})
	if err != nil {
		return v, err
	}
	v.Capped = len(list) == boardLimit
	n := map[Status]int{}
	var keep []*Task
	for _, t := range list {
		n[t.Status]++
		if v.Status == "" || string(t.Status) == v.Status {
			keep = append(keep, t)
		}
	}
	for _, s := range Statuses {
		v.Counts = append(v.Counts, StatusCount{Status: Status(s.Code), N: n[Status(s.Code)]})
	}
	v.Total = len(list)
	v.Tasks = h.rows(keep)
	return v, nil
}

func (h *Handler) pageBoard(w http.ResponseWriter, r *http.Request) error {
	v, err := h.board(r, Assignment{}, "", nil)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "task_board", "task.board.title", v)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == ' ' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (h *Handler) pageAssign(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	f := r.PostForm
	a := Assignment{DirectiveKind: f.Get("directive_kind"), DirectiveNumber: f.Get("directive_number"), DirectiveDate: f.Get("directive_date"),
		Content: f.Get("content"), Lead: strings.TrimSpace(f.Get("lead")), Coordinators: splitList(f.Get("coordinators")),
		Authority: f.Get("authority"), Product: f.Get("product"), IdempotencyKey: f.Get("key")}
	if f.Get("ongoing") == "1" {
		a.ReportPeriod = f.Get("report_period")
	} else {
		a.Deadline = f.Get("deadline")
	}
	t, err := h.Tasks.Create(r.Context(), auth.FromContext(r.Context()), a)
	if err != nil {
		if e := errs.As(err); e != nil && (e.Code == errs.Invalid || e.Code == errs.Conflict) {
			v, verr := h.board(r, a, a.IdempotencyKey, e)
			if verr != nil {
				return verr
			}
			return h.Pages.Render(w, r, api.Status(err), "task_board", "task.board.title", v)
		}
		return err
	}
	http.Redirect(w, r, "/tasks/"+strconv.FormatInt(t.ID, 10)+"?done=assigned", http.StatusSeeOther)
	return nil
}

// MineView is the view of "my tasks": the officer's agencies with their tasks and reminders.
type MineView struct {
	L        Labels
	Agencies []MineAgency
}

// MineAgency is one agency of the signed-in officer.
type MineAgency struct {
	Code      string
	Name      string
	Tasks     []Row
	Reminders map[int64]Reminder
}

// agenciesOf lists the agencies of the principal's grants that may report or read tasks.
func agenciesOf(p *auth.Principal) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range p.Grants {
		if g.Agency == "" || g.Agency == auth.Everywhere || seen[g.Agency] {
			continue
		}
		seen[g.Agency] = true
		out = append(out, g.Agency)
	}
	return out
}

func (h *Handler) pageMine(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	v := MineView{L: labels(r)}
	for _, code := range agenciesOf(p) {
		ts, err := h.Tasks.List(r.Context(), p, Query{Agency: code, Limit: boardLimit})
		if err != nil {
			return err
		}
		a := MineAgency{Code: code, Name: h.name(code), Tasks: h.rows(ts), Reminders: map[int64]Reminder{}}
		rs, err := h.Tasks.Reminders(r.Context(), p, code)
		if err != nil {
			return err
		}
		for _, rm := range rs {
			a.Reminders[rm.TaskID] = rm
		}
		v.Agencies = append(v.Agencies, a)
	}
	return h.Pages.Render(w, r, http.StatusOK, "task_mine", "task.mine.title", v)
}

// DetailView is the view of one task with its history and the caller's actions.
type DetailView struct {
	L          Labels
	Task       *Task
	LeadName   string
	Coords     []Row
	Events     []Event
	AssignName string
	Done       string
	Problem    *errs.Error
	// The forms the caller may use.
	CanReport, CanExtend, CanJudge, CanDecide, CanCancel bool
}

func (h *Handler) detail(r *http.Request, id int64, problem *errs.Error) (DetailView, error) {
	p := auth.FromContext(r.Context())
	t, err := h.Tasks.Get(r.Context(), p, id)
	if err != nil {
		return DetailView{}, err
	}
	ev, err := h.Tasks.History(r.Context(), p, id)
	if err != nil {
		return DetailView{}, err
	}
	v := DetailView{L: labels(r), Task: t, LeadName: h.name(t.Lead), Events: ev, AssignName: h.name(t.Assigner),
		Done: r.URL.Query().Get("done"), Problem: problem}
	for _, c := range t.Coordinators {
		v.Coords = append(v.Coords, Row{LeadName: h.name(c), Task: &Task{Lead: c}})
	}
	lead, assigner := mayReport(p, t.Lead), mayAssign(p, t.Assigner)
	v.CanReport = lead && t.State == "open"
	v.CanExtend = v.CanReport && t.Deadline != "" && t.PendingDeadline == ""
	v.CanJudge = assigner && t.State == "submitted"
	v.CanDecide = assigner && t.PendingDeadline != ""
	v.CanCancel = assigner && (t.State == "open" || t.State == "submitted")
	return v, nil
}

func (h *Handler) pageTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := h.detail(r, id, nil)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "task_show", "task.show.title", v)
}

// pageAct runs one action of the detail page (or of "my tasks") and goes back where it came from.
func (h *Handler) pageAct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	f, ctx, p := r.PostForm, r.Context(), auth.FromContext(r.Context())
	action := r.PathValue("action")
	rep := Report{Text: f.Get("text"), Documents: splitList(f.Get("documents")), AxisDoc: strings.TrimSpace(f.Get("axis_doc"))}
	switch action {
	case "progress":
		_, err = h.Tasks.Progress(ctx, p, id, rep)
	case "completion":
		_, err = h.Tasks.Complete(ctx, p, id, rep)
	case "accept":
		_, err = h.Tasks.Accept(ctx, p, id, f.Get("reason"))
	case "return":
		_, err = h.Tasks.Return(ctx, p, id, f.Get("reason"))
	case "cancel":
		_, err = h.Tasks.Cancel(ctx, p, id, f.Get("reason"))
	case "extension":
		_, err = h.Tasks.RequestExtension(ctx, p, id, f.Get("deadline"), f.Get("reason"))
	case "decision":
		_, err = h.Tasks.DecideExtension(ctx, p, id, f.Get("approve") == "1", f.Get("reason"))
	default:
		return errs.New(errs.NotFound, "no action %q", action)
	}
	if err != nil {
		if e := errs.As(err); e != nil && (e.Code == errs.Invalid || e.Code == errs.Conflict) {
			v, verr := h.detail(r, id, e)
			if verr != nil {
				return verr
			}
			return h.Pages.Render(w, r, api.Status(err), "task_show", "task.show.title", v)
		}
		return err
	}
	back := "/tasks/" + strconv.FormatInt(id, 10)
	if f.Get("back") == "mine" {
		back = "/tasks/mine"
	}
	http.Redirect(w, r, back+"?done="+url.QueryEscape(action), http.StatusSeeOther)
	return nil
}
