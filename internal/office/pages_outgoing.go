package office

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// OutgoingListView is the view of the outgoing documents list.
type OutgoingListView struct {
	Frame
	Status   string
	Q        string
	Statuses []OutStatus
	Docs     []Outgoing
	// More is set when the list was cut short.
	More bool
}

// searchLimit bounds the documents a diacritics-insensitive search reads.
const searchLimit = 5000

func (h *Handler) pageOutgoingList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := OutgoingListView{Frame: h.frame(r, "outgoing", ""), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), Statuses: outStatuses}
	docs, more, err := h.searchOutgoing(r.Context(), principal(r), v.Agency, OutStatus(v.Status), v.Q, 200)
	if err != nil {
		return err
	}
	v.Docs, v.More = docs, more
	return h.Pages.Render(w, r, http.StatusOK, "office_outgoing", "office.outgoing.title", v)
}

// searchOutgoing lists an agency's outgoing documents whose subject, summary, number or signer
// contain the query, ignoring case and diacritics ("quyet dinh" finds "Quyết định").
func (h *Handler) searchOutgoing(ctx context.Context, p *auth.Principal, agency string, status OutStatus, q string, max int) ([]Outgoing, bool, error) {
	fq := vn.Fold(q)
	out := []Outgoing{}
	for off := 0; off < searchLimit; off += 500 {
		page, err := h.Office.ListOutgoing(ctx, p, OutgoingQuery{Agency: agency, Status: status, Limit: 500, Offset: off})
		if err != nil {
			return nil, false, err
		}
		for _, o := range page {
			if fq != "" && !strings.Contains(vn.Fold(strings.Join([]string{o.Subject, o.Summary, o.NumberNotation, o.SignerName, o.TypeName}, " ")), fq) {
				continue
			}
			if len(out) == max {
				return out, true, nil
			}
			out = append(out, o)
		}
		if len(page) < 500 {
			return out, false, nil
		}
	}
	return out, true, nil
}

// DraftFormView is the view of the drafting form.
type DraftFormView struct {
	Frame
	Types             []vn.DocumentType
	Urgencies         []Choice
	Confidentialities []Choice
	Form              url.Values
	Key               string
	Problem           *errs.Error
	Errors            map[string][]string
	// Relation is set when the draft recalls, updates or replaces an earlier document.
	Relation *Relation
}

func (h *Handler) draftForm(fr Frame, form url.Values, problem *errs.Error) DraftFormView {
	if form == nil {
		form = url.Values{}
	}
	key := form.Get("key")
	if key == "" {
		key = newKey()
	}
	return DraftFormView{Frame: fr, Types: vn.DocumentTypes(), Urgencies: urgencyChoices, Confidentialities: confidentialityChoices,
		Form: form, Key: key, Problem: problem, Errors: fieldErrors(problem), Relation: relationOfForm(form)}
}

func (h *Handler) pageDraftForm(w http.ResponseWriter, r *http.Request) error {
	form, err := h.prefillRelation(r)
	if err != nil {
		return err
	}
	v := h.draftForm(h.frame(r, "outgoing", form.Get("agency")), form, nil)
	return h.Pages.Render(w, r, http.StatusOK, "office_outgoing_new", "office.outgoing.new.title", v)
}

// draftOf reads the drafting form.
func draftOf(f url.Values) (DraftInput, error) {
	d := DraftInput{Agency: f.Get("agency"), Type: f.Get("type"), Subject: f.Get("subject"), Summary: f.Get("summary"),
		DraftingUnit: f.Get("drafting_unit"), DraftingUnitAbbreviation: f.Get("drafting_unit_abbreviation"),
		SignerName: f.Get("signer_name"), SignerTitle: f.Get("signer_title"), SignerCompetence: f.Get("signer_competence"),
		Urgency: f.Get("urgency"), Confidentiality: f.Get("confidentiality"), Place: f.Get("place"), Keeper: f.Get("keeper"),
		Note: f.Get("note"), DueDate: f.Get("due_date"), IdempotencyKey: f.Get("key"), Recipients: []Recipient{}}
	if c := strings.TrimSpace(f.Get("copies")); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil {
			return d, errs.Reasonf(errs.Invalid, "bad_document", "the document cannot be saved as it is").
				WithFields(errs.FieldError{Field: "copies", Message: fmt.Sprintf("%q is not a number", c)})
		}
		d.Copies = n
	}
	for _, code := range splitList(f.Get("recipients"), true) {
		d.Recipients = append(d.Recipients, Recipient{Agency: code})
	}
	for _, name := range splitList(f.Get("paper_recipients"), false) {
		d.Recipients = append(d.Recipients, Recipient{Name: name})
	}
	d.Relation = relationOfForm(f)
	return d, nil
}

