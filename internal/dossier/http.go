package dossier

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the dossier API and pages.
type Handler struct {
	Dossiers *Service
	Pages    *web.Renderer
	// Forms renders the standard slips as PDF; nil leaves the form routes answering unavailable.
	Forms *Forms
}

// maxUpload bounds a multipart request: 50 files of 20 MB.
const maxUpload = 1 << 30

var listParams = map[string]string{
	"agency":     "identifier code: the agency and those below it (officers, viewers, the agency's clients)",
	"status":     "national status numbers 1–10, comma-separated",
	"timeliness": "overdue or due_soon: running dossiers past or within 2 working days of their appointment",
	"mine":       "1: the caller's own dossiers as an applicant (instead of agency)",
	"limit":      "at most this many (default 100, at most 500)",
	"offset":     "skip this many",
}

// Routes returns the dossier API.
func (h *Handler) Routes() []api.Route {
	signedIn := api.SignedIn
	return []api.Route{
		{Method: "POST", Path: "/api/v1/dossiers", Summary: "Submit a dossier: JSON, or multipart/form-data with a 'dossier' JSON part and files named component-N (N = the procedure's component index) or other. Idempotency-Key is honoured.",
			Tag: "dossiers", Access: signedIn, Handler: h.apiSubmit, Request: Submission{}, RequestType: "multipart/form-data", Response: Dossier{}, MaxBody: maxUpload},
		{Method: "GET", Path: "/api/v1/dossiers", Summary: "List dossiers of an agency subtree, or the caller's own", Tag: "dossiers",
			Access: signedIn, Handler: h.apiList, Response: []Dossier{}, Query: listParams},
		{Method: "GET", Path: "/api/v1/dossiers/{code}", Summary: "One dossier with its files and timeline (its parties and the agency's viewers)", Tag: "dossiers",
			Access: signedIn, Handler: h.apiGet, Response: Dossier{}},
		{Method: "GET", Path: "/api/v1/dossiers/{code}/status", Summary: "Anyone: a dossier's status and dates by its code, without personal data", Tag: "dossiers",
			Access: api.Public, Handler: h.apiPublic, Response: PublicView{}},
		{Method: "POST", Path: "/api/v1/dossiers/{code}/transitions", Summary: "Move a dossier to another national status (the transition table decides)", Tag: "dossiers",
			Access: signedIn, Handler: h.apiTransition, Request: Change{}, Response: Dossier{}},
		{Method: "POST", Path: "/api/v1/dossiers/{code}/assignment", Summary: "Route a dossier to a department and an officer", Tag: "dossiers",
			Access: signedIn, Handler: h.apiAssign, Request: Assignment{}, Response: Dossier{}},
		{Method: "POST", Path: "/api/v1/dossiers/{code}/supplement", Summary: "Send the documents asked for (multipart: 'note' and files component-N or other)", Tag: "dossiers",
			Access: signedIn, Handler: h.apiSupplement, RequestType: "multipart/form-data", Response: Dossier{}, MaxBody: maxUpload},
		{Method: "POST", Path: "/api/v1/dossiers/{code}/result", Summary: "Issue the result documents (multipart: 'note' and files named result); PDFs are signed by the agency", Tag: "dossiers",
			Access: signedIn, Handler: h.apiResult, RequestType: "multipart/form-data", Response: Dossier{}, MaxBody: maxUpload},
		{Method: "POST", Path: "/api/v1/dossiers/{code}/reschedule", Summary: "Give a late dossier a new appointment with an apology", Tag: "dossiers",
			Access: signedIn, Handler: h.apiReschedule, Request: Rescheduling{}, Response: Dossier{}},
		{Method: "POST", Path: "/api/v1/dossiers/{code}/rating", Summary: "The applicant rates a settled dossier (1–5)", Tag: "dossiers",
			Access: signedIn, Handler: h.apiRate, Request: Rating{}, Response: Dossier{}},
		{Method: "GET", Path: "/api/v1/dossiers/{code}/files/{position}", Summary: "Download a file of a dossier", Tag: "dossiers",
			Access: signedIn, Handler: h.apiFile, ResponseType: "application/octet-stream"},
		{Method: "GET", Path: "/api/v1/dossiers/{code}/forms/{form}", Summary: "A standard slip as PDF: receipt, supplement, refusal, apology, control", Tag: "dossiers",
			Access: signedIn, Handler: h.apiForm, ResponseType: "application/pdf"},
		{Method: "GET", Path: "/api/v1/dossier-book", Summary: "The tracking book (sổ theo dõi hồ sơ) of an agency for a period, as PDF", Tag: "dossiers",
			Access: signedIn, Handler: h.apiBook, ResponseType: "application/pdf", Query: statsParams},
		{Method: "GET", Path: "/api/v1/dossier-stats", Summary: "On-time and late figures of an agency subtree for a period", Tag: "dossiers",
			Access: signedIn, Handler: h.apiStats, Response: []StatsRow{}, Query: statsParams},
		{Method: "GET", Path: "/api/v1/documents", Summary: "The caller's electronic data store (results kept for reuse)", Tag: "dossiers",
			Access: api.ApplicantsOnly, Handler: h.apiDocuments, Response: []Document{}},
		{Method: "GET", Path: "/api/v1/documents/{id}", Summary: "Download a document of the caller's data store", Tag: "dossiers",
			Access: api.ApplicantsOnly, Handler: h.apiDocument, ResponseType: "application/octet-stream"},
	}
}

