// Package httpx holds the small helpers every handler answers through:
// JSON responses, RFC 9457 problem details, strict request decoding and the
// mapping from apperr codes to HTTP statuses.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
)

// MaxBody is the largest JSON request body accepted.
const MaxBody = 1 << 20

// Status maps an error code to its HTTP status.
func Status(c apperr.Code) int {
	switch c {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.Malformed:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.TooMany:
		return http.StatusTooManyRequests
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unsupported:
		return http.StatusUnsupportedMediaType
	case apperr.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	Field     string              `json:"field,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// ProblemFor builds the problem details of err. Internal errors are logged
// with the request id and shown as a generic message.
func ProblemFor(r *http.Request, err error) Problem {
	ae := apperr.As(err)
	status := Status(ae.Code)
	rid := audit.RequestID(r.Context())
	p := Problem{
		Type:      "urn:rainforest:problem:" + string(ae.Code),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    ae.Message,
		Instance:  r.URL.Path,
		Errors:    ae.Fields,
		RequestID: rid,
	}
	if len(ae.Fields) > 0 {
		p.Field = ae.Fields[0].Field
	}
	if ae.Code == apperr.Internal {
		slog.ErrorContext(r.Context(), "internal error", "err", err, "request_id", rid, "path", r.URL.Path)
		p.Detail = "internal error; quote request id " + rid + " when reporting it"
	}
	return p
}

// Error writes err as application/problem+json.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(r, err)
	if ae := apperr.As(err); ae.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ae.RetryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rainforest"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Decode reads a JSON object body into v strictly: unknown fields, wrong
// types, trailing data and bodies over MaxBody are errors naming the field.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return JSONError(err)
	}
	if dec.More() {
		return apperr.New(apperr.Malformed, "request body has data after the JSON value")
	}
	return nil
}

// DecodeObject reads a JSON object body as raw members, for patches where
// absent and null differ.
func DecodeObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&m); err != nil {
		return nil, JSONError(err)
	}
	if m == nil {
		return nil, apperr.New(apperr.Malformed, "request body must be a JSON object")
	}
	if dec.More() {
		return nil, apperr.New(apperr.Malformed, "request body has data after the JSON value")
	}
	return m, nil
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	// JSON is read whatever the declared type, except for the types that
	// cannot hold it: "curl -d" sends form-urlencoded by default.
	if ct := strings.ToLower(r.Header.Get("Content-Type")); strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "application/octet-stream") {
		return nil, &apperr.Error{Code: apperr.Malformed, Message: "Content-Type must be application/json", Fields: []apperr.FieldError{{Field: "Content-Type", Message: "must be application/json"}}}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, apperr.New(apperr.TooLarge, "request body is larger than %d bytes", MaxBody)
	}
	if err != nil {
		return nil, apperr.New(apperr.Malformed, "reading request body: %v", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, apperr.New(apperr.Malformed, "request body is empty; a JSON object is required")
	}
	if !utf8.Valid(body) {
		return nil, invalidUTF8(body)
	}
	return body, nil
}

// invalidUTF8 names the member whose string holds the bytes that are not
// UTF-8 (encoding/json would quietly turn them into U+FFFD).
func invalidUTF8(body []byte) error {
	field := "body"
	dec := json.NewDecoder(bytes.NewReader(body))
	// For each open container: is it an object, and is its next string a key?
	type frame struct{ object, wantKey bool }
	var stack []frame
	key := ""
	bad := func(s string) bool { return strings.ContainsRune(s, utf8.RuneError) }
scan:
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		top := len(stack) - 1
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
				continue
			case '[':
				stack = append(stack, frame{})
				continue
			}
			stack = stack[:top]
			top--
		case string:
			if top >= 0 && stack[top].object && stack[top].wantKey {
				if bad(v) {
					field = v
					break scan
				}
				key = v
				stack[top].wantKey = false
				continue
			}
			if bad(v) {
				if key != "" {
					field = key
				}
				break scan
			}
		}
		// A value ended: the enclosing object's next string is a key.
		if top >= 0 && stack[top].object {
			stack[top].wantKey = true
		}
	}
	return &apperr.Error{Code: apperr.Malformed, Message: field + ": is not valid UTF-8",
		Fields: []apperr.FieldError{{Field: field, Message: "is not valid UTF-8"}}}
}

// JSONError turns a decoding error into an apperr naming the field.
func JSONError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return &apperr.Error{Code: apperr.Invalid, Message: fmt.Sprintf("%s: must be %s, not %s", field, typeName(te.Type.String()), te.Value),
			Fields: []apperr.FieldError{{Field: field, Message: fmt.Sprintf("must be %s, not %s", typeName(te.Type.String()), te.Value)}}}
	case errors.As(err, &se):
		return apperr.New(apperr.Malformed, "malformed JSON at byte %d: %v", se.Offset, se)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Code: apperr.Invalid, Message: f + ": unknown field", Fields: []apperr.FieldError{{Field: f, Message: "unknown field"}}}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.New(apperr.Malformed, "malformed JSON: unexpected end of input")
	}
	return apperr.New(apperr.Malformed, "malformed JSON: %v", err)
}

func typeName(t string) string {
	t = strings.TrimLeft(t, "*")
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map"), strings.Contains(t, "."):
		return "an object"
	}
	return t
}

// User returns the signed-in principal or an Unauthorized error.
func User(r *http.Request) (*auth.Principal, error) {
	p := auth.From(r.Context())
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in or send a bearer token")
	}
	return p, nil
}

// PathID parses a numeric path value.
func PathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, apperr.New(apperr.NotFound, "no %s %q", name, r.PathValue(name))
	}
	return v, nil
}

// Reply answers v as JSON with status, or the problem for err.
func Reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		Error(w, r, err)
		return
	}
	JSON(w, status, v)
}

// NoBody is Call's input for endpoints that read no body.
type NoBody struct{}

// Call reads the caller (who must be signed in when signedIn), the path's
// id when withID, and the JSON body unless In is NoBody, then answers
// with fn's result and status, or the problem.
func Call[In, Out any](w http.ResponseWriter, r *http.Request, signedIn, withID bool, status int, fn func(p *auth.Principal, id int64, in In) (Out, error)) {
	p := auth.From(r.Context())
	var err error
	if signedIn {
		p, err = User(r)
	}
	var id int64
	if err == nil && withID {
		id, err = PathID(r, "id")
	}
	var in In
	if _, empty := any(in).(NoBody); err == nil && !empty {
		err = Decode(w, r, &in)
	}
	if err != nil {
		Error(w, r, err)
		return
	}
	v, err := fn(p, id, in)
	Reply(w, r, status, v, err)
}
