package certcopy

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the certified-copy API and pages.
type Handler struct {
	Copies *Service
	Pages  *web.Renderer
}

// maxUpload bounds an issuing request: 100 pages of 20 MB would be 2 GB; a copy is rarely above a
// few dozen pages, so 512 MB.
const maxUpload = 512 << 20

// maxCheck bounds a file uploaded for verification.
const maxCheck = 64 << 20

var listParams = map[string]string{
	"agency": "identifier code of the certifying agency (required)",
	"year":   "register year (default: all years, newest first)",
	"limit":  "at most this many (default 100, at most 500)",
	"offset": "skip this many",
}

// RevocationRequest is the body of a revocation.
type RevocationRequest struct {
	Reason string `json:"reason"`
}

// Routes returns the certified-copy API.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "POST", Path: "/api/v1/certified-copies", Summary: "Certify a copy from the original (procedure 2.000815): multipart/form-data with a 'request' JSON part and the scanned pages as files named 'scan' (JPEG or PNG, in order). The agency's officers and leaders.",
			Tag: "certified-copies", Access: api.OfficersOnly, Handler: h.apiIssue, Request: Request{}, RequestType: "multipart/form-data", Response: Copy{}, MaxBody: maxUpload},
		{Method: "GET", Path: "/api/v1/certified-copies", Summary: "An agency's certified copies, newest first", Tag: "certified-copies",
			Access: api.AnyPrincipal, Handler: h.apiList, Response: []Copy{}, Query: listParams},
		{Method: "GET", Path: "/api/v1/certified-copies/{code}", Summary: "One certified copy (the agency's officers, viewers and connected systems)", Tag: "certified-copies",
			Access: api.AnyPrincipal, Handler: h.apiGet, Response: Copy{}},
		{Method: "GET", Path: "/api/v1/certified-copies/{code}/pdf", Summary: "The signed PDF of a certified copy", Tag: "certified-copies",
			Access: api.AnyPrincipal, Handler: h.apiPDF, ResponseType: "application/pdf"},
		{Method: "POST", Path: "/api/v1/certified-copies/{code}/revocation", Summary: "Revoke a certified copy, with the reason shown on the verification page", Tag: "certified-copies",
			Access: api.OfficersOnly, Handler: h.apiRevoke, Request: RevocationRequest{}, Response: Copy{}},
		{Method: "GET", Path: "/api/v1/certified-copies/{code}/verification", Summary: "Anyone: is this code a copy issued here (authentic, revoked or unknown)?", Tag: "certified-copies",
			Access: api.Public, Handler: h.apiVerify, Response: Verification{}},
		{Method: "POST", Path: "/api/v1/certified-copies/{code}/verification", Summary: "Anyone: check a file against the issued copy (byte-identical? signature valid?): the PDF as the body, or multipart with a part named 'file'",
			Tag: "certified-copies", Access: api.Public, Handler: h.apiVerifyFile, RequestType: "application/pdf", Response: Verification{}, MaxBody: maxCheck},
	}
}

func parseMultipart(r *http.Request) (*multipart.Form, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errs.Reasonf(errs.TooLarge, "body_too_large", "the request is larger than %d MB", tooBig.Limit>>20)
		}
		return nil, errs.Reasonf(errs.Invalid, "bad_multipart", "cannot read the multipart body: %v", err)
	}
	return r.MultipartForm, nil
}

// requestOf reads an issuing request from a multipart form: the JSON part (or form fields, from
// the page) and the files named scan, in the order they came.
func requestOf(form *multipart.Form, jsonPart string) (Request, []io.Closer, error) {
	var req Request
	if meta := form.Value[jsonPart]; len(meta) > 0 && meta[0] != "" {
		if err := json.Unmarshal([]byte(meta[0]), &req); err != nil {
			return req, nil, errs.Reasonf(errs.Invalid, "bad_json", "the '%s' part is not valid JSON: %v", jsonPart, err)
		}
	} else {
		v := func(k string) string {
			if x := form.Value[k]; len(x) > 0 {
				return x[0]
			}
			return ""
		}
		req = Request{Agency: v("agency"), ApplicantName: v("applicant_name"), ApplicantIDNumber: v("applicant_id_number"),
			OriginalDescription: v("original_description"), Book: v("book"), OfficerName: v("officer_name"), OfficerTitle: v("officer_title"), Place: v("place")}
	}
	var closers []io.Closer
	for _, fh := range form.File["scan"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // an empty file input
		}
		f, err := fh.Open()
		if err != nil {
			for _, c := range closers {
				c.Close()
			}
			return req, nil, errs.Reasonf(errs.Invalid, "bad_multipart", "cannot read %s: %v", fh.Filename, err)
		}
		closers = append(closers, f)
		req.Scans = append(req.Scans, Scan{Name: fh.Filename, Body: f})
	}
	return req, closers, nil
}