var statsParams = map[string]string{
	"agency": "identifier code of the agency subtree",
	"from":   "first day, yyyy-mm-dd (default: the first of this month)",
	"to":     "last day, yyyy-mm-dd (default: today)",
}

// Assignment routes a dossier.
type Assignment struct {
	Department string `json:"department"`
	Assignee   string `json:"assignee"`
	Note       string `json:"note,omitempty"`
}

// Rescheduling moves a late dossier's appointment.
type Rescheduling struct {
	Days   int    `json:"days"`
	Reason string `json:"reason"`
}

// Rating is the applicant's satisfaction.
type Rating struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

func (h *Handler) apiSubmit(w http.ResponseWriter, r *http.Request) error {
	var sub Submission
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		form, err := parseMultipart(r)
		if err != nil {
			return err
		}
		defer form.RemoveAll()
		meta := formValue(form, "dossier")
		if meta == "" {
			return errs.Reasonf(errs.Invalid, "bad_request", "the multipart request needs a 'dossier' part with the JSON description")
		}
		if err := json.Unmarshal([]byte(meta), &sub); err != nil {
			return errs.Reasonf(errs.Invalid, "bad_json", "the 'dossier' part is not valid JSON: %v", err)
		}
		if sub.Files, err = uploads(form); err != nil {
			return err
		}
	} else if err := api.DecodeJSON(r, &sub); err != nil {
		return err
	}
	sub.IdempotencyKey = r.Header.Get("Idempotency-Key")
	d, err := h.Dossiers.Submit(r.Context(), auth.FromContext(r.Context()), sub)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, d)
	return nil
}

func parseMultipart(r *http.Request) (*multipart.Form, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if errs.CodeOf(err) != errs.Internal {
			return nil, err
		}
		var tooBig *http.MaxBytesError
		if ok := asMaxBytes(err, &tooBig); ok {
			return nil, errs.Reasonf(errs.TooLarge, "body_too_large", "the request is larger than %d MB", tooBig.Limit>>20)
		}
		return nil, errs.Reasonf(errs.Invalid, "bad_multipart", "cannot read the multipart body: %v", err)
	}
	return r.MultipartForm, nil
}

func formValue(f *multipart.Form, name string) string {
	if v := f.Value[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// uploads turns file parts named component-N (N = component index) or other into Uploads, and
// fields document-N (a data store document id) into reuses.
func uploads(f *multipart.Form) ([]Upload, error) {
	var out []Upload
	for name, files := range f.File {
		comp, err := componentOf(name)
		if err != nil {
			return nil, err
		}
		for _, fh := range files {
			file, err := fh.Open()
			if err != nil {
				return nil, err
			}
			out = append(out, Upload{Component: comp, Name: fh.Filename, Body: file})
		}
	}
	for name, vals := range f.Value {
		rest, ok := strings.CutPrefix(name, "document-")
		if !ok {
			continue
		}
		comp, err := componentOf("component-" + rest)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			if v == "" {
				continue
			}
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, errs.Reasonf(errs.Invalid, "bad_request", "%s: want a data store document id, got %q", name, v)
			}
			out = append(out, Upload{Component: comp, DocumentID: id})
		}
	}
	// Map order is random; keep the files in component order so positions are stable.
	sortUploads(out)
	return out, nil
}

