package office

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the office API and, with Pages set, the office pages (pages.go).
type Handler struct {
	Office *Service
	Pages  *web.Renderer
}

// maxUpload bounds a multipart request.
const maxUpload = 1 << 30

// DocumentType is one of the 29 document types of Decree 30 as the API lists them.
type DocumentType struct {
	Number       int    `json:"number"`
	Name         string `json:"name"`
	Abbreviation string `json:"abbreviation"`
}

// AxisPickup takes a document out of the axis inbox: pickup (arrived, 01), register (01 and 03) or
// refuse (02, with a reason).
type AxisPickup struct {
	AxisID string `json:"axis_id"`
	// Agency is the recipient the caller registers for; it may be left out when there is one.
	Agency string `json:"agency,omitempty"`
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
}

// Refusal refuses an arrived document.
type Refusal struct {
	Reason string `json:"reason"`
}

var (
	listParams = map[string]string{
		"agency": "identifier code of the agency",
		"status": "only documents in this status",
		"limit":  "at most this many (default 100, at most 500)",
		"offset": "skip this many",
	}
	registerParams = map[string]string{
		"agency": "identifier code of the agency",
		"from":   "first day, YYYY-MM-DD (issue date, or date received)",
		"to":     "last day, YYYY-MM-DD",
		"series": "outgoing register: normal (default) or secret (clerks and leaders)",
		"limit":  "at most this many (JSON; default 1000)",
		"offset": "skip this many (JSON)",
	}
)

