package office

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// FilesView is the view of the yearly list of work files with the electronic-processing rates.
type FilesView struct {
	Frame
	Year    int
	Status  string
	Files   []WorkFile
	Form    url.Values
	Key     string
	Problem *errs.Error
	Errors  map[string][]string
	Rates   *RateReport
	// Signatures are the digital-signature figures of the same year.
	Signatures *SignatureReport
	Chart      rateChart
	// FileStatuses are the choices of the status filter.
	FileStatuses []string
}

// rateChart is what the chart script draws, written into the page as JSON.
type rateChart struct {
	Labels  map[string]string `json:"labels"`
	Levels  []string          `json:"levels"`
	Percent []float64         `json:"percent"`
}

// rateChartLabels are the message keys the chart script shows.
var rateChartLabels = []string{"office.rates.percent"}

func (h *Handler) pageFiles(w http.ResponseWriter, r *http.Request) error {
	return h.renderFiles(w, r, http.StatusOK, "", nil, nil)
}

func (h *Handler) renderFiles(w http.ResponseWriter, r *http.Request, status int, agency string, problem *errs.Error, form url.Values) error {
	ctx, p, q := r.Context(), principal(r), r.URL.Query()
	year, err := intParam(q.Get("year"), 0, 1945, 9999)
	if err != nil {
		return err
	}
	if year == 0 {
		year = h.Office.db.Now().In(h.Office.cal.Location()).Year()
	}
	if form == nil {
		form = url.Values{}
	}
	key := form.Get("key")
	if key == "" {
		key = newKey()
	}
	v := FilesView{Frame: h.frame(r, "files", agency), Year: year, Status: q.Get("status"), Form: form, Key: key, Problem: problem, Errors: fieldErrors(problem),
		FileStatuses: []string{FileOpen, FileClosed, FileArchived}}
	if v.Files, err = h.Office.ListFiles(ctx, p, FileQuery{Agency: v.Agency, Year: year, Status: v.Status}); err != nil {
		return err
	}
	if v.Rates, err = h.Office.ElectronicRates(ctx, p, v.Agency, year); err != nil {
		return err
	}
	if v.Signatures, err = h.Office.SignatureFigures(ctx, p, v.Agency, year); err != nil {
		return err
	}
	msgs := h.Pages.Messages(web.Lang(r))
	v.Chart = rateChart{Labels: map[string]string{}, Levels: []string{}, Percent: []float64{}}
	for _, k := range rateChartLabels {
		v.Chart.Labels[strings.TrimPrefix(k, "office.rates.")] = msgs[k]
	}
	for _, l := range v.Rates.Levels {
		name := msgs["office.level."+string(l.Level)]
		if name == "" {
			name = string(l.Level)
		}
		v.Chart.Levels = append(v.Chart.Levels, name)
		v.Chart.Percent = append(v.Chart.Percent, l.Percent)
	}
	return h.Pages.Render(w, r, status, "office_files", "office.files.title", v)
}