func componentOf(part string) (int, error) {
	if part == "other" {
		return -1, nil
	}
	n, ok := strings.CutPrefix(part, "component-")
	i, err := strconv.Atoi(n)
	if !ok || err != nil || i < 0 {
		return 0, errs.Reasonf(errs.Invalid, "bad_request", "file part %q: name files component-N (N = the component's index) or other", part)
	}
	return i, nil
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	f := Filter{Agency: v.Get("agency"), Timeliness: Timeliness(v.Get("timeliness")), Mine: v.Get("mine") == "1"}
	for _, s := range strings.Split(v.Get("status"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		st, err := vn.ParseDossierStatus(s)
		if err != nil {
			return errs.Reasonf(errs.Invalid, "bad_parameter", "status: %v", err)
		}
		f.Status = append(f.Status, st)
	}
	var err error
	if f.Limit, err = intParam(v.Get("limit"), 100, 1, 500); err != nil {
		return err
	}
	if f.Offset, err = intParam(v.Get("offset"), 0, 0, 1<<30); err != nil {
		return err
	}
	list, err := h.Dossiers.List(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*Dossier{}
	}
	api.WriteJSON(w, http.StatusOK, list)
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

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	d, err := h.Dossiers.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) apiPublic(w http.ResponseWriter, r *http.Request) error {
	v, err := h.Dossiers.Public(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (h *Handler) apiTransition(w http.ResponseWriter, r *http.Request) error {
	var c Change
	if err := api.DecodeJSON(r, &c); err != nil {
		return err
	}
	d, err := h.Dossiers.Transition(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), c)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) apiAssign(w http.ResponseWriter, r *http.Request) error {
	var a Assignment
	if err := api.DecodeJSON(r, &a); err != nil {
		return err
	}
	d, err := h.Dossiers.Assign(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), a.Department, a.Assignee, a.Note)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

// mayAct refuses callers who may not even see the dossier before its body is read.
func (h *Handler) mayAct(r *http.Request) error {
	_, err := h.Dossiers.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"))
	return err
}

func (h *Handler) apiSupplement(w http.ResponseWriter, r *http.Request) error {
	if err := h.mayAct(r); err != nil {
		return err
	}
	form, err := parseMultipart(r)
	if err != nil {
		return err
	}
	defer form.RemoveAll()
	ups, err := uploads(form)
	if err != nil {
		return err
	}
	d, err := h.Dossiers.Supplement(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), formValue(form, "note"), ups)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) apiResult(w http.ResponseWriter, r *http.Request) error {
	if err := h.mayAct(r); err != nil {
		return err
	}
	form, err := parseMultipart(r)
	if err != nil {
		return err
	}
	defer form.RemoveAll()
	results, err := readResults(form)
	if err != nil {
		return err
	}
	d, err := h.Dossiers.Process(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), formValue(form, "note"), results)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

// readResults reads the files named result; each is signed whole, so it is read into memory
// (bounded by the per-file limit the service applies again when storing).
func readResults(form *multipart.Form) ([]Result, error) {
	var out []Result
	for _, fh := range form.File["result"] {
		if fh.Size > 50<<20 {
			return nil, errs.Reasonf(errs.TooLarge, "file_too_large", "result %s is larger than 50 MB", fh.Filename)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, Result{Name: fh.Filename, Body: b})
	}
	return out, nil
}

func (h *Handler) apiReschedule(w http.ResponseWriter, r *http.Request) error {
	var x Rescheduling
	if err := api.DecodeJSON(r, &x); err != nil {
		return err
	}
	d, err := h.Dossiers.Reschedule(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), x.Days, x.Reason)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) apiRate(w http.ResponseWriter, r *http.Request) error {
	var x Rating
	if err := api.DecodeJSON(r, &x); err != nil {
		return err
	}
	d, err := h.Dossiers.Rate(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), x.Score, x.Comment)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) apiFile(w http.ResponseWriter, r *http.Request) error {
	pos, err := strconv.Atoi(r.PathValue("position"))
	if err != nil {
		return errs.Reasonf(errs.Invalid, "bad_parameter", "file position %q is not a number", r.PathValue("position"))
	}
	f, rc, err := h.Dossiers.OpenFile(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), pos)
	if err != nil {
		return err
	}
	defer rc.Close()
	serveContent(w, r, f.Name, f.ContentType, f.UploadedAt, rc)
	return nil
}

