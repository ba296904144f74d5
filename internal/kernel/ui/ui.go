// Package ui renders the server-side pages: one layout, pages contributed by
// each module's embedded templates, the language of the request, and error
// pages from apperr codes. Templates are parsed once, at start.
package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/i18n"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed static
var staticFS embed.FS

type ctxKey int

const langKey ctxKey = 0

// WithLang returns ctx carrying the page language.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey, lang)
}

// Lang returns the page language of ctx ("zh" by default).
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey).(string); ok {
		return l
	}
	return "zh"
}

// Page is what every template receives.
type Page struct {
	Lang      string
	Title     string
	User      *auth.Principal
	Path      string
	Query     url.Values
	RequestID string
	Flash     string
	Data      any
	// Unread is the signed-in user's number of unread notices (see WithUnread).
	Unread int64
}

type unreadKey struct{}

// WithUnread records the signed-in user's unread notices for the header.
func WithUnread(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, unreadKey{}, n)
}

// T translates a message key.
func (p Page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// N translates a message with a count (any integer type).
func (p Page) N(key string, n any, args ...any) string {
	var c int64
	switch x := n.(type) {
	case int:
		c = int64(x)
	case int64:
		c = x
	case int32:
		c = int64(x)
	}
	return i18n.N(p.Lang, key, c, args...)
}

// FieldMsg translates a validator's message about a field.
func (p Page) FieldMsg(msg string) string { return FieldMessage(p.Lang, msg, nil) }

// Plural is the form of a message without a number in it ("organization"
// or "organizations") that goes with the count n, by the rule of i18n.N.
func (p Page) Plural(key string, n any) string {
	if c, ok := n.(int64); ok && c == 1 && p.Lang == "en" {
		return p.T(key + ".one")
	}
	if c, ok := n.(int); ok && c == 1 && p.Lang == "en" {
		return p.T(key + ".one")
	}
	return p.T(key + ".other")
}

// L picks the Chinese or English of a pair, falling back to the other.
func (p Page) L(zh, en string) string {
	if p.Lang == "en" && en != "" {
		return en
	}
	if zh == "" {
		return en
	}
	return zh
}

// Back is where the language switch returns: this page with its query,
// less a flash message already shown.
func (p Page) Back() string {
	q := url.Values{}
	for k, vs := range p.Query {
		if k != "flash" {
			q[k] = vs
		}
	}
	if len(q) == 0 {
		return p.Path
	}
	return p.Path + "?" + q.Encode()
}

// HTMLLang is the lang attribute of the page.
func (p Page) HTMLLang() string {
	if p.Lang == "en" {
		return "en"
	}
	return "zh-CN"
}

// OtherLang is the language the switch offers.
func (p Page) OtherLang() string {
	if p.Lang == "en" {
		return "zh"
	}
	return "en"
}

// Renderer holds the parsed pages.
type Renderer struct {
	pages  map[string]*template.Template
	static map[string]string // file -> content hash
	Static http.Handler
}

// New parses the layout and every page of the given module template
// directories (each an fs holding NAME.html files). A page is named by its
// file name without extension and must define "content".
func New(modules ...fs.FS) (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}, static: map[string]string{}}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	if err := fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		r.static[p] = hex.EncodeToString(h[:6])
		return nil
	}); err != nil {
		return nil, err
	}
	fileServer := http.StripPrefix("/static/", http.FileServerFS(sub))
	r.Static = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		fileServer.ServeHTTP(w, req)
	})
	base, err := template.New("layout").Funcs(r.funcs()).ParseFS(layoutFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	// The kernel's own pages (error, login) are pages too.
	all := append([]fs.FS{mustSub(layoutFS, "templates")}, modules...)
	for _, m := range all {
		names, err := fs.Glob(m, "*.html")
		if err != nil {
			return nil, err
		}
		// A module's partials (_name.html) define templates its pages share.
		partials, err := fs.Glob(m, "_*.html")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			name := strings.TrimSuffix(path.Base(n), ".html")
			if name == "layout" || strings.HasPrefix(name, "_") {
				continue
			}
			if _, dup := r.pages[name]; dup {
				return nil, fmt.Errorf("two pages named %q", name)
			}
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(m, append([]string{n}, partials...)...); err != nil {
				return nil, fmt.Errorf("parse page %s: %w", n, err)
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("page %s defines no content", n)
			}
			r.pages[name] = t
		}
	}
	return r, nil
}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

// PathID reads the {id} of a page's path, answering the not-found page
// when it is not a positive number.
func (r *Renderer) PathID(w http.ResponseWriter, req *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(req.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		r.Error(w, req, apperr.New(apperr.NotFound, "no such page"))
		return 0, false
	}
	return id, true
}

// Form parses a posted form, answering the error page when it cannot.
func (r *Renderer) Form(w http.ResponseWriter, req *http.Request) bool {
	if err := req.ParseForm(); err != nil {
		r.Error(w, req, apperr.New(apperr.Malformed, "unreadable form"))
		return false
	}
	return true
}

// Has reports whether a page exists; the app checks every page it routes
// to at start.
func (r *Renderer) Has(name string) bool { _, ok := r.pages[name]; return ok }