func (h *Handler) pageCreateFile(w http.ResponseWriter, r *http.Request) error {
	f, _, err := parseForm(r)
	if err != nil {
		return err
	}
	year := 0
	if s := strings.TrimSpace(f.Get("year")); s != "" {
		if year, err = strconv.Atoi(s); err != nil {
			e := errs.Reasonf(errs.Invalid, "bad_year", "%q is not a year", s).WithFields(errs.FieldError{Field: "year", Message: "not a year"})
			return h.renderFiles(w, r, api.Status(e), f.Get("agency"), e, f)
		}
	}
	wf, err := h.Office.CreateFile(r.Context(), principal(r), NewWorkFile{Agency: f.Get("agency"), Year: year, Number: f.Get("number"),
		Group: f.Get("group"), Title: f.Get("title"), Heading: f.Get("heading"), Keeper: f.Get("keeper"), Retention: f.Get("retention"),
		IdempotencyKey: f.Get("key")})
	if err != nil {
		if e := formProblem(err, f); e != nil {
			return h.renderFiles(w, r, api.Status(err), f.Get("agency"), e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/files/%d?done=created", wf.ID))
}

// FileView is the view of a work file's page.
type FileView struct {
	Frame
	File    *WorkFile
	Problem *errs.Error
	Form    url.Values
}

func (h *Handler) pageFile(w http.ResponseWriter, r *http.Request) error {
	return h.renderFile(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) renderFile(w http.ResponseWriter, r *http.Request, status int, problem *errs.Error, form url.Values) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, err := h.Office.GetFile(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	v := FileView{Frame: h.frame(r, "files", f.Agency), File: f, Problem: problem, Form: form}
	return h.Pages.Render(w, r, status, "office_file_show", "office.file.title", v)
}

func (h *Handler) pageFileAct(w http.ResponseWriter, r *http.Request) error {
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
	case "add":
		doc, perr := strconv.ParseInt(strings.TrimSpace(f.Get("document_id")), 10, 64)
		if perr != nil || doc <= 0 {
			err = errs.Reasonf(errs.Invalid, "bad_document_id", "%q is not a document number", f.Get("document_id"))
			break
		}
		_, err = h.Office.AddToFile(ctx, p, id, FileItemRequest{Kind: f.Get("kind"), DocumentID: doc})
	case "close":
		_, err = h.Office.CloseFile(ctx, p, id)
	case "handover":
		_, err = h.Office.HandOver(ctx, p, id)
	default:
		return errs.Reasonf(errs.NotFound, "no_route", "there is no step %q", action)
	}
	if err != nil {
		if e := problemOf(err); e != nil {
			return h.renderFile(w, r, api.Status(err), e, f)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/office/files/%d?done=%s", id, action))
}

// ---- registers ----

// RegistersView is the view of the registers page: a preview of each register for the period and
// the links to download them whole.
type RegistersView struct {
	Frame
	From, To, Series string
	Outgoing         []OutgoingEntry
	Incoming         []IncomingEntry
	OutgoingError    string
	IncomingError    string
	// Query is the query string of the download links.
	Query template.URL
	// Preview is how many rows each table shows at most.
	Preview int
}

func (h *Handler) pageRegisters(w http.ResponseWriter, r *http.Request) error {
	ctx, p, q := r.Context(), principal(r), r.URL.Query()
	v := RegistersView{Frame: h.frame(r, "registers", ""), From: q.Get("from"), To: q.Get("to"), Series: q.Get("series"), Preview: 100}
	if v.From == "" && v.To == "" {
		// This year so far, by default.
		now := h.Office.db.Now().In(h.Office.cal.Location())
		v.From, v.To = fmt.Sprintf("%d-01-01", now.Year()), now.Format(time.DateOnly)
	}
	dl := url.Values{"agency": {v.Agency}}
	for k, val := range map[string]string{"from": v.From, "to": v.To, "series": v.Series} {
		if val != "" {
			dl.Set(k, val)
		}
	}
	v.Query = template.URL(dl.Encode())
	rq := RegisterQuery{Agency: v.Agency, From: v.From, To: v.To, Series: v.Series, Limit: v.Preview}
	out, err := h.Office.OutgoingRegister(ctx, p, rq)
	if err != nil {
		// Only the secret register is refused to an officer who may see the agency; anything
		// else forbidden is another agency's.
		if e := errs.As(err); e.Code != errs.Invalid && e.Reason != "secret_register" {
			return err
		}
		v.OutgoingError = errs.As(err).Message
	}
	in, err := h.Office.IncomingRegister(ctx, p, rq)
	if err != nil {
		if e := errs.As(err); e.Code != errs.Invalid && e.Code != errs.Forbidden {
			return err
		}
		v.IncomingError = errs.As(err).Message
	}
	v.Outgoing, v.Incoming = out, in
	return h.Pages.Render(w, r, http.StatusOK, "office_registers", "office.registers.title", v)
}