func (h *Handler) apiDocuments(w http.ResponseWriter, r *http.Request) error {
	list, err := h.Dossiers.Documents(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	if list == nil {
		list = []Document{}
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) apiDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.Reasonf(errs.Invalid, "bad_parameter", "document id %q is not a number", r.PathValue("id"))
	}
	d, rc, err := h.Dossiers.OpenDocument(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return err
	}
	defer rc.Close()
	serveContent(w, r, d.Name, d.ContentType, d.CreatedAt, rc)
	return nil
}

// serveContent sends stored content as a download, with ranges when the store can seek.
func serveContent(w http.ResponseWriter, r *http.Request, name, contentType string, mod time.Time, rc io.Reader) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if rs, ok := rc.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", mod, rs)
		return
	}
	io.Copy(w, rc)
}

// period reads from/to query parameters as local days, [from 00:00, to+1 00:00).
func period(r *http.Request, loc *time.Location, now time.Time) (time.Time, time.Time, error) {
	local := now.In(loc)
	from := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc)
	to := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if s := r.URL.Query().Get(p.name); s != "" {
			t, err := time.ParseInLocation(time.DateOnly, s, loc)
			if err != nil {
				return from, to, errs.Reasonf(errs.Invalid, "bad_parameter", "%s %q: want yyyy-mm-dd", p.name, s)
			}
			*p.dst = t
		}
	}
	if to.Before(from) {
		return from, to, errs.Reasonf(errs.Invalid, "bad_parameter", "the period ends before it starts")
	}
	return from, to.AddDate(0, 0, 1), nil
}

func (h *Handler) apiStats(w http.ResponseWriter, r *http.Request) error {
	from, to, err := period(r, h.Dossiers.cal.Location(), h.Dossiers.db.Now())
	if err != nil {
		return err
	}
	rows, err := h.Dossiers.Stats(r.Context(), auth.FromContext(r.Context()), r.URL.Query().Get("agency"), from, to)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, rows)
	return nil
}

func (h *Handler) forms() (*Forms, error) {
	if h.Forms == nil {
		return nil, errs.Reasonf(errs.Unavailable, "no_forms", "PDF forms are not configured on this node")
	}
	return h.Forms, nil
}

func (h *Handler) apiForm(w http.ResponseWriter, r *http.Request) error {
	d, err := h.Dossiers.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"))
	if err != nil {
		return err
	}
	fm, err := h.forms()
	if err != nil {
		return err
	}
	pdf, err := fm.Render(FormKind(r.PathValue("form")), d)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-%s.pdf"`, r.PathValue("form"), d.Code))
	_, err = w.Write(pdf)
	return err
}

func (h *Handler) apiBook(w http.ResponseWriter, r *http.Request) error {
	if err := h.Dossiers.MayView(auth.FromContext(r.Context()), r.URL.Query().Get("agency")); err != nil {
		return err
	}
	fm, err := h.forms()
	if err != nil {
		return err
	}
	from, to, err := period(r, h.Dossiers.cal.Location(), h.Dossiers.db.Now())
	if err != nil {
		return err
	}
	pdf, err := fm.Book(r.Context(), auth.FromContext(r.Context()), r.URL.Query().Get("agency"), from, to)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="so-theo-doi-ho-so.pdf"`)
	_, err = w.Write(pdf)
	return err
}

func asMaxBytes(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }

// sortUploads orders uploads by component, other papers last, keeping the order within one.
func sortUploads(u []Upload) {
	key := func(c int) int {
		if c < 0 {
			return 1 << 30
		}
		return c
	}
	sort.SliceStable(u, func(i, j int) bool { return key(u[i].Component) < key(u[j].Component) })
}