// NewPage makes the page data of a request.
func NewPage(req *http.Request, title string, data any) Page {
	return Page{
		Lang:      Lang(req.Context()),
		Title:     title,
		User:      auth.From(req.Context()),
		Path:      req.URL.Path,
		Query:     req.URL.Query(),
		RequestID: audit.RequestID(req.Context()),
		Flash:     flashKey(req.URL.Query().Get("flash")),
		Data:      data,
		Unread:    unreadOf(req.Context()),
	}
}

func unreadOf(ctx context.Context) int64 {
	n, _ := ctx.Value(unreadKey{}).(int64)
	return n
}

// flashKey accepts only the catalog's flash messages, so that a crafted
// link cannot put words of its own on the page.
func flashKey(k string) string {
	if strings.HasPrefix(k, "flash.") && i18n.T("zh", k) != k {
		return k
	}
	return ""
}

// Render writes a page. A request made by htmx for a fragment gets only
// the named block ("results" by default) when the page defines it.
func (r *Renderer) Render(w http.ResponseWriter, req *http.Request, status int, name string, p Page) {
	t, ok := r.pages[name]
	if !ok {
		panic("ui: no page " + name)
	}
	if p.Title != "" {
		p.Title = p.T(p.Title)
	}
	tmpl := "layout"
	// A history restore wants the whole page, whatever element it names.
	if target := req.Header.Get("HX-Target"); req.Header.Get("HX-Request") == "true" && req.Header.Get("HX-History-Restore-Request") != "true" &&
		target != "" && t.Lookup(target) != nil {
		tmpl = target
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, p); err != nil {
		slog.ErrorContext(req.Context(), "render", "page", name, "err", err, "request_id", p.RequestID)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "HX-Request, HX-Target, Cookie, Accept-Language")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Error renders err as an error page with its status.
func (r *Renderer) Error(w http.ResponseWriter, req *http.Request, err error) {
	prob := httpx.ProblemFor(req, err)
	if prob.Status == http.StatusUnauthorized && req.Method == http.MethodGet {
		http.Redirect(w, req, "/login?next="+url.QueryEscape(req.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	r.Render(w, req, prob.Status, "error", NewPage(req, "error.title", prob))
}

func (r *Renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"static": func(name string) string {
			return "/static/" + name + "?v=" + r.static[name]
		},
		"yuan":  FormatYuan,
		"fen":   FormatFen,
		"num":   FormatInt,
		"deref": deref,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(Shanghai).Format("2006-01-02 15:04")
		},
		"query": func(v url.Values, kv ...string) string {
			q := url.Values{}
			for k, vs := range v {
				q[k] = append([]string(nil), vs...)
			}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					q.Del(kv[i])
				} else {
					q.Set(kv[i], kv[i+1])
				}
			}
			if len(q) == 0 {
				return ""
			}
			return "?" + q.Encode()
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"list": func(xs ...string) []string { return xs },
		// hours writes minutes as hours with one decimal.
		"hours": func(minutes int) string { return strconv.FormatFloat(float64(minutes)/60, 'f', 1, 64) },
		"contains": func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		},
		"pct": func(n, d int64) string {
			if d == 0 {
				return "0"
			}
			return strconv.FormatFloat(float64(n)*100/float64(d), 'f', 1, 64)
		},
	}
}

// Shanghai is the platform's time zone.
var Shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func deref(v any) any {
	switch x := v.(type) {
	case *string:
		if x == nil {
			return ""
		}
		return *x
	case *int64:
		if x == nil {
			return ""
		}
		return *x
	case *bool:
		if x == nil {
			return ""
		}
		return *x
	}
	return v
}

// FormatInt groups digits by thousands.
func FormatInt(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case *int64:
		if x == nil {
			return "—"
		}
		n = *x
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// FormatFen formats an amount in fen (int64 or *int64) as yuan with two
// decimals and a currency sign.
func FormatFen(v any) string {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case *int64:
		if x == nil {
			return "—"
		}
		n = *x
	default:
		return fmt.Sprint(v)
	}
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, FormatInt(n/100), n%100)
}

// FormatYuan formats an amount in yuan with a currency sign.
func FormatYuan(v any) string {
	s := FormatInt(v)
	if s == "—" {
		return s
	}
	return "¥" + s
}

// FormError is how a form handler shows field errors: the page is rendered
// again with the values the user typed and the messages by field.
type FormError struct {
	Message string
	Fields  map[string]string
}

// FormErrorOf turns an error into a FormError, or nil if it has no fields
// and is not a user error.
func FormErrorOf(err error) *FormError {
	ae := apperr.As(err)
	switch ae.Code {
	case apperr.Invalid, apperr.Conflict, apperr.Malformed:
	default:
		return nil
	}
	fe := &FormError{Message: ae.Message, Fields: map[string]string{}}
	for _, f := range ae.Fields {
		if _, ok := fe.Fields[f.Field]; !ok {
			fe.Fields[f.Field] = f.Message
		}
	}
	return fe
}

// Templates returns the "templates" folder of a module's embedded files,
// the form New takes its pages in.
func Templates(files fs.FS) fs.FS {
	return mustSub(files, "templates")
}
