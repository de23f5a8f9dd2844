package office

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// IncomingListView is the view of the incoming documents list with the axis inbox.
type IncomingListView struct {
	Frame
	Status   string
	Q        string
	Statuses []InStatus
	Docs     []Incoming
	More     bool
	// ShowInbox is set for the agency's clerks and leaders; InboxError says why the inbox could
	// not be read.
	ShowInbox  bool
	Inbox      []axis.InboxItem
	InboxError string
	CanPaper   bool
	Problem    *errs.Error
	Form       url.Values
}

func (h *Handler) pageIncomingList(w http.ResponseWriter, r *http.Request) error {
	return h.renderIncomingList(w, r, http.StatusOK, "", nil, nil)
}

func (h *Handler) renderIncomingList(w http.ResponseWriter, r *http.Request, status int, agency string, problem *errs.Error, form url.Values) error {
	ctx, p, q := r.Context(), principal(r), r.URL.Query()
	if form == nil {
		form = url.Values{}
	}
	v := IncomingListView{Frame: h.frame(r, "incoming", agency), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), Statuses: inStatuses,
		Problem: problem, Form: form}
	fq := vn.Fold(v.Q)
	for off := 0; off < searchLimit && !v.More; off += 500 {
		page, err := h.Office.ListIncoming(ctx, p, IncomingQuery{Agency: v.Agency, Status: InStatus(v.Status), Limit: 500, Offset: off})
		if err != nil {
			return err
		}
		for _, in := range page {
			if fq != "" && !strings.Contains(vn.Fold(strings.Join([]string{in.Subject, in.Summary, in.NumberNotation, in.SenderName, in.TypeName}, " ")), fq) {
				continue
			}
			if len(v.Docs) == 200 {
				v.More = true
				break
			}
			v.Docs = append(v.Docs, in)
		}
		if len(page) < 500 {
			break
		}
	}
	parties := partiesOf(p, v.Agency)
	v.CanPaper = parties&ByClerk != 0
	if parties&(ByClerk|ByLeader) != 0 {
		v.ShowInbox = true
		items, err := h.Office.AxisInbox(ctx, p, v.Agency)
		if err != nil {
			v.InboxError = errs.As(err).Message
		}
		v.Inbox = items
	}
	return h.Pages.Render(w, r, status, "office_incoming", "office.incoming.title", v)
}

