package httpx_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/httpx"
)

func TestStatus(t *testing.T) {
	want := map[apperr.Code]int{
		apperr.Invalid:          422,
		apperr.Malformed:        400,
		apperr.NotFound:         404,
		apperr.Conflict:         409,
		apperr.Forbidden:        403,
		apperr.Unauthorized:     401,
		apperr.TooMany:          429,
		apperr.TooLarge:         413,
		apperr.MethodNotAllowed: 405,
		apperr.Internal:         500,
		apperr.Code("unheard"):  500,
	}
	for c, s := range want {
		if got := httpx.Status(c); got != s {
			t.Errorf("Status(%s) = %d, want %d", c, got, s)
		}
	}
}

func problem(t *testing.T, err error) (*httptest.ResponseRecorder, httpx.Problem) {
	t.Helper()
	w := httptest.NewRecorder()
	httpx.Error(w, httptest.NewRequest("POST", "/api/v1/orgs", nil), err)
	var p httpx.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return w, p
}

func TestErrorIsProblemJSON(t *testing.T) {
	w, p := problem(t, apperr.Fields([]apperr.FieldError{{Field: "uscc", Message: "is required"}, {Field: "kind", Message: "unknown"}}))
	if w.Code != 422 || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if p.Type != "urn:rainforest:problem:invalid" || p.Status != 422 || p.Field != "uscc" || len(p.Errors) != 2 || p.Instance != "/api/v1/orgs" || p.Title != "Unprocessable Entity" {
		t.Errorf("%+v", p)
	}
	// Internal errors show no detail of their cause.
	w, p = problem(t, apperr.Wrap(errors.New("pq: password authentication failed for secret-db"), "query"))
	if w.Code != 500 || strings.Contains(p.Detail, "secret") || strings.Contains(w.Body.String(), "secret") {
		t.Errorf("internal error leaks: %s", w.Body)
	}
	// Plain errors are internal too.
	if w, _ := problem(t, errors.New("boom")); w.Code != 500 {
		t.Errorf("plain error: %d", w.Code)
	}
	w, _ = problem(t, &apperr.Error{Code: apperr.TooMany, Message: "slow down", RetryAfter: 90})
	if w.Code != 429 || w.Header().Get("Retry-After") != "90" {
		t.Errorf("429: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	w, _ = problem(t, apperr.New(apperr.Unauthorized, "sign in"))
	if w.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

type input struct {
	Name   string   `json:"name"`
	Count  *int64   `json:"count"`
	Flag   bool     `json:"flag"`
	Tags   []string `json:"tags"`
	Nested struct {
		Inner int `json:"inner"`
	} `json:"nested"`
}

func decode(body, contentType string) error {
	r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var in input
	return httpx.Decode(httptest.NewRecorder(), r, &in)
}

func TestDecodeNamesTheField(t *testing.T) {
	tests := []struct {
		body  string
		code  apperr.Code
		field string
	}{
		{`{"name": "ok", "count": 3, "tags": ["a"]}`, "", ""},
		{`{"name": 5}`, apperr.Invalid, "name"},
		{`{"count": "3"}`, apperr.Invalid, "count"},
		{`{"count": 3.5}`, apperr.Invalid, "count"},
		{`{"count": 1e40}`, apperr.Invalid, "count"},
		{`{"flag": "yes"}`, apperr.Invalid, "flag"},
		{`{"tags": "a"}`, apperr.Invalid, "tags"},
		{`{"tags": [1]}`, apperr.Invalid, "tags"},
		{`{"nested": {"inner": "x"}}`, apperr.Invalid, "nested.inner"},
		{`{"colour": "red"}`, apperr.Invalid, "colour"},
		{`[1]`, apperr.Invalid, "body"},
		{`"text"`, apperr.Invalid, "body"},
		{`{"name": "a",}`, apperr.Malformed, ""},
		{`{"name": "a"`, apperr.Malformed, ""},
		{`{"name": "a"} {"name": "b"}`, apperr.Malformed, ""},
		{``, apperr.Malformed, ""},
		{"  \n ", apperr.Malformed, ""},
		{"{\"name\": \"a\xffb\"}", apperr.Malformed, "name"},
		{"{\"tags\": [\"ok\", \"\xc3\"]}", apperr.Malformed, "tags"},
		{"{\"nested\": {\"inner\": 1}, \"name\": \"\xe4\xb8\"}", apperr.Malformed, "name"},
		{"{\"na\xffme\": \"a\"}", apperr.Malformed, "na\ufffdme"},
	}
	for _, tt := range tests {
		err := decode(tt.body, "application/json")
		if tt.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.body, err)
			}
			continue
		}
		ae := apperr.As(err)
		if err == nil || ae.Code != tt.code {
			t.Errorf("%q: %v, want %s", tt.body, err, tt.code)
			continue
		}
		got := ""
		if len(ae.Fields) > 0 {
			got = ae.Fields[0].Field
		}
		if got != tt.field {
			t.Errorf("%q: field %q, want %q (%v)", tt.body, got, tt.field, err)
		}
	}
	// "curl -d" sends form-urlencoded: JSON is read all the same.
	if err := decode(`{"name": "ok"}`, "application/x-www-form-urlencoded"); err != nil {
		t.Errorf("form content type: %v", err)
	}
	if err := decode(`{"name": "ok"}`, "multipart/form-data; boundary=x"); apperr.CodeOf(err) != apperr.Malformed {
		t.Errorf("multipart: %v", err)
	}
}