// Routes returns the office API.
func (h *Handler) Routes() []api.Route {
	signedIn := api.AnyPrincipal
	const tag = "office"
	return append([]api.Route{
		{Method: "GET", Path: "/api/v1/office/document-types", Summary: "The 29 document types of Decree 30 with their abbreviations", Tag: tag,
			Access: signedIn, Handler: h.apiTypes, Response: []DocumentType{}},

		{Method: "POST", Path: "/api/v1/office/outgoing", Summary: "Draft an outgoing document: JSON, or multipart/form-data with a 'document' JSON part, the PDF as 'main' and files as 'attachment'. Idempotency-Key is honoured.",
			Tag: tag, Access: signedIn, Handler: h.apiCreateDraft, Request: DraftInput{}, RequestType: "multipart/form-data", Response: Outgoing{}, MaxBody: maxUpload},
		{Method: "GET", Path: "/api/v1/office/outgoing", Summary: "An agency's outgoing documents, newest first", Tag: tag,
			Access: signedIn, Handler: h.apiListOutgoing, Response: []Outgoing{}, Query: listParams},
		{Method: "GET", Path: "/api/v1/office/outgoing/{id}", Summary: "An outgoing document with its files, timeline and each electronic recipient's status", Tag: tag,
			Access: signedIn, Handler: h.apiGetOutgoing, Response: Outgoing{}},
		{Method: "PUT", Path: "/api/v1/office/outgoing/{id}", Summary: "Change a draft: JSON, or multipart as when drafting ('main' replaces the PDF, 'attachment' files are added)", Tag: tag,
			Access: signedIn, Handler: h.apiUpdateDraft, Request: DraftInput{}, RequestType: "multipart/form-data", Response: Outgoing{}, MaxBody: maxUpload},
		{Method: "POST", Path: "/api/v1/office/outgoing/{id}/transitions", Summary: "Submit, return, approve, sign, issue or cancel an outgoing document (the transition table decides); issuing numbers it and sends it through the axis", Tag: tag,
			Access: signedIn, Handler: h.apiTransition, Request: Change{}, Response: Outgoing{}},
		{Method: "POST", Path: "/api/v1/office/outgoing/{id}/resend", Summary: "Send an issued document through the axis again after failed sends", Tag: tag,
			Access: signedIn, Handler: h.apiResend, Response: Outgoing{}},
		{Method: "GET", Path: "/api/v1/office/outgoing/{id}/files/{position}", Summary: "Download a file of an outgoing document", Tag: tag,
			Access: signedIn, Handler: h.apiOutgoingFile, ResponseType: "application/octet-stream"},

		{Method: "GET", Path: "/api/v1/office/axis-inbox", Summary: "Documents waiting in an agency's axis inbox, to pick up", Tag: tag,
			Access: signedIn, Handler: h.apiAxisInbox, Response: []axis.InboxItem{}, Query: map[string]string{"agency": "identifier code of the agency"}},
		{Method: "POST", Path: "/api/v1/office/incoming/from-axis", Summary: "Pick up (01), register (01, 03) or refuse (02) a document from the axis inbox", Tag: tag,
			Access: signedIn, Handler: h.apiFromAxis, Request: AxisPickup{}, Response: Incoming{}},
		{Method: "POST", Path: "/api/v1/office/incoming", Summary: "Register a paper document: multipart/form-data with a 'document' JSON part and the scans as 'scan'. Idempotency-Key is honoured.", Tag: tag,
			Access: signedIn, Handler: h.apiRegisterPaper, Request: PaperDocument{}, RequestType: "multipart/form-data", Response: Incoming{}, MaxBody: maxUpload},
		{Method: "GET", Path: "/api/v1/office/incoming", Summary: "An agency's incoming documents, newest first", Tag: tag,
			Access: signedIn, Handler: h.apiListIncoming, Response: []Incoming{}, Query: listParams},
		{Method: "GET", Path: "/api/v1/office/incoming/{id}", Summary: "An incoming document with its files, assignments, opinions and status packets", Tag: tag,
			Access: signedIn, Handler: h.apiGetIncoming, Response: Incoming{}},
		{Method: "POST", Path: "/api/v1/office/incoming/{id}/registration", Summary: "Register an arrived document with the next incoming number (03)", Tag: tag,
			Access: signedIn, Handler: h.apiRegister, Request: Registration{}, Response: Incoming{}},
		{Method: "POST", Path: "/api/v1/office/incoming/{id}/refusal", Summary: "Refuse an arrived document with a reason (02)", Tag: tag,
			Access: signedIn, Handler: h.apiRefuse, Request: Refusal{}, Response: Incoming{}},
		{Method: "POST", Path: "/api/v1/office/incoming/{id}/assignments", Summary: "Assign a document to a department and/or an officer with a deadline in working days or a working-day date (04)", Tag: tag,
			Access: signedIn, Handler: h.apiAssign, Request: AssignRequest{}, Response: Assignment{}},
		{Method: "POST", Path: "/api/v1/office/incoming/{id}/opinions", Summary: "Give an opinion on a document", Tag: tag,
			Access: signedIn, Handler: h.apiOpinion, Request: OpinionRequest{}, Response: Opinion{}},
		{Method: "GET", Path: "/api/v1/office/incoming/{id}/files/{position}", Summary: "Download a file of an incoming document", Tag: tag,
			Access: signedIn, Handler: h.apiIncomingFile, ResponseType: "application/octet-stream"},
		{Method: "POST", Path: "/api/v1/office/assignments/{id}/start", Summary: "The assignee starts work (05 at the first start)", Tag: tag,
			Access: signedIn, Handler: h.apiStart, Response: Assignment{}},
		{Method: "POST", Path: "/api/v1/office/assignments/{id}/forward", Summary: "Pass an assignment on to another officer", Tag: tag,
			Access: signedIn, Handler: h.apiForward, Request: ForwardRequest{}, Response: Assignment{}},
		{Method: "POST", Path: "/api/v1/office/assignments/{id}/completion", Summary: "Complete an assignment; the last lead assignment completes the document (06)", Tag: tag,
			Access: signedIn, Handler: h.apiComplete, Request: CompleteRequest{}, Response: Assignment{}},
		{Method: "GET", Path: "/api/v1/office/deadlines", Summary: "Open assignments overdue or due soon, of an agency or a person (default: the caller's)", Tag: tag,
			Access: signedIn, Handler: h.apiDeadlines, Response: []DeadlineItem{}, Query: map[string]string{
				"agency": "identifier code of the agency", "assignee": "an officer's login", "timeliness": "overdue or due_soon (default both)"}},

		{Method: "POST", Path: "/api/v1/office/files", Summary: "Open a work file in an agency's yearly list. Idempotency-Key is honoured.", Tag: tag,
			Access: signedIn, Handler: h.apiCreateFile, Request: NewWorkFile{}, Response: WorkFile{}},
		{Method: "GET", Path: "/api/v1/office/files", Summary: "An agency's list of work files for a year", Tag: tag,
			Access: signedIn, Handler: h.apiListFiles, Response: []WorkFile{}, Query: map[string]string{
				"agency": "identifier code of the agency", "year": "the year (default this year)", "status": "open, closed or archived"}},
		{Method: "GET", Path: "/api/v1/office/files/{id}", Summary: "A work file with its documents", Tag: tag,
			Access: signedIn, Handler: h.apiGetFile, Response: WorkFile{}},
		{Method: "POST", Path: "/api/v1/office/files/{id}/documents", Summary: "Add an issued or registered document to an open work file", Tag: tag,
			Access: signedIn, Handler: h.apiAddToFile, Request: FileItemRequest{}, Response: WorkFile{}},
		{Method: "POST", Path: "/api/v1/office/files/{id}/closure", Summary: "Close a work file", Tag: tag,
			Access: signedIn, Handler: h.apiCloseFile, Response: WorkFile{}},
		{Method: "POST", Path: "/api/v1/office/files/{id}/handover", Summary: "Record the hand-over of a closed work file to the archive", Tag: tag,
			Access: signedIn, Handler: h.apiHandOver, Response: WorkFile{}},
		{Method: "GET", Path: "/api/v1/office/electronic-rates", Summary: "Share of closed work files handled entirely electronically, per agency, level and province", Tag: tag,
			Access: signedIn, Handler: h.apiRates, Response: RateReport{}, Query: map[string]string{"scope": "identifier code of the agency subtree", "year": "the year (default this year)"}},

		{Method: "GET", Path: "/api/v1/office/registers/outgoing", Summary: "The outgoing register (Phụ lục IV) of a period", Tag: tag,
			Access: signedIn, Handler: h.apiOutgoingRegister, Response: []OutgoingEntry{}, Query: registerParams},
		{Method: "GET", Path: "/api/v1/office/registers/outgoing.csv", Summary: "The outgoing register of a period as CSV", Tag: tag,
			Access: signedIn, Handler: h.apiOutgoingCSV, ResponseType: "text/csv", Query: registerParams},
		{Method: "GET", Path: "/api/v1/office/registers/incoming", Summary: "The incoming register (Phụ lục IV) of a period", Tag: tag,
			Access: signedIn, Handler: h.apiIncomingRegister, Response: []IncomingEntry{}, Query: registerParams},
		{Method: "GET", Path: "/api/v1/office/registers/incoming.csv", Summary: "The incoming register of a period as CSV", Tag: tag,
			Access: signedIn, Handler: h.apiIncomingCSV, ResponseType: "text/csv", Query: registerParams},
		{Method: "GET", Path: "/api/v1/office/registers/outgoing.xlsx", Summary: "The outgoing register of a period as an XLSX workbook", Tag: tag,
			Access: signedIn, Handler: h.apiOutgoingXLSX, ResponseType: xlsxType, Query: registerParams},
		{Method: "GET", Path: "/api/v1/office/registers/incoming.xlsx", Summary: "The incoming register of a period as an XLSX workbook", Tag: tag,
			Access: signedIn, Handler: h.apiIncomingXLSX, ResponseType: xlsxType, Query: registerParams},

		{Method: "GET", Path: "/api/v1/office/settings/{agency}", Summary: "An agency's office settings", Tag: tag,
			Access: signedIn, Handler: h.apiGetSettings, Response: Settings{}},
		{Method: "PUT", Path: "/api/v1/office/settings/{agency}", Summary: "Change an agency's office settings (automatic registration, place name)", Tag: tag,
			Access: signedIn, Handler: h.apiSetSettings, Request: Settings{}, Response: Settings{}},
	}, h.keyRoutes()...)
}

