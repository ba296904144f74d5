package app

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
)

// pageAdmin returns the signed-in administrator, or the error page for
// everyone else (the public is sent to sign in).
func pageAdmin(r *http.Request) (*auth.Principal, error) {
	p, err := pageUser(r)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, apperr.New(apperr.Forbidden, "only administrators manage people and roles")
	}
	return p, nil
}

func platformRoles(lang, current string) []ui.Option {
	return ui.Options([]string{"", auth.RoleAdmin, auth.RoleOfficer}, func(r string) string { return roleName(lang, r) }, current)
}

type userRow struct {
	auth.User
	Role string
}

type adminUsersData struct {
	Q       string
	Users   []userRow
	NextURL string
	First   bool
	// The create form: its values and errors.
	New   auth.NewUser
	Roles []ui.Option
	Form  *ui.FormError
}

func (a *App) adminUsersData(r *http.Request) (adminUsersData, error) {
	lang := ui.Lang(r.Context())
	q := r.URL.Query()
	d := adminUsersData{Q: q.Get("q"), First: q.Get("cursor") == "", Roles: platformRoles(lang, "")}
	var after int64
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 1 {
			return d, apperr.Field("cursor", "is not a cursor from a previous page")
		}
		after = n
	}
	us, next, err := a.Auth.ListUsers(r.Context(), d.Q, after, 50)
	if err != nil {
		return d, err
	}
	for _, u := range us {
		d.Users = append(d.Users, userRow{User: u, Role: roleName(lang, u.PlatformRole)})
	}
	if next > 0 {
		v := url.Values{"cursor": {strconv.FormatInt(next, 10)}}
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		d.NextURL = "/admin/users?" + v.Encode()
	}
	return d, nil
}

// pageAdminUsers is GET /admin/users: the accounts, searchable, and a form
// to add one.
func (a *App) pageAdminUsers(w http.ResponseWriter, r *http.Request) {
	if _, err := pageAdmin(r); err != nil {
		a.UI.Error(w, r, err)
		return
	}
	d, err := a.adminUsersData(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.UI.Render(w, r, http.StatusOK, "admin_users", ui.NewPage(r, "admin.users.title", d))
}

// postAdminUsers is POST /admin/users: create an account.
func (a *App) postAdminUsers(w http.ResponseWriter, r *http.Request) {
	if _, err := pageAdmin(r); err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	f := r.PostForm
	nu := auth.NewUser{Email: f.Get("email"), Name: f.Get("name"), Password: f.Get("password"), PlatformRole: f.Get("platform_role"), Locale: f.Get("locale")}
	u, err := a.Auth.CreateUser(r.Context(), nu)
	if err == nil {
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10)+"?flash=flash.user_created", http.StatusSeeOther)
		return
	}
	fe := ui.FormErrorOf(err)
	if fe == nil {
		a.UI.Error(w, r, err)
		return
	}
	d, derr := a.adminUsersData(r)
	if derr != nil {
		a.UI.Error(w, r, derr)
		return
	}
	nu.Password = ""
	d.New, d.Form = nu, translated(r, fe)
	d.Roles = platformRoles(ui.Lang(r.Context()), nu.PlatformRole)
	status := http.StatusUnprocessableEntity
	if apperr.CodeOf(err) == apperr.Conflict {
		status = http.StatusConflict
	}
	a.UI.Render(w, r, status, "admin_users", ui.NewPage(r, "admin.users.title", d))
}

type membershipRow struct {
	auth.Membership
	Kind string
	Role string
}

type adminUserData struct {
	User        auth.User
	Self        bool
	NameValue   string
	Roles       []ui.Option
	Disabled    bool
	Memberships []membershipRow
	OrgRoles    []ui.Option
	Form        *ui.FormError // the account form's errors
	Member      *ui.FormError // the membership form's errors
	OrgValue    string
}

func (a *App) adminUserData(r *http.Request, p *auth.Principal) (adminUserData, error) {
	lang := ui.Lang(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return adminUserData{}, apperr.New(apperr.NotFound, "no user %q", r.PathValue("id"))
	}
	u, err := a.Auth.GetUser(r.Context(), id)
	if err != nil {
		return adminUserData{}, err
	}
	d := adminUserData{User: u, Self: u.ID == p.UserID, NameValue: u.Name, Roles: platformRoles(lang, u.PlatformRole), Disabled: u.Disabled}
	d.OrgRoles = ui.Options([]string{auth.OrgMember, auth.OrgOwner}, func(r string) string { return i18n.T(lang, "role."+r) }, auth.OrgMember)
	for _, m := range u.Memberships {
		d.Memberships = append(d.Memberships, membershipRow{Membership: m, Kind: i18n.T(lang, "orgkind."+m.OrgKind), Role: i18n.T(lang, "role."+m.Role)})
	}
	return d, nil
}

