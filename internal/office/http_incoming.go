package office

// This file holds the API of incoming documents: the axis inbox, registration, assignment and processing.

import (
	"net/http"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/errs"
)

func (h *Handler) apiAxisInbox(w http.ResponseWriter, r *http.Request) error {
	items, err := h.Office.AxisInbox(r.Context(), principal(r), r.URL.Query().Get("agency"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, items)
	return nil
}

func (h *Handler) apiFromAxis(w http.ResponseWriter, r *http.Request) error {
	var p AxisPickup
	if err := api.DecodeJSON(r, &p); err != nil {
		return err
	}
	var in *Incoming
	var err error
	switch p.Action {
	case "pickup":
		in, err = h.Office.PickUp(r.Context(), principal(r), p.AxisID, p.Agency)
	case "register", "":
		in, err = h.Office.RegisterFromAxis(r.Context(), principal(r), p.AxisID, p.Agency)
	case "refuse":
		in, err = h.Office.RefuseFromAxis(r.Context(), principal(r), p.AxisID, p.Agency, p.Reason)
	default:
		return errs.Reasonf(errs.Invalid, "bad_action", "action %q: want pickup, register or refuse", p.Action)
	}
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, in)
	return nil
}

func (h *Handler) apiRegisterPaper(w http.ResponseWriter, r *http.Request) error {
	var p PaperDocument
	files, done, err := decodeDocument(r, &p, "scan")
	defer done()
	if err != nil {
		return err
	}
	p.Scans = files["scan"]
	p.IdempotencyKey = r.Header.Get("Idempotency-Key")
	in, err := h.Office.RegisterPaper(r.Context(), principal(r), p)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, in)
	return nil
}

func (h *Handler) apiListIncoming(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q := IncomingQuery{Agency: v.Get("agency"), Status: InStatus(v.Get("status"))}
	var err error
	if q.Limit, err = intParam(v.Get("limit"), 100, 1, 500); err != nil {
		return err
	}
	if q.Offset, err = intParam(v.Get("offset"), 0, 0, 1<<30); err != nil {
		return err
	}
	list, err := h.Office.ListIncoming(r.Context(), principal(r), q)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) apiGetIncoming(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	in, err := h.Office.GetIncoming(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, in)
	return nil
}

func (h *Handler) apiRegister(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	var reg Registration
	if err := api.DecodeJSON(r, &reg); err != nil {
		return err
	}
	reg.IdempotencyKey = r.Header.Get("Idempotency-Key")
	in, err := h.Office.Register(r.Context(), principal(r), id, reg)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, in)
	return nil
}

func (h *Handler) apiRefuse(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	var x Refusal
	if err := api.DecodeJSON(r, &x); err != nil {
		return err
	}
	in, err := h.Office.Refuse(r.Context(), principal(r), id, x.Reason)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, in)
	return nil
}

func (h *Handler) apiAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	var a AssignRequest
	if err := api.DecodeJSON(r, &a); err != nil {
		return err
	}
	a.IdempotencyKey = r.Header.Get("Idempotency-Key")
	out, err := h.Office.Assign(r.Context(), principal(r), id, a)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) apiOpinion(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	var o OpinionRequest
	if err := api.DecodeJSON(r, &o); err != nil {
		return err
	}
	o.IdempotencyKey = r.Header.Get("Idempotency-Key")
	out, err := h.Office.AddOpinion(r.Context(), principal(r), id, o)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) apiStart(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	a, err := h.Office.Start(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) apiForward(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	var f ForwardRequest
	if err := api.DecodeJSON(r, &f); err != nil {
		return err
	}
	f.IdempotencyKey = r.Header.Get("Idempotency-Key")
	a, err := h.Office.Forward(r.Context(), principal(r), id, f)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (h *Handler) apiComplete(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	var c CompleteRequest
	if err := api.DecodeJSON(r, &c); err != nil {
		return err
	}
	c.IdempotencyKey = r.Header.Get("Idempotency-Key")
	a, err := h.Office.Complete(r.Context(), principal(r), id, c)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) apiDeadlines(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	list, err := h.Office.Deadlines(r.Context(), principal(r), DeadlineQuery{Agency: v.Get("agency"), Assignee: v.Get("assignee"), Timeliness: v.Get("timeliness")})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}