func principal(r *http.Request) *auth.Principal { return auth.FromContext(r.Context()) }

func idParam(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Reasonf(errs.Invalid, "bad_parameter", "%s %q is not a number", name, r.PathValue(name))
	}
	return id, nil
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

func (h *Handler) apiTypes(w http.ResponseWriter, r *http.Request) error {
	out := []DocumentType{}
	for _, t := range vn.DocumentTypes() {
		out = append(out, DocumentType{Number: t.Number, Name: t.Name, Abbreviation: t.Abbreviation})
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// form reads a multipart request; the caller removes its temporary files.
func form(r *http.Request) (*multipart.Form, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errs.Reasonf(errs.TooLarge, "body_too_large", "the request is larger than %d MB", tooBig.Limit>>20)
		}
		return nil, errs.Reasonf(errs.Invalid, "bad_multipart", "cannot read the multipart body: %v", err)
	}
	return r.MultipartForm, nil
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// decodeDocument reads the JSON description of a multipart request's 'document' part, or the
// whole body when it is JSON, and returns the files of the named parts.
func decodeDocument(r *http.Request, v any, parts ...string) (map[string][]Upload, func(), error) {
	if !isMultipart(r) {
		return nil, func() {}, api.DecodeJSON(r, v)
	}
	f, err := form(r)
	if err != nil {
		return nil, func() {}, err
	}
	done := func() { f.RemoveAll() }
	meta := ""
	if vs := f.Value["document"]; len(vs) > 0 {
		meta = vs[0]
	}
	if meta == "" {
		done()
		return nil, func() {}, errs.Reasonf(errs.Invalid, "bad_request", "the multipart request needs a 'document' part with the JSON description")
	}
	dec := json.NewDecoder(strings.NewReader(meta))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		done()
		return nil, func() {}, errs.Reasonf(errs.Invalid, "bad_json", "the 'document' part is not valid JSON for this call: %v", err)
	}
	out := map[string][]Upload{}
	var opened []io.Closer
	for name, files := range f.File {
		known := false
		for _, p := range parts {
			known = known || p == name
		}
		if !known {
			done()
			return nil, func() {}, errs.Reasonf(errs.Invalid, "bad_request", "unknown file part %q: use %v", name, parts)
		}
		for _, fh := range files {
			file, err := fh.Open()
			if err != nil {
				done()
				return nil, func() {}, err
			}
			opened = append(opened, file)
			out[name] = append(out[name], Upload{Name: fh.Filename, Body: file})
		}
	}
	return out, func() {
		for _, c := range opened {
			c.Close()
		}
		done()
	}, nil
}

