package meeting

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the meetings and ballots API.
type Handler struct {
	Meetings *Service
	Pages    *web.Renderer
}

// MinutesInput is the body of the minutes draft.
type MinutesInput struct {
	Text string `json:"text"`
}

// ConclusionsInput is the body of the conclusions route.
type ConclusionsInput struct {
	Conclusions []Conclusion `json:"conclusions"`
}

// Routes returns the API. Every route is for officers with a session: organisers are the leaders
// (and admins) of the convening agency, members the users listed; the service checks which.
func (h *Handler) Routes() []api.Route {
	const tm, tb = "meetings", "ballots"
	a := api.OfficersOnly
	return []api.Route{
		{Method: "GET", Path: "/api/v1/meetings", Summary: "Meetings the caller organises or attends, newest first", Tag: tm, Access: a, Handler: h.list, Response: []Meeting{}},
		{Method: "POST", Path: "/api/v1/meetings", Summary: "Convene a meeting (Idempotency-Key honoured): agenda with papers (secret papers stay paper-only), participants (leaders of the agency)", Tag: tm, Access: a, Handler: h.create, Request: NewMeeting{}, Response: Meeting{}},
		{Method: "GET", Path: "/api/v1/meetings/{id}", Summary: "A meeting with agenda, papers, attendance, minutes and conclusions (organisers and participants)", Tag: tm, Access: a, Handler: h.get, Response: Meeting{}},
		{Method: "POST", Path: "/api/v1/meetings/{id}/attendance", Summary: "Record a participant's attendance: present, remote, absent or delegated", Tag: tm, Access: a, Handler: h.attendance, Request: Participant{}, Response: Meeting{}},
		{Method: "PUT", Path: "/api/v1/meetings/{id}/minutes", Summary: "Draft (or redraft) the minutes", Tag: tm, Access: a, Handler: h.draft, Request: MinutesInput{}, Response: Meeting{}},
		{Method: "POST", Path: "/api/v1/meetings/{id}/minutes/approve", Summary: "Approve drafted minutes", Tag: tm, Access: a, Handler: h.approve, Response: Meeting{}},
		{Method: "POST", Path: "/api/v1/meetings/{id}/minutes/sign", Summary: "Render approved minutes to PDF and sign them (PAdES); idempotent", Tag: tm, Access: a, Handler: h.sign, Response: Meeting{}},
		{Method: "GET", Path: "/api/v1/meetings/{id}/minutes.pdf", Summary: "The signed minutes", Tag: tm, Access: a, Handler: h.minutesPDF, ResponseType: "application/pdf"},
		{Method: "PUT", Path: "/api/v1/meetings/{id}/conclusions", Summary: "Set the conclusions (until they become tasks)", Tag: tm, Access: a, Handler: h.conclusions, Request: ConclusionsInput{}, Response: Meeting{}},
		{Method: "POST", Path: "/api/v1/meetings/{id}/tasks", Summary: "Turn all conclusions into tasks in one step and link them; idempotent", Tag: tm, Access: a, Handler: h.tasks, Response: Meeting{}},
		{Method: "GET", Path: "/api/v1/ballots", Summary: "Ballots the caller organises or answers", Tag: tb, Access: a, Handler: h.listBallots, Response: []Ballot{}},
		{Method: "POST", Path: "/api/v1/ballots", Summary: "Open a written-opinion ballot (Idempotency-Key honoured): question, papers, members, deadline (leaders of the agency)", Tag: tb, Access: a, Handler: h.createBallot, Request: NewBallot{}, Response: Ballot{}},
		{Method: "GET", Path: "/api/v1/ballots/{id}", Summary: "A ballot: before publication each member sees only their own answer", Tag: tb, Access: a, Handler: h.getBallot, Response: Ballot{}},
		{Method: "PUT", Path: "/api/v1/ballots/{id}/answer", Summary: "Give or change one's answer until the deadline (members)", Tag: tb, Access: a, Handler: h.answer, Request: Answer{}, Response: Ballot{}},
		{Method: "POST", Path: "/api/v1/ballots/{id}/publish", Summary: "Tally and publish after the deadline or once all answered, with a signed record; idempotent", Tag: tb, Access: a, Handler: h.publish, Response: Ballot{}},
		{Method: "GET", Path: "/api/v1/ballots/{id}/record.pdf", Summary: "The signed record of a published ballot", Tag: tb, Access: a, Handler: h.ballotPDF, ResponseType: "application/pdf"},
	}
}

