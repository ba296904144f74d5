// Package apperr is the platform's one error type. Services return it; the
// HTTP layer turns it into a problem+json response or an error page, and the
// command line into a message.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error; each maps to one HTTP status.
type Code string

const (
	Invalid      Code = "invalid"   // well-formed but wrong values: 422
	Malformed    Code = "malformed" // not parseable at all: 400
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Forbidden    Code = "forbidden"
	Unauthorized Code = "unauthorized"
	TooMany      Code = "too_many_requests"
	TooLarge     Code = "too_large"
	// Unsupported is content of a type the endpoint does not take: 415.
	Unsupported Code = "unsupported_media_type"
	// MethodNotAllowed: the path exists, the method does not (405).
	MethodNotAllowed Code = "method_not_allowed"
	Internal         Code = "internal"
)

// FieldError names one field at fault and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error with a code, a message safe to show, and the fields at
// fault. Err, if set, is the underlying cause, logged but never shown.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
	// RetryAfter, in seconds, for TooMany.
	RetryAfter int
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	for _, f := range e.Fields {
		s += fmt.Sprintf("; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New makes an error with a code and a message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field makes an Invalid error naming one field.
func Field(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: Invalid, Message: field + ": " + msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// Fields makes an Invalid error naming several fields; nil if there are none.
func Fields(fs []FieldError) error {
	if len(fs) == 0 {
		return nil
	}
	msg := fs[0].Field + ": " + fs[0].Message
	if len(fs) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(fs)-1)
	}
	return &Error{Code: Invalid, Message: msg, Fields: fs}
}

// Wrap marks err as internal.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	return &Error{Code: Internal, Message: "internal error", Err: fmt.Errorf("%s: %w", what, err)}
}

// CodeOf returns the code of err, Internal for errors of other types.
func CodeOf(err error) Code {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return Internal
}

// As returns err as an *Error, wrapping unknown errors as internal.
func As(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return &Error{Code: Internal, Message: "internal error", Err: err}
}

// WithCode returns e with another code (a field error that is a refusal
// rather than a mistake, for example).
func (e *Error) WithCode(c Code) *Error {
	e.Code = c
	return e
}
