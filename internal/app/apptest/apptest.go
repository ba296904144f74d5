// Package apptest runs the whole platform for a test: a fresh migrated
// database (SQLite in memory, or a PostgreSQL schema when
// RAINFOREST_TEST_PG is set) with the demo city, served by httptest.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"rainforest/internal/app"
	"rainforest/internal/demo"
	"rainforest/internal/kernel/db/dbtest"
)

// Env is a running platform.
type Env struct {
	T   testing.TB
	App *app.App
	Srv *httptest.Server

	mu     sync.Mutex
	tokens map[string]string
}

// New starts the platform with the demo city seeded.
func New(tb testing.TB) *Env {
	tb.Helper()
	d := dbtest.Open(tb)
	a, err := app.New(d, app.Config{Quiet: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), d, a.Registry); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(a)
	tb.Cleanup(srv.Close)
	return &Env{T: tb, App: a, Srv: srv, tokens: map[string]string{}}
}

// Token returns a bearer token of a demo account ("" for the public).
func (e *Env) Token(email string) string {
	e.T.Helper()
	if email == "" {
		return ""
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.tokens[email]; ok {
		return t
	}
	res := e.Do("POST", "/api/v1/tokens", "", map[string]string{"email": email, "password": demo.Password})
	if res.Status != http.StatusCreated {
		e.T.Fatalf("token for %s: %d %s", email, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.JSON(&out)
	e.tokens[email] = out.Token
	return out.Token
}

// Response is an answer with its body read.
type Response struct {
	T      testing.TB
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r Response) JSON(v any) {
	r.T.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.T.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as a JSON object.
func (r Response) Map() map[string]any {
	r.T.Helper()
	m := map[string]any{}
	r.JSON(&m)
	return m
}

// Do sends a request with a bearer token ("" for none). body may be nil, a
// string or []byte (sent as is), or any value (sent as JSON).
func (e *Env) Do(method, path, token string, body any) Response {
	e.T.Helper()
	return e.DoWith(method, path, token, nil, body)
}

// DoWith is Do with more request headers (an Idempotency-Key).
func (e *Env) DoWith(method, path, token string, header http.Header, body any) Response {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.Srv.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return e.send(http.DefaultClient, req)
}

func (e *Env) send(c *http.Client, req *http.Request) Response {
	e.T.Helper()
	res, err := c.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	return Response{T: e.T, Status: res.StatusCode, Header: res.Header, Body: b}
}

// Browser is a client with a cookie jar that does not follow redirects,
// for page tests.
type Browser struct {
	e *Env
	C *http.Client
}

// Browser returns a fresh cookie-carrying client.
func (e *Env) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{e: e, C: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Get fetches a page.
func (b *Browser) Get(path string) Response {
	b.e.T.Helper()
	req, _ := http.NewRequest("GET", b.e.Srv.URL+path, nil)
	return b.e.send(b.C, req)
}

// Post submits a form as a same-origin browser would.
func (b *Browser) Post(path string, form url.Values) Response {
	b.e.T.Helper()
	req, _ := http.NewRequest("POST", b.e.Srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.e.send(b.C, req)
}

// Login signs the browser in as a demo account.
func (b *Browser) Login(email string) {
	b.e.T.Helper()
	res := b.Post("/login", url.Values{"email": {email}, "password": {demo.Password}, "next": {"/me"}})
	if res.Status != http.StatusSeeOther {
		b.e.T.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
}