func TestDecodeLimits(t *testing.T) {
	big := `{"name": "` + strings.Repeat("x", httpx.MaxBody) + `"}`
	if err := decode(big, "application/json"); apperr.CodeOf(err) != apperr.TooLarge {
		t.Errorf("big body: %v", err)
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if err := decode(deep, "application/json"); apperr.CodeOf(err) != apperr.Malformed {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestDecodeObject(t *testing.T) {
	do := func(body string) (map[string]json.RawMessage, error) {
		return httpx.DecodeObject(httptest.NewRecorder(), httptest.NewRequest("PATCH", "/x", strings.NewReader(body)))
	}
	m, err := do(`{"a": null, "b": 1}`)
	if err != nil || string(m["a"]) != "null" || string(m["b"]) != "1" {
		t.Errorf("%v %v", m, err)
	}
	if _, present := m["c"]; present {
		t.Error("absent member present")
	}
	for _, bad := range []string{`null`, ``, `{"a": 1} 2`, `{"a"}`} {
		if _, err := do(bad); apperr.CodeOf(err) != apperr.Malformed {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := do(`[]`); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("array: %v", err)
	}
}

func TestPathID(t *testing.T) {
	for v, ok := range map[string]bool{"1": true, "42": true, "0": false, "-3": false, "abc": false, "1e3": false, "99999999999999999999": false} {
		r := httptest.NewRequest("GET", "/x", nil)
		r.SetPathValue("id", v)
		id, err := httpx.PathID(r, "id")
		if (err == nil) != ok || (err != nil && apperr.CodeOf(err) != apperr.NotFound) || (ok && id <= 0) {
			t.Errorf("%q: %d %v", v, id, err)
		}
	}
}

func TestJSON(t *testing.T) {
	w := httptest.NewRecorder()
	httpx.JSON(w, http.StatusCreated, map[string]string{"name": "<云杉>"})
	if w.Code != 201 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" || !strings.Contains(w.Body.String(), `\u003c云杉\u003e`) {
		t.Errorf("%d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}

// FuzzDecode: whatever the body, decoding does not panic, and a refusal is
// a 4xx error (never internal), naming a field when the bytes are not UTF-8.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name": "ok"}`, `{"name": 5}`, "{\"name\": \"\xff\"}", "{\"tags\": [\"\xc3\", {\"x\": 1}]}", `[[[[`, `{"a":{"b":[1,{"c":"d"}]},"e":"f"}`, "{\"\xff\": 1}", `}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, obj := range []bool{false, true} {
			r := httptest.NewRequest("POST", "/x", strings.NewReader(string(body)))
			var err error
			if obj {
				_, err = httpx.DecodeObject(httptest.NewRecorder(), r)
			} else {
				var in input
				err = httpx.Decode(httptest.NewRecorder(), r, &in)
			}
			if err == nil {
				continue
			}
			s := httpx.Status(apperr.CodeOf(err))
			if s < 400 || s >= 500 {
				t.Fatalf("%q: status %d (%v)", body, s, err)
			}
			if strings.Contains(err.Error(), "UTF-8") && len(apperr.As(err).Fields) == 0 {
				t.Fatalf("%q: invalid UTF-8 without a field", body)
			}
		}
	})
}