// pageAdminUser is GET /admin/users/{id}.
func (a *App) pageAdminUser(w http.ResponseWriter, r *http.Request) {
	p, err := pageAdmin(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	d, err := a.adminUserData(r, p)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.UI.Render(w, r, http.StatusOK, "admin_user", ui.NewPage(r, "admin.user.title", d))
}

// postAdminUser is POST /admin/users/{id}: name, platform role, disabled.
// An administrator cannot demote or disable themselves.
func (a *App) postAdminUser(w http.ResponseWriter, r *http.Request) {
	p, err := pageAdmin(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	d, err := a.adminUserData(r, p)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	f := r.PostForm
	name, role, disabled := f.Get("name"), f.Get("platform_role"), f.Get("disabled") == "on"
	if d.Self && (role != auth.RoleAdmin || disabled) {
		err = apperr.Field("platform_role", "cannot be your own: administrators cannot demote or disable themselves")
	} else {
		_, err = a.Auth.UpdateUser(r.Context(), d.User.ID, auth.UserPatch{Name: &name, PlatformRole: &role, Disabled: &disabled})
	}
	if err == nil {
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(d.User.ID, 10)+"?flash=flash.user_saved", http.StatusSeeOther)
		return
	}
	fe := ui.FormErrorOf(err)
	if fe == nil {
		a.UI.Error(w, r, err)
		return
	}
	d.Form, d.NameValue, d.Disabled = translated(r, fe), name, disabled
	d.Roles = platformRoles(ui.Lang(r.Context()), role)
	a.UI.Render(w, r, http.StatusUnprocessableEntity, "admin_user", ui.NewPage(r, "admin.user.title", d))
}

// postAdminMembership is POST /admin/users/{id}/memberships: add the user
// to an organization (by id or credit code) with a role, or remove them
// (action=remove).
func (a *App) postAdminMembership(w http.ResponseWriter, r *http.Request) {
	p, err := pageAdmin(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	d, err := a.adminUserData(r, p)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	f := r.PostForm
	orgText := strings.TrimSpace(f.Get("org"))
	var orgID int64
	org, err := a.findOrg(r, p, orgText)
	if err == nil {
		orgID = org.ID
		if f.Get("action") == "remove" {
			err = a.Auth.RemoveMembership(r.Context(), d.User.ID, orgID)
		} else {
			err = a.Auth.SetMembership(r.Context(), d.User.ID, orgID, f.Get("role"))
		}
	}
	if err == nil {
		flash := "flash.member_added"
		if f.Get("action") == "remove" {
			flash = "flash.member_removed"
		}
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(d.User.ID, 10)+"?flash="+flash, http.StatusSeeOther)
		return
	}
	if apperr.CodeOf(err) == apperr.NotFound {
		err = apperr.Field("org", "is not an organization id or credit code we know")
	}
	fe := ui.FormErrorOf(err)
	if fe == nil {
		a.UI.Error(w, r, err)
		return
	}
	d.Member, d.OrgValue = translated(r, fe), orgText
	d.OrgRoles = ui.Options([]string{auth.OrgMember, auth.OrgOwner}, func(r2 string) string { return i18n.T(ui.Lang(r.Context()), "role."+r2) }, f.Get("role"))
	a.UI.Render(w, r, http.StatusUnprocessableEntity, "admin_user", ui.NewPage(r, "admin.user.title", d))
}

// findOrg reads an organization reference typed by a person: a credit code
// (18 characters) or an id.
func (a *App) findOrg(r *http.Request, p *auth.Principal, s string) (registry.Org, error) {
	if code := registry.NormalizeUSCC(s); len(code) == 18 {
		return a.Registry.GetByUSCC(r.Context(), code)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return registry.Org{}, apperr.New(apperr.NotFound, "no organization %q", s)
	}
	return a.Registry.Get(r.Context(), p, id)
}
