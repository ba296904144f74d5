package app

import (
	"embed"
	"net/http"
	"net/url"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
)

//go:embed templates/*.html
var templates embed.FS

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/me"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/me"
	}
	return next
}

type loginData struct {
	Next  string
	Email string
	Error string
}

func (a *App) pageLogin(w http.ResponseWriter, r *http.Request) {
	a.UI.Render(w, r, http.StatusOK, "login", ui.NewPage(r, "login.title", loginData{Next: safeNext(r.URL.Query().Get("next"))}))
}

func (a *App) postLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	email, pw, next := r.PostForm.Get("email"), r.PostForm.Get("password"), safeNext(r.PostForm.Get("next"))
	u, err := a.Auth.Login(r.Context(), email, pw, clientIP(r))
	if err != nil {
		lang := ui.Lang(r.Context())
		msg := i18n.T(lang, "login.wrong")
		status := http.StatusUnauthorized
		switch apperr.CodeOf(err) {
		case apperr.TooMany:
			msg, status = i18n.T(lang, "login.too_many"), http.StatusTooManyRequests
		case apperr.Unauthorized:
		default:
			a.UI.Error(w, r, err)
			return
		}
		a.UI.Render(w, r, status, "login", ui.NewPage(r, "login.title", loginData{Next: next, Email: email, Error: msg}))
		return
	}
	tok, exp, err := a.Auth.NewSession(r.Context(), u.ID)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.setSession(w, r, tok, exp)
	if u.Locale != "" {
		setLangCookie(w, u.Locale)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *App) postLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := a.Auth.EndSession(r.Context(), c.Value); err != nil {
			a.UI.Error(w, r, err)
			return
		}
	}
	a.clearSession(w, r)
	http.Redirect(w, r, "/?flash=flash.logged_out", http.StatusSeeOther)
}

func setLangCookie(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
}

// switchLang is GET /lang?to=en&back=/orgs: remember the language and go
// back where the user was.
func (a *App) switchLang(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if !i18n.Valid(to) {
		a.UI.Error(w, r, apperr.Field("to", "must be zh or en"))
		return
	}
	setLangCookie(w, to)
	back := r.URL.Query().Get("back")
	if back == "" || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (a *App) pageNotFound(w http.ResponseWriter, r *http.Request) {
	a.UI.Error(w, r, apperr.New(apperr.NotFound, "no page %s", r.URL.Path))
}

// pageUser returns the signed-in user of a page, or an error page that
// sends the public to the login form.
func pageUser(r *http.Request) (*auth.Principal, error) {
	p := auth.From(r.Context())
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	return p, nil
}