// idempotencyKey takes the Idempotency-Key header into the body's key; the two must agree.
func idempotencyKey(r *http.Request, field *string) error {
	if k := strings.TrimSpace(r.Header.Get("Idempotency-Key")); k != "" {
		if *field != "" && strings.TrimSpace(*field) != k {
			return errs.Reasonf(errs.Invalid, "bad_idempotency_key", "the Idempotency-Key header and the idempotency_key field differ")
		}
		*field = k
	}
	return nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "no such id %q", r.PathValue("id"))
	}
	return id, nil
}

// with runs a call on the path id and writes its result as JSON.
func with[T any](w http.ResponseWriter, r *http.Request, status int, fn func(p *auth.Principal, id int64) (T, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := fn(auth.FromContext(r.Context()), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, status, v)
	return nil
}

func writePDF(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	_, _ = w.Write(b)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	ms, err := h.Meetings.List(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []Meeting{}
	}
	api.WriteJSON(w, http.StatusOK, ms)
	return nil
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) error {
	var nm NewMeeting
	if err := api.DecodeJSON(r, &nm); err != nil {
		return err
	}
	if err := idempotencyKey(r, &nm.IdempotencyKey); err != nil {
		return err
	}
	m, err := h.Meetings.Create(r.Context(), auth.FromContext(r.Context()), nm)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Meeting, error) { return h.Meetings.Get(r.Context(), p, id) })
}

func (h *Handler) attendance(w http.ResponseWriter, r *http.Request) error {
	var in Participant
	if err := api.DecodeJSON(r, &in); err != nil {
		return err
	}
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Meeting, error) {
		return h.Meetings.SetAttendance(r.Context(), p, id, in)
	})
}

func (h *Handler) draft(w http.ResponseWriter, r *http.Request) error {
	var in MinutesInput
	if err := api.DecodeJSON(r, &in); err != nil {
		return err
	}
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Meeting, error) {
		return h.Meetings.DraftMinutes(r.Context(), p, id, in.Text)
	})
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) error {
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Meeting, error) {
		return h.Meetings.ApproveMinutes(r.Context(), p, id)
	})
}

func (h *Handler) sign(w http.ResponseWriter, r *http.Request) error {
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Meeting, error) { return h.Meetings.SignMinutes(r.Context(), p, id) })
}

func (h *Handler) minutesPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := h.Meetings.MinutesPDF(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return err
	}
	writePDF(w, "bien-ban-"+strconv.FormatInt(id, 10)+".pdf", b)
	return nil
}

func (h *Handler) conclusions(w http.ResponseWriter, r *http.Request) error {
	var in ConclusionsInput
	if err := api.DecodeJSON(r, &in); err != nil {
		return err
	}
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Meeting, error) {
		return h.Meetings.SetConclusions(r.Context(), p, id, in.Conclusions)
	})
}

func (h *Handler) tasks(w http.ResponseWriter, r *http.Request) error {
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Meeting, error) { return h.Meetings.MakeTasks(r.Context(), p, id) })
}

func (h *Handler) listBallots(w http.ResponseWriter, r *http.Request) error {
	bs, err := h.Meetings.ListBallots(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	if bs == nil {
		bs = []Ballot{}
	}
	api.WriteJSON(w, http.StatusOK, bs)
	return nil
}

func (h *Handler) createBallot(w http.ResponseWriter, r *http.Request) error {
	var nb NewBallot
	if err := api.DecodeJSON(r, &nb); err != nil {
		return err
	}
	if err := idempotencyKey(r, &nb.IdempotencyKey); err != nil {
		return err
	}
	b, err := h.Meetings.CreateBallot(r.Context(), auth.FromContext(r.Context()), nb)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, b)
	return nil
}

func (h *Handler) getBallot(w http.ResponseWriter, r *http.Request) error {
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Ballot, error) { return h.Meetings.GetBallot(r.Context(), p, id) })
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request) error {
	var in Answer
	if err := api.DecodeJSON(r, &in); err != nil {
		return err
	}
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Ballot, error) {
		return h.Meetings.AnswerBallot(r.Context(), p, id, in)
	})
}

func (h *Handler) publish(w http.ResponseWriter, r *http.Request) error {
	return with(w, r, http.StatusOK, func(p *auth.Principal, id int64) (*Ballot, error) {
		return h.Meetings.PublishBallot(r.Context(), p, id)
	})
}

func (h *Handler) ballotPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := h.Meetings.BallotPDF(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return err
	}
	writePDF(w, "phieu-lay-y-kien-"+strconv.FormatInt(id, 10)+".pdf", b)
	return nil
}
