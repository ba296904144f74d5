package app

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"rainforest/internal/ip"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/programs"
)

// SessionCookie is the name of the web session cookie.
const SessionCookie = "rf_session"

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// routeHolder lets the outermost middleware learn the route pattern that
// the mux chose deep inside, for the metrics label.
type routeHolder struct{ pattern string }

type holderKey struct{}

// observe is the outermost layer: request id, panic recovery, the access
// log and the metrics.
func (a *App) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		holder := &routeHolder{}
		ctx := audit.WithRequestID(r.Context(), id)
		ctx = contextWithHolder(ctx, holder)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.ErrorContext(ctx, "panic", "request_id", id, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					httpx.Error(sw, r, apperr.New(apperr.Internal, "internal error"))
				}
			}
			d := time.Since(start)
			route := holder.pattern
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			a.metrics.requests.With(prometheus.Labels{"route": route, "status": strconv.Itoa(status)}).Inc()
			a.metrics.latency.With(prometheus.Labels{"route": route}).Observe(d.Seconds())
			if a.quiet && status < 500 {
				return
			}
			lvl := slog.LevelInfo
			if status >= 500 {
				lvl = slog.LevelError
			}
			var uid int64
			if p := auth.From(r.Context()); p != nil {
				uid = p.UserID
			}
			a.log.LogAttrs(ctx, lvl, "request",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Int("bytes", sw.bytes),
				slog.Float64("ms", float64(d.Microseconds())/1000),
				slog.String("remote", clientIP(r)),
				slog.Int64("user_id", uid),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate finds who is calling: a bearer token for the API, the
// session cookie for the web. A bad bearer token is refused outright; a
// stale cookie is dropped and the request goes on as the public.
func (a *App) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var p *auth.Principal
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				httpx.Error(w, r, apperr.New(apperr.Unauthorized, "the Authorization header must be \"Bearer TOKEN\""))
				return
			}
			var err error
			p, err = a.Auth.TokenPrincipal(ctx, strings.TrimSpace(tok))
			if err != nil {
				httpx.Error(w, r, err)
				return
			}
			if p == nil {
				httpx.Error(w, r, apperr.New(apperr.Unauthorized, "the bearer token is unknown, revoked or expired"))
				return
			}
		} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			p, err = a.Auth.SessionPrincipal(ctx, c.Value)
			if err != nil {
				httpx.Error(w, r, err)
				return
			}
			if p == nil {
				a.clearSession(w, r) // expired or ended: go on as the public
			}
		}
		ctx = auth.WithPrincipal(ctx, p)
		pref := ""
		if p != nil {
			pref = p.Locale
		}
		ctx = ui.WithLang(ctx, i18n.Pick(r, pref))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limitBody caps every request body; handlers that read more get an
// error that httpx reports as 413. It also refuses query parameters that
// hold a NUL or bytes that are not UTF-8, which no handler can use and
// PostgreSQL refuses to store or compare.
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := limit
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/files") {
			// Uploads of attachments: the file and its form fields.
			limit = programs.MaxFileSize + 64<<10
		}
		if r.Method == http.MethodPost && (r.URL.Path == "/api/v1/ip/import" || r.URL.Path == "/ip/import") {
			// Spreadsheets of IP assets to import.
			limit = ip.MaxImportSize + 64<<10
		}
		if r.ContentLength > limit {
			httpx.Error(w, r, apperr.New(apperr.TooLarge, "the request body is larger than %d bytes", limit))
			return
		}
		if err := checkQuery(r); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// csrf refuses state-changing requests that a browser sends from another
// origin (Sec-Fetch-Site / Origin checks of net/http). API calls with a
// bearer token carry no ambient credentials and pass.
func (a *App) csrf(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.Error(w, r, apperr.New(apperr.Forbidden, "cross-origin request refused"))
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			next.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

func (a *App) setSession(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r),
	})
}

func (a *App) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r),
	})
}

// secure tells whether cookies must be Secure: always behind TLS, or when
// configured so for a TLS-terminating proxy.
func (a *App) secure(r *http.Request) bool {
	return a.cfg.SecureCookies || r.TLS != nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// checkQuery names the first query parameter that is not NUL-free UTF-8.
func checkQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q := r.URL.Query()
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		bad := !utf8.ValidString(k) || strings.ContainsRune(k, 0)
		for _, v := range q[k] {
			bad = bad || !utf8.ValidString(v) || strings.ContainsRune(v, 0)
		}
		if bad {
			k = strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "\uFFFD")
			return &apperr.Error{Code: apperr.Malformed, Message: k + ": must be UTF-8 text without NUL characters",
				Fields: []apperr.FieldError{{Field: k, Message: "must be UTF-8 text without NUL characters"}}}
		}
	}
	return nil
}
