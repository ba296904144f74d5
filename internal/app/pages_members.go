package app

import (
	"net/http"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
)

// selfRoleRule is the rule on one's own membership, the same for the API
// and the pages: an owner who is not an administrator cannot step down or
// leave; another owner (or an administrator) must do it.
func selfRoleRule(p *auth.Principal, uid int64, role string, remove bool) error {
	if uid != p.UserID || p.IsAdmin() {
		return nil
	}
	if remove {
		return apperr.Field("user_id", "owners cannot remove themselves; ask another owner")
	}
	if role != auth.OrgOwner {
		return apperr.Field("role", "owners cannot step down themselves; ask another owner")
	}
	return nil
}

type memberRow struct {
	auth.Member
	RoleName string
	Roles    []ui.Option
	Self     bool
	Locked   bool   // the viewer cannot change this membership (their own)
	Error    string // what was wrong with a change of this row
}

type membersData struct {
	Org     registry.Org
	Name    string
	Manage  bool
	Members []memberRow
	// The add form: its values and errors.
	Email string
	Roles []ui.Option
	Form  *ui.FormError
}

func orgRoles(lang, current string) []ui.Option {
	return ui.Options([]string{auth.OrgMember, auth.OrgOwner}, func(r string) string { return i18n.T(lang, "role."+r) }, current)
}

// membersData lists the members of o for p; failedUID and rowErr mark the
// row whose change was refused.
func (a *App) membersData(r *http.Request, p *auth.Principal, o registry.Org, failedUID int64, rowErr string) (membersData, error) {
	lang := ui.Lang(r.Context())
	ms, err := a.Auth.Members(r.Context(), o.ID)
	if err != nil {
		return membersData{}, err
	}
	d := membersData{Org: o, Name: o.NameZh, Manage: p.IsAdmin() || p.RoleIn(o.ID) == auth.OrgOwner, Roles: orgRoles(lang, auth.OrgMember)}
	if lang == "en" && o.NameEn != "" {
		d.Name = o.NameEn
	}
	for _, m := range ms {
		row := memberRow{Member: m, RoleName: i18n.T(lang, "role."+m.Role), Roles: orgRoles(lang, m.Role), Self: m.UserID == p.UserID}
		row.Locked = selfRoleRule(p, m.UserID, auth.OrgMember, false) != nil
		if m.UserID == failedUID {
			row.Error = rowErr
		}
		d.Members = append(d.Members, row)
	}
	return d, nil
}

// memberMessage puts a refused change into the page's language.
func memberMessage(lang, field, msg string) string {
	if strings.HasPrefix(msg, "owners cannot") {
		return i18n.T(lang, "members.self")
	}
	if field == "email" && strings.HasPrefix(msg, "has no account") {
		return i18n.T(lang, "members.no_account")
	}
	return ui.FieldMessage(lang, msg, nil)
}

// pageMembers is GET /orgs/{id}/members: for those who may see the private
// profile; its owners and administrators change it.
func (a *App) pageMembers(w http.ResponseWriter, r *http.Request) {
	p, o, err := a.orgForMembers(r, false)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	d, err := a.membersData(r, p, o, 0, "")
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.UI.Render(w, r, http.StatusOK, "members", ui.NewPage(r, "members.title", d))
}

func membersPath(o registry.Org, flash string) string {
	return "/orgs/" + strconv.FormatInt(o.ID, 10) + "/members?flash=" + flash
}

// postMembers is POST /orgs/{id}/members: add an account by e-mail with a
// role (or change the role of one already there).
func (a *App) postMembers(w http.ResponseWriter, r *http.Request) {
	p, o, err := a.orgForMembers(r, true)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	lang := ui.Lang(r.Context())
	email, role := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("role")
	err = func() error {
		addr, err := auth.NormalizeEmail(email)
		if err != nil {
			return apperr.Field("email", "%s", err.Error())
		}
		u, err := a.Auth.UserByEmail(r.Context(), addr)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Field("email", "has no account")
		}
		if err != nil {
			return err
		}
		if err := selfRoleRule(p, u.ID, role, false); err != nil {
			return err
		}
		return a.Auth.SetMembership(r.Context(), u.ID, o.ID, role)
	}()
	if err == nil {
		http.Redirect(w, r, membersPath(o, "flash.member_added"), http.StatusSeeOther)
		return
	}
	fe := ui.FormErrorOf(err)
	if fe == nil {
		a.UI.Error(w, r, err)
		return
	}
	d, derr := a.membersData(r, p, o, 0, "")
	if derr != nil {
		a.UI.Error(w, r, derr)
		return
	}
	d.Form = &ui.FormError{Message: fe.Message, Fields: map[string]string{}}
	for k, v := range fe.Fields {
		d.Form.Fields[k] = memberMessage(lang, k, v)
	}
	d.Email, d.Roles = email, orgRoles(lang, role)
	a.UI.Render(w, r, http.StatusUnprocessableEntity, "members", ui.NewPage(r, "members.title", d))
}

// postMember is POST /orgs/{id}/members/{user_id}: change a member's role,
// or remove them (action=remove).
func (a *App) postMember(w http.ResponseWriter, r *http.Request) {
	p, o, err := a.orgForMembers(r, true)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	uid, err := strconv.ParseInt(r.PathValue("user_id"), 10, 64)
	if err != nil || uid < 1 {
		a.UI.Error(w, r, apperr.New(apperr.NotFound, "no member %q", r.PathValue("user_id")))
		return
	}
	if err := r.ParseForm(); err != nil {
		a.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	remove, role := r.PostForm.Get("action") == "remove", r.PostForm.Get("role")
	// Only members are changed here; adding is the other form's job.
	ms, err := a.Auth.Members(r.Context(), o.ID)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	found := false
	for _, m := range ms {
		found = found || m.UserID == uid
	}
	if !found {
		a.UI.Error(w, r, apperr.New(apperr.NotFound, "user %d is not a member of organization %d", uid, o.ID))
		return
	}
	err = selfRoleRule(p, uid, role, remove)
	if err == nil {
		if remove {
			err = a.Auth.RemoveMembership(r.Context(), uid, o.ID)
		} else {
			err = a.Auth.SetMembership(r.Context(), uid, o.ID, role)
		}
	}
	if err == nil {
		flash := "flash.member_added"
		if remove {
			flash = "flash.member_removed"
		}
		http.Redirect(w, r, membersPath(o, flash), http.StatusSeeOther)
		return
	}
	fe := ui.FormErrorOf(err)
	if fe == nil {
		a.UI.Error(w, r, err)
		return
	}
	var msg string
	for k, v := range fe.Fields {
		msg = memberMessage(ui.Lang(r.Context()), k, v)
	}
	d, derr := a.membersData(r, p, o, uid, msg)
	if derr != nil {
		a.UI.Error(w, r, derr)
		return
	}
	a.UI.Render(w, r, http.StatusUnprocessableEntity, "members", ui.NewPage(r, "members.title", d))
}
