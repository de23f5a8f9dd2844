// Package errs is Liên Thông's one error type: a machine code that integrators can branch on and a
// message that is safe to show a user. Storage maps driver errors to these codes; the HTTP layer maps
// the codes to statuses with one table.
package errs

import (
	"errors"
	"fmt"
)

// Code is a machine-readable error class.
type Code string

// The error codes. Keep this list short: new cases get a Reason, not a new Code.
const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	TooLarge     Code = "too_large"
	Unavailable  Code = "unavailable"
	Internal     Code = "internal"
)

// Error is an application error with a code, an optional finer reason (for example
// "bad_identifier_code" under Invalid) and a message safe to show to the caller.
type Error struct {
	Code    Code
	Reason  string
	Message string
	// Fields carries per-field or per-line details (CSV line numbers, JSON paths).
	Fields []FieldError
	// cause is kept for logs only; it is never shown to the caller.
	cause error
}

// FieldError points at the part of the input that is wrong.
type FieldError struct {
	Field   string `json:"field"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// Error implements error.
func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Reason != "" {
		msg += "/" + e.Reason
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.cause }

// New returns an error with the code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Reasonf returns an error with a code, a finer reason and a formatted message.
func Reasonf(code Code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the code and message that keeps cause for the log.
func Wrap(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), cause: cause}
}

// WithFields returns a copy of e carrying field details.
func (e *Error) WithFields(f ...FieldError) *Error {
	c := *e
	c.Fields = append(append([]FieldError(nil), e.Fields...), f...)
	return &c
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// As returns the first *Error in err's chain, or an Internal one that hides err's text.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: "internal error", cause: err}
}