func (h *Handler) draftFromRequest(r *http.Request) (DraftInput, func(), error) {
	var d DraftInput
	files, done, err := decodeDocument(r, &d, "main", "attachment")
	if err != nil {
		return d, done, err
	}
	if m := files["main"]; len(m) > 1 {
		done()
		return d, func() {}, errs.Reasonf(errs.Invalid, "bad_request", "one 'main' file (the document's PDF), not %d", len(m))
	} else if len(m) == 1 {
		d.Main = &m[0]
	}
	d.Attachments = files["attachment"]
	d.IdempotencyKey = r.Header.Get("Idempotency-Key")
	return d, done, nil
}

func (h *Handler) apiCreateDraft(w http.ResponseWriter, r *http.Request) error {
	d, done, err := h.draftFromRequest(r)
	defer done()
	if err != nil {
		return err
	}
	o, err := h.Office.CreateDraft(r.Context(), principal(r), d)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, o)
	return nil
}

func (h *Handler) apiUpdateDraft(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Office.GetOutgoing(r.Context(), principal(r), id); err != nil {
		return err
	}
	d, done, err := h.draftFromRequest(r)
	defer done()
	if err != nil {
		return err
	}
	o, err := h.Office.UpdateDraft(r.Context(), principal(r), id, d)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, o)
	return nil
}

func (h *Handler) apiListOutgoing(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q := OutgoingQuery{Agency: v.Get("agency"), Status: OutStatus(v.Get("status"))}
	var err error
	if q.Limit, err = intParam(v.Get("limit"), 100, 1, 500); err != nil {
		return err
	}
	if q.Offset, err = intParam(v.Get("offset"), 0, 0, 1<<30); err != nil {
		return err
	}
	list, err := h.Office.ListOutgoing(r.Context(), principal(r), q)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) apiGetOutgoing(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	o, err := h.Office.GetOutgoing(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, o)
	return nil
}

func (h *Handler) apiTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	var c Change
	if err := api.DecodeJSON(r, &c); err != nil {
		return err
	}
	c.IdempotencyKey = r.Header.Get("Idempotency-Key")
	o, err := h.Office.Transition(r.Context(), principal(r), id, c)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, o)
	return nil
}

func (h *Handler) apiResend(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	o, err := h.Office.Resend(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, o)
	return nil
}

func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, kind string) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	pos, err := strconv.Atoi(r.PathValue("position"))
	if err != nil {
		return errs.Reasonf(errs.Invalid, "bad_parameter", "file position %q is not a number", r.PathValue("position"))
	}
	rc, f, err := h.Office.OpenFile(r.Context(), principal(r), kind, id, pos)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if rs, ok := rc.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", f.AddedAt, rs)
		return nil
	}
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	io.Copy(w, rc)
	return nil
}

func (h *Handler) apiOutgoingFile(w http.ResponseWriter, r *http.Request) error {
	return h.serveFile(w, r, KindOutgoing)
}

func (h *Handler) apiIncomingFile(w http.ResponseWriter, r *http.Request) error {
	return h.serveFile(w, r, KindIncoming)
}
