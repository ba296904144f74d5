package app

import (
	"net/http"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
)

type meData struct {
	User      auth.User
	Role      string
	Locales   []ui.Option
	Orgs      []meOrg
	Form      *ui.FormError // the account form's errors
	Password  *ui.FormError // the password form's errors
	NameValue string
	Tokens    []auth.Token
	TokenForm *ui.FormError // the new token form's errors
	TokenName string
	NewToken  string // a token just made, shown once
}

type meOrg struct {
	auth.Membership
	Kind    string
	Role    string
	CanEdit bool
}

func roleName(lang, role string) string {
	if role == "" {
		return i18n.T(lang, "role.none")
	}
	return i18n.T(lang, "role."+role)
}

func (a *App) meData(r *http.Request, p *auth.Principal) (meData, error) {
	lang := ui.Lang(r.Context())
	u, err := a.Auth.GetUser(r.Context(), p.UserID)
	if err != nil {
		return meData{}, err
	}
	d := meData{User: u, Role: roleName(lang, u.PlatformRole), NameValue: u.Name}
	d.Locales = []ui.Option{
		{Value: "", Label: i18n.T(lang, "me.locale_auto"), Selected: u.Locale == ""},
		{Value: "zh", Label: "中文", Selected: u.Locale == "zh"},
		{Value: "en", Label: "English", Selected: u.Locale == "en"},
	}
	for _, m := range u.Memberships {
		d.Orgs = append(d.Orgs, meOrg{Membership: m, Kind: i18n.T(lang, "orgkind."+m.OrgKind), Role: i18n.T(lang, "role."+m.Role), CanEdit: true})
	}
	if d.Tokens, err = a.Auth.Tokens(r.Context(), p.UserID); err != nil {
		return meData{}, err
	}
	return d, nil
}

// pageMe is GET /me: my account and my organizations.
func (a *App) pageMe(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	d, err := a.meData(r, p)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.UI.Render(w, r, http.StatusOK, "me", ui.NewPage(r, "me.title", d))
}

// postMe is POST /me: my name and language.
func (a *App) postMe(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	name, locale := r.PostForm.Get("name"), r.PostForm.Get("locale")
	if _, err := a.Auth.UpdateUser(r.Context(), p.UserID, auth.UserPatch{Name: &name, Locale: &locale}); err != nil {
		fe := ui.FormErrorOf(err)
		if fe == nil {
			a.UI.Error(w, r, err)
			return
		}
		d, derr := a.meData(r, p)
		if derr != nil {
			a.UI.Error(w, r, derr)
			return
		}
		d.Form, d.NameValue = translated(r, fe), name
		a.UI.Render(w, r, http.StatusUnprocessableEntity, "me", ui.NewPage(r, "me.title", d))
		return
	}
	if locale != "" {
		setLangCookie(w, locale)
	} else {
		// Back to the browser's choice.
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: "", Path: "/", MaxAge: -1, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, "/me?flash=flash.account_saved", http.StatusSeeOther)
}

// postPassword is POST /me/password: the current password, then the new
// one twice. A new password ends every session, so this one is renewed.
func (a *App) postPassword(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	current, next, again := r.PostForm.Get("current"), r.PostForm.Get("new"), r.PostForm.Get("again")
	fail := func(err error) {
		fe := ui.FormErrorOf(err)
		if fe == nil {
			a.UI.Error(w, r, err)
			return
		}
		d, derr := a.meData(r, p)
		if derr != nil {
			a.UI.Error(w, r, derr)
			return
		}
		d.Password = translated(r, fe)
		if msg, ok := d.Password.Fields["password"]; ok {
			d.Password.Fields["new"] = msg
		}
		status := http.StatusUnprocessableEntity
		if apperr.CodeOf(err) == apperr.TooMany {
			status = http.StatusTooManyRequests
		}
		a.UI.Render(w, r, status, "me", ui.NewPage(r, "me.title", d))
	}
	if _, err := a.Auth.Login(r.Context(), p.Email, current, clientIP(r)); err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Unauthorized:
			fail(apperr.Field("current", "is wrong"))
		case apperr.TooMany:
			fail(&apperr.Error{Code: apperr.Invalid, Message: i18n.T(ui.Lang(r.Context()), "login.too_many"),
				Fields: []apperr.FieldError{{Field: "current", Message: i18n.T(ui.Lang(r.Context()), "login.too_many")}}})
		default:
			a.UI.Error(w, r, err)
		}
		return
	}
	if next != again {
		fail(apperr.Field("again", "does not match"))
		return
	}
	if _, err := a.Auth.UpdateUser(r.Context(), p.UserID, auth.UserPatch{Password: &next}); err != nil {
		fail(err)
		return
	}
	tok, exp, err := a.Auth.NewSession(r.Context(), p.UserID)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.setSession(w, r, tok, exp)
	http.Redirect(w, r, "/me?flash=flash.password_changed", http.StatusSeeOther)
}

// translated turns a form error's messages into the page's language.
func translated(r *http.Request, fe *ui.FormError) *ui.FormError {
	lang := ui.Lang(r.Context())
	out := &ui.FormError{Message: fe.Message, Fields: map[string]string{}}
	for k, v := range fe.Fields {
		out.Fields[k] = ui.FieldMessage(lang, v, nil)
	}
	return out
}

// postToken is POST /me/tokens: a named API token for myself, after the
// password again. The token is shown on this answer only; it is not kept.
func (a *App) postToken(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	lang := ui.Lang(r.Context())
	name, password := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("password")
	fail := func(status int, fe *ui.FormError) {
		d, derr := a.meData(r, p)
		if derr != nil {
			a.UI.Error(w, r, derr)
			return
		}
		d.TokenForm, d.TokenName = fe, name
		a.UI.Render(w, r, status, "me", ui.NewPage(r, "me.title", d))
	}
	if name == "" {
		fail(http.StatusUnprocessableEntity, translated(r, ui.FormErrorOf(apperr.Field("name", "is required"))))
		return
	}
	if err := auth.CheckTokenName(name); err != nil {
		fail(http.StatusUnprocessableEntity, translated(r, ui.FormErrorOf(err)))
		return
	}
	if _, err := a.Auth.Login(r.Context(), p.Email, password, clientIP(r)); err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Unauthorized:
			fail(http.StatusUnprocessableEntity, translated(r, ui.FormErrorOf(apperr.Field("password", "is wrong"))))
		case apperr.TooMany:
			fail(http.StatusTooManyRequests, &ui.FormError{Message: i18n.T(lang, "login.too_many"), Fields: map[string]string{"password": i18n.T(lang, "login.too_many")}})
		default:
			a.UI.Error(w, r, err)
		}
		return
	}
	tok, err := a.Auth.NewToken(r.Context(), p.UserID, name)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	d, err := a.meData(r, p)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	d.NewToken = tok
	// The secret must not be cached or restored from history.
	w.Header().Set("Cache-Control", "no-store")
	page := ui.NewPage(r, "me.title", d)
	page.Flash = "flash.token_created"
	a.UI.Render(w, r, http.StatusCreated, "me", page)
}

// postRevokeToken is POST /me/tokens/{id}/revoke.
func (a *App) postRevokeToken(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		a.UI.Error(w, r, apperr.New(apperr.NotFound, "no token %q", r.PathValue("id")))
		return
	}
	if err := a.Auth.RevokeToken(r.Context(), p.UserID, id); err != nil {
		a.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/me?flash=flash.token_revoked#tokens", http.StatusSeeOther)
}