func (h *Handler) pageCreateDraft(w http.ResponseWriter, r *http.Request) error {
	vals, mf, err := parseForm(r)
	if mf != nil {
		defer mf.RemoveAll()
	}
	render := func(err error) error {
		e := formProblem(err, vals)
		if e == nil {
			return err
		}
		v := h.draftForm(h.frame(r, "outgoing", vals.Get("agency")), vals, e)
		return h.Pages.Render(w, r, api.Status(err), "office_outgoing_new", "office.outgoing.new.title", v)
	}
	if err != nil {
		if vals == nil {
			return err
		}
		return render(err)
	}
	d, err := draftOf(vals)
	if err != nil {
		return render(err)
	}
	mains, err := uploadsOf(mf, "main")
	if err != nil {
		return err
	}
	defer closeAll(mains)
	if len(mains) > 1 {
		return render(errs.Reasonf(errs.Invalid, "bad_request", "one main file (the document's PDF), not %d", len(mains)))
	}
	if len(mains) == 1 {
		d.Main = &mains[0]
	}
	if d.Attachments, err = uploadsOf(mf, "attachment"); err != nil {
		return err
	}
	defer closeAll(d.Attachments)
	o, err := h.Office.CreateDraft(r.Context(), principal(r), d)
	if err != nil {
		return render(err)
	}
	return redirect(w, r, fmt.Sprintf("/office/outgoing/%d?done=created", o.ID))
}

// OutAction is a status change the viewer may make now.
type OutAction struct {
	To OutStatus
	// Key names the step (office.action.*).
	Key         string
	NeedsReason bool
	// Method is set for signing: the form asks how the document was signed.
	Method  bool
	Primary bool
}

// OutgoingView is the view of an outgoing document's page.
type OutgoingView struct {
	Frame
	Doc       *Outgoing
	Actions   []OutAction
	CanResend bool
	// CanSupersede: the viewer may draft a document recalling, updating or replacing this one.
	CanSupersede bool
	Events       []EventView
	Problem      *errs.Error
	Form         url.Values
}

// actionsFor lists the transitions the table allows p on o now.
func actionsFor(p *auth.Principal, o *Outgoing) []OutAction {
	parties := partiesOf(p, o.Agency)
	var out []OutAction
	for _, rule := range Rules {
		if rule.From != o.Status || rule.By&parties == 0 {
			continue
		}
		a := OutAction{To: rule.To, Key: actionNames[rule.To], NeedsReason: rule.NeedsReason, Method: rule.To == Signed}
		a.Primary = rule.To != Draft && rule.To != Cancelled
		out = append(out, a)
	}
	return out
}

func (h *Handler) pageOutgoing(w http.ResponseWriter, r *http.Request) error {
	return h.renderOutgoing(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) renderOutgoing(w http.ResponseWriter, r *http.Request, status int, problem *errs.Error, form url.Values) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	o, err := h.Office.GetOutgoing(r.Context(), p, id)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	v := OutgoingView{Frame: h.frame(r, "outgoing", o.Agency), Doc: o, Actions: actionsFor(p, o), Events: eventViews(o.Events),
		Problem: problem, Form: form}
	v.CanResend = o.Status == Issued && (o.SendState == SendFailed || o.SendState == SendPending) && partiesOf(p, o.Agency)&(ByClerk|ByLeader) != 0
	v.CanSupersede = canSupersede(p, o)
	return h.Pages.Render(w, r, status, "office_outgoing_show", "office.outgoing.show.title", v)
}

func (h *Handler) pageTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(f.Get("version"))
	c := Change{To: OutStatus(f.Get("to")), Reason: f.Get("reason"), Method: f.Get("method"), Version: version}
	if _, err := h.Office.Transition(r.Context(), principal(r), id, c); err != nil {
		if e := problemOf(err); e != nil {
			return h.renderOutgoing(w, r, api.Status(err), e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/outgoing/%d?done=%s", id, url.QueryEscape(actionNames[c.To])))
}

func (h *Handler) pageResend(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	if _, err := h.Office.Resend(r.Context(), principal(r), id); err != nil {
		if e := problemOf(err); e != nil {
			return h.renderOutgoing(w, r, api.Status(err), e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/outgoing/%d?done=resend", id))
}