func (h *Handler) pageFromAxis(w http.ResponseWriter, r *http.Request) error {
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	ctx, p, agency, axisID := r.Context(), principal(r), f.Get("agency"), f.Get("axis_id")
	var in *Incoming
	action := f.Get("action")
	switch action {
	case "register":
		in, err = h.Office.RegisterFromAxis(ctx, p, axisID, agency)
	case "refuse":
		in, err = h.Office.RefuseFromAxis(ctx, p, axisID, agency, f.Get("reason"))
	case "pickup":
		in, err = h.Office.PickUp(ctx, p, axisID, agency)
	default:
		err = errs.Reasonf(errs.Invalid, "bad_action", "action %q: want register, refuse or pickup", action)
	}
	if err != nil {
		if e := problemOf(err); e != nil {
			return h.renderIncomingList(w, r, api.Status(err), agency, e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/incoming/%d?done=%s", in.ID, action))
}

// PaperFormView is the view of the paper registration form.
type PaperFormView struct {
	Frame
	Types             []vn.DocumentType
	Urgencies         []Choice
	Confidentialities []Choice
	Form              url.Values
	Key               string
	Problem           *errs.Error
	Errors            map[string][]string
}

func (h *Handler) paperForm(fr Frame, form url.Values, problem *errs.Error) PaperFormView {
	if form == nil {
		form = url.Values{}
	}
	key := form.Get("key")
	if key == "" {
		key = newKey()
	}
	return PaperFormView{Frame: fr, Types: vn.DocumentTypes(), Urgencies: urgencyChoices, Confidentialities: confidentialityChoices,
		Form: form, Key: key, Problem: problem, Errors: fieldErrors(problem)}
}

func (h *Handler) pagePaperForm(w http.ResponseWriter, r *http.Request) error {
	v := h.paperForm(h.frame(r, "incoming", ""), nil, nil)
	return h.Pages.Render(w, r, http.StatusOK, "office_incoming_paper", "office.paper.title", v)
}

func (h *Handler) pageRegisterPaper(w http.ResponseWriter, r *http.Request) error {
	vals, mf, err := parseForm(r)
	if mf != nil {
		defer mf.RemoveAll()
	}
	render := func(err error) error {
		e := formProblem(err, vals)
		if e == nil {
			return err
		}
		v := h.paperForm(h.frame(r, "incoming", vals.Get("agency")), vals, e)
		return h.Pages.Render(w, r, api.Status(err), "office_incoming_paper", "office.paper.title", v)
	}
	if err != nil {
		if vals == nil {
			return err
		}
		return render(err)
	}
	pd := PaperDocument{Agency: vals.Get("agency"), Sender: vals.Get("sender"), SenderName: vals.Get("sender_name"), Type: vals.Get("type"),
		NumberNotation: vals.Get("number_notation"), DocumentDate: vals.Get("document_date"), Subject: vals.Get("subject"),
		Summary: vals.Get("summary"), SignerName: vals.Get("signer_name"), SignerTitle: vals.Get("signer_title"),
		Urgency: vals.Get("urgency"), Confidentiality: vals.Get("confidentiality"), DueDate: vals.Get("due_date"), Note: vals.Get("note"),
		IdempotencyKey: vals.Get("key")}
	if pd.Scans, err = uploadsOf(mf, "scan"); err != nil {
		return err
	}
	defer closeAll(pd.Scans)
	in, err := h.Office.RegisterPaper(r.Context(), principal(r), pd)
	if err != nil {
		return render(err)
	}
	return redirect(w, r, fmt.Sprintf("/office/incoming/%d?done=registered", in.ID))
}

// AssignmentView is an assignment with what the viewer may do with it.
type AssignmentView struct {
	Assignment
	Mine bool
	// CanAct is set when the viewer may forward or complete it (its assignee, or a leader or clerk).
	CanAct bool
}

// IncomingView is the view of an incoming document's page.
type IncomingView struct {
	Frame
	Doc         *Incoming
	Assignments []AssignmentView
	CanRegister bool
	CanAssign   bool
	Events      []EventView
	Problem     *errs.Error
	Form        url.Values
	// Action is the form that failed, to open it again.
	Action string
}

func (h *Handler) pageIncoming(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	return h.renderIncoming(w, r, http.StatusOK, id, "", nil, nil)
}

func (h *Handler) renderIncoming(w http.ResponseWriter, r *http.Request, status int, id int64, action string, problem *errs.Error, form url.Values) error {
	p := principal(r)
	in, err := h.Office.GetIncoming(r.Context(), p, id)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	parties := partiesOf(p, in.Agency)
	boss := parties&(ByLeader|ByClerk) != 0
	v := IncomingView{Frame: h.frame(r, "incoming", in.Agency), Doc: in, Events: eventViews(in.Events), Problem: problem, Form: form, Action: action,
		CanRegister: in.Status == Arrived && parties&ByClerk != 0,
		CanAssign:   boss && in.Status != Arrived && in.Status != Refused && in.Status != Done}
	for _, a := range in.Assignments {
		mine := a.Assignee != "" && a.Assignee == p.ID
		open := a.Status == AssignOpen || a.Status == AssignStarted
		v.Assignments = append(v.Assignments, AssignmentView{Assignment: a, Mine: mine && open, CanAct: open && (mine || boss)})
	}
	return h.Pages.Render(w, r, status, "office_incoming_show", "office.incoming.show.title", v)
}

func (h *Handler) pageIncomingAct(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	ctx, p, action := r.Context(), principal(r), r.PathValue("action")
	switch action {
	case "register":
		_, err = h.Office.Register(ctx, p, id, Registration{Note: f.Get("note")})
	case "refuse":
		_, err = h.Office.Refuse(ctx, p, id, f.Get("reason"))
	case "assign":
		days := 0
		if s := strings.TrimSpace(f.Get("due_days")); s != "" {
			if days, err = strconv.Atoi(s); err != nil {
				err = errs.Reasonf(errs.Invalid, "bad_deadline", "%q is not a number of working days", s)
				break
			}
		}
		_, err = h.Office.Assign(ctx, p, id, AssignRequest{Assignee: f.Get("assignee"), Department: f.Get("department"), Role: f.Get("role"),
			DueDays: days, DueDate: f.Get("due_date"), Note: f.Get("note"), IdempotencyKey: f.Get("key")})
	case "opinion":
		aid, _ := strconv.ParseInt(f.Get("assignment_id"), 10, 64)
		_, err = h.Office.AddOpinion(ctx, p, id, OpinionRequest{Text: f.Get("text"), AssignmentID: aid})
	default:
		return errs.Reasonf(errs.NotFound, "no_route", "there is no step %q", action)
	}
	if err != nil {
		if e := problemOf(err); e != nil {
			return h.renderIncoming(w, r, api.Status(err), id, action, e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/incoming/%d?done=%s", id, action))
}

func (h *Handler) pageAssignmentAct(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	ctx, p, action := r.Context(), principal(r), r.PathValue("action")
	var a *Assignment
	switch action {
	case "start":
		a, err = h.Office.Start(ctx, p, id)
	case "forward":
		a, err = h.Office.Forward(ctx, p, id, ForwardRequest{To: f.Get("to"), Department: f.Get("department"), Note: f.Get("note")})
	case "complete":
		a, err = h.Office.Complete(ctx, p, id, CompleteRequest{Result: f.Get("result")})
	default:
		return errs.Reasonf(errs.NotFound, "no_route", "there is no step %q", action)
	}
	incoming, _ := strconv.ParseInt(f.Get("incoming"), 10, 64)
	if err != nil {
		if e := problemOf(err); e != nil && incoming > 0 {
			return h.renderIncoming(w, r, api.Status(err), incoming, action, e, f)
		}
		return err
	}
	if f.Get("back") == "my-work" {
		return redirect(w, r, "/office/my-work?done="+action)
	}
	return redirect(w, r, fmt.Sprintf("/office/incoming/%d?done=%s", a.IncomingID, action))
}

// ---- my work ----

// MyWorkView is the view of the signed-in officer's assignments.
type MyWorkView struct {
	Frame
	// Urgent are the overdue and due-soon assignments, the most urgent first; Others the rest.
	Urgent []DeadlineItem
	Others []DeadlineItem
}

// myAssignments lists the open assignments of the signed-in officer, by deadline (read-only).
func (s *Service) myAssignments(ctx context.Context, by *auth.Principal) ([]DeadlineItem, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	now := s.db.Now()
	out := []DeadlineItem{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		cols := "a." + strings.ReplaceAll(assignmentColumns, ", ", ", a.")
		rows, err := tx.Query(ctx, "SELECT "+cols+", i.subject, i.sender_name, i.code_number, i.code_notation, i.number"+
			" FROM office_assignments a JOIN office_incoming i ON i.id = a.incoming_id WHERE a.assignee = ? AND a.status IN (?, ?)"+
			" ORDER BY CASE WHEN a.deadline IS NULL THEN 1 ELSE 0 END, a.deadline, a.id LIMIT 1000", by.ID, AssignOpen, AssignStarted)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it DeadlineItem
			var number, fwd sql.NullInt64
			var cn, notation string
			var deadline, started, completed sql.NullTime
			a := &it.Assignment
			if err := rows.Scan(&a.ID, &a.IncomingID, &a.Agency, &a.Assignee, &a.AssigneeName, &a.Department, &a.Role, &deadline, &a.Status,
				&a.Note, &a.AssignedBy, &a.AssignedAt, &started, &fwd, &completed, &a.Result, &it.Subject, &it.SenderName, &cn, &notation,
				&number); err != nil {
				return err
			}
			a.Deadline, a.StartedAt, a.CompletedAt, a.ForwardedTo, a.AssignedAt = timePtr(deadline), timePtr(started), timePtr(completed), fwd.Int64, a.AssignedAt.UTC()
			a.Timeliness = s.timeliness(a, now)
			it.NumberNotation = strings.Trim(cn+"/"+notation, "/")
			it.IncomingNumber = int(number.Int64)
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}

func (h *Handler) pageMyWork(w http.ResponseWriter, r *http.Request) error {
	list, err := h.Office.myAssignments(r.Context(), principal(r))
	if err != nil {
		return err
	}
	v := MyWorkView{Frame: h.frame(r, "my-work", ""), Urgent: []DeadlineItem{}, Others: []DeadlineItem{}}
	for _, it := range list {
		if it.Timeliness == Overdue || it.Timeliness == DueSoon {
			v.Urgent = append(v.Urgent, it)
		} else {
			v.Others = append(v.Others, it)
		}
	}
	// Overdue before due soon; each by deadline (the query's order, kept by the stable sort).
	sort.SliceStable(v.Urgent, func(i, j int) bool { return v.Urgent[i].Timeliness == Overdue && v.Urgent[j].Timeliness != Overdue })
	return h.Pages.Render(w, r, http.StatusOK, "office_mywork", "office.mywork.title", v)
}
