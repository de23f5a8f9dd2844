// Package api holds what every HTTP surface shares: the route table with its access rules, JSON
// reading and writing, the one table from error codes to HTTP statuses, middleware (logging,
// metrics, limits) and the OpenAPI document built from the route table.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/lienthong/lienthong/internal/errs"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:      http.StatusBadRequest,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Forbidden:    http.StatusForbidden,
	errs.TooLarge:     http.StatusRequestEntityTooLarge,
	errs.Unavailable:  http.StatusServiceUnavailable,
	errs.Internal:     http.StatusInternalServerError,
}

// Status returns the HTTP status for an error.
func Status(err error) int {
	if s, ok := statusOf[errs.CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every API error: {"error":{"code","message"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes an error to an API caller.
type ErrorDetail struct {
	Code    errs.Code         `json:"code"`
	Reason  string            `json:"reason,omitempty"`
	Message string            `json:"message"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
}

// Detail converts err into what the caller may see; internal errors are logged with their cause
// and shown without it.
func Detail(r *http.Request, err error) ErrorDetail {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = errs.Reasonf(errs.TooLarge, "body_too_large", "the request body is larger than %d bytes", mbe.Limit)
	}
	e := errs.As(err)
	if e.Code == errs.Internal {
		slog.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		return ErrorDetail{Code: errs.Internal, Message: "internal error: the administrators have the details in the log"}
	}
	return ErrorDetail{Code: e.Code, Reason: e.Reason, Message: e.Message, Fields: e.Fields}
}

// WriteError writes err as a JSON error response.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	d := Detail(r, err)
	status := statusOf[d.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lienthong"`)
	}
	WriteJSON(w, status, ErrorBody{Error: d})
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// DecodeJSON reads a JSON body into v, refusing unknown fields and trailing data.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errs.Reasonf(errs.Invalid, "bad_json", "the request body is not valid JSON for this call: %v", err)
	}
	if dec.More() {
		return errs.Reasonf(errs.Invalid, "bad_json", "the request body has data after the JSON value")
	}
	return nil
}