func (h *Handler) apiIssue(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return errs.Reasonf(errs.Invalid, "bad_request", "send multipart/form-data with a 'request' JSON part and the scanned pages as 'scan' files")
	}
	form, err := parseMultipart(r)
	if err != nil {
		return err
	}
	defer form.RemoveAll()
	req, closers, err := requestOf(form, "request")
	if err != nil {
		return err
	}
	defer closeAll(closers)
	c, err := h.Copies.Issue(r.Context(), auth.FromContext(r.Context()), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/certified-copies/"+c.Code)
	api.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func closeAll(cs []io.Closer) {
	for _, c := range cs {
		c.Close()
	}
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

func filterOf(v url.Values) (Filter, error) {
	f := Filter{Agency: strings.TrimSpace(v.Get("agency"))}
	var err error
	if f.Year, err = intParam(v.Get("year"), 0, 2000, 9999); err != nil {
		return f, err
	}
	if f.Limit, err = intParam(v.Get("limit"), 100, 1, 500); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(v.Get("offset"), 0, 0, 1<<30); err != nil {
		return f, err
	}
	return f, nil
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := h.Copies.List(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Copies.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) apiPDF(w http.ResponseWriter, r *http.Request) error {
	rc, c, err := h.Copies.PDF(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"))
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "ban-sao-" + c.Code + ".pdf"}))
	w.Header().Set("Cache-Control", "private, no-store")
	if rs, ok := rc.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", c.IssuedAt, rs)
		return nil
	}
	w.Header().Set("Content-Length", strconv.FormatInt(c.PDF.Size, 10))
	_, err = io.Copy(w, rc)
	return err
}

func (h *Handler) apiRevoke(w http.ResponseWriter, r *http.Request) error {
	var body RevocationRequest
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	c, err := h.Copies.Revoke(r.Context(), auth.FromContext(r.Context()), r.PathValue("code"), body.Reason)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) apiVerify(w http.ResponseWriter, r *http.Request) error {
	v, err := h.Copies.Verify(r.Context(), r.PathValue("code"), nil)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, v)
	return nil
}

// uploadedFile reads the file to check: the body itself, or the multipart part named file.
func uploadedFile(r *http.Request) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		form, err := parseMultipart(r)
		if err != nil {
			return nil, err
		}
		defer form.RemoveAll()
		fhs := form.File["file"]
		if len(fhs) == 0 {
			return nil, errs.Reasonf(errs.Invalid, "bad_request", "attach the file to check as the part 'file'").WithFields(errs.FieldError{Field: "file", Message: "required"})
		}
		f, err := fhs[0].Open()
		if err != nil {
			return nil, errs.Reasonf(errs.Invalid, "bad_multipart", "cannot read the file: %v", err)
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errs.Reasonf(errs.TooLarge, "body_too_large", "the file is larger than %d MB", tooBig.Limit>>20)
		}
		return nil, errs.Reasonf(errs.Invalid, "bad_request", "cannot read the file: %v", err)
	}
	if len(b) == 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_request", "send the file to check as the request body").WithFields(errs.FieldError{Field: "file", Message: "required"})
	}
	return b, nil
}

func (h *Handler) apiVerifyFile(w http.ResponseWriter, r *http.Request) error {
	file, err := uploadedFile(r)
	if err != nil {
		return err
	}
	v, err := h.Copies.Verify(r.Context(), r.PathValue("code"), file)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, v)
	return nil
}
