package meeting

import (
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages static
var files embed.FS

// RegisterPages adds the meeting and ballot pages and their messages (vi, en) to the renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(files, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(files, "messages")
}

// PageRoutes returns the officers' pages: meeting list, meeting room, ballot form and result.
func (h *Handler) PageRoutes() []api.Route {
	a := api.OfficersOnly
	return []api.Route{
		{Method: "GET", Path: "/meetings", Page: true, Access: a, Handler: h.pageList},
		{Method: "GET", Path: "/meetings/{id}", Page: true, Access: a, Handler: h.pageRoom},
		{Method: "POST", Path: "/meetings/{id}/tasks", Page: true, Access: a, Handler: h.pageTasks},
		{Method: "GET", Path: "/ballots/{id}", Page: true, Access: a, Handler: h.pageBallot},
		{Method: "POST", Path: "/ballots/{id}/answer", Page: true, Access: a, Handler: h.pageAnswer},
		{Method: "GET", Path: "/meetings/assets/ballot.js", Page: true, Access: api.Public, Handler: web.Asset(files, "ballot.js")},
	}
}

// ListView is the meeting list page.
type ListView struct {
	Meetings []Meeting
	Ballots  []Ballot
}

func (h *Handler) pageList(w http.ResponseWriter, r *http.Request) error {
	by := auth.FromContext(r.Context())
	ms, err := h.Meetings.List(r.Context(), by)
	if err != nil {
		return err
	}
	bs, err := h.Meetings.ListBallots(r.Context(), by)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "meeting_list", "meeting.list.title", ListView{Meetings: ms, Ballots: bs})
}

// RoomView is the meeting room page.
type RoomView struct {
	Meeting   *Meeting
	Organiser bool
}

func (h *Handler) pageRoom(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	by := auth.FromContext(r.Context())
	m, err := h.Meetings.Get(r.Context(), by, id)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "meeting_room", "meeting.room.title", RoomView{Meeting: m, Organiser: organiser(by, m.Agency)})
}

func (h *Handler) pageTasks(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	if _, err := h.Meetings.MakeTasks(r.Context(), auth.FromContext(r.Context()), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// BallotView is the ballot page: the member's form while open, the result with its chart once
// published.
type BallotView struct {
	Ballot    *Ballot
	Open      bool
	Organiser bool
	Chart     template.JS
}

func (h *Handler) pageBallot(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	by := auth.FromContext(r.Context())
	b, err := h.Meetings.GetBallot(r.Context(), by, id)
	if err != nil {
		return err
	}
	v := BallotView{Ballot: b, Organiser: organiser(by, b.Agency),
		Open: b.Status == "open" && b.Mine != nil && h.Meetings.db.Now().Before(b.Deadline)}
	if b.Tally != nil {
		msgs := h.Pages.Messages(web.Lang(r))
		c, _ := json.Marshal(map[string]any{
			"labels": []string{msgs["meeting.answer.agree"], msgs["meeting.answer.disagree"], msgs["meeting.answer.other"], msgs["meeting.answer.none"]},
			"values": []int{b.Tally.Agree, b.Tally.Disagree, b.Tally.Other, b.Tally.Unanswered},
		})
		v.Chart = template.JS(c)
	}
	return h.Pages.Render(w, r, http.StatusOK, "meeting_ballot", "meeting.ballot.title", v)
}

func (h *Handler) pageAnswer(w http.ResponseWriter, r *http.Request) error {
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
	a := Answer{Answer: r.PostForm.Get("answer"), Comment: r.PostForm.Get("comment")}
	if _, err := h.Meetings.AnswerBallot(r.Context(), auth.FromContext(r.Context()), id, a); err != nil {
		return err
	}
	http.Redirect(w, r, "/ballots/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
