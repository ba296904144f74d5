package app

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/registry"
)

// apiCreateToken is POST /api/v1/tokens: e-mail and password for a bearer
// token.
func (a *App) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	var fs []apperr.FieldError
	if in.Email == "" {
		fs = append(fs, apperr.FieldError{Field: "email", Message: "is required"})
	}
	if in.Password == "" {
		fs = append(fs, apperr.FieldError{Field: "password", Message: "is required"})
	}
	if err := auth.CheckTokenName(in.Name); err != nil {
		fs = append(fs, apperr.As(err).Fields...)
	}
	if err := apperr.Fields(fs); err != nil {
		httpx.Error(w, r, err)
		return
	}
	u, err := a.Auth.Login(r.Context(), in.Email, in.Password, clientIP(r))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	ctx := audit.WithActor(r.Context(), audit.Actor{UserID: u.ID, Email: u.Email})
	tok, err := a.Auth.NewToken(ctx, u.ID, in.Name)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, map[string]string{"token": tok})
}

// apiMe is GET /api/v1/me.
func (a *App) apiMe(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	u, err := a.Auth.GetUser(r.Context(), p.UserID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, u)
}

func requireAdmin(r *http.Request) (*auth.Principal, error) {
	p, err := httpx.User(r)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, apperr.New(apperr.Forbidden, "administrators only")
	}
	return p, nil
}

// apiListUsers is GET /api/v1/users (administrators).
func (a *App) apiListUsers(w http.ResponseWriter, r *http.Request) {
	if _, err := requireAdmin(r); err != nil {
		httpx.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	var after int64
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 0 {
			httpx.Error(w, r, apperr.Field("cursor", "is not a cursor from a previous page"))
			return
		}
		after = n
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			httpx.Error(w, r, apperr.Field("limit", "must be a whole number between 1 and 200"))
			return
		}
		limit = n
	}
	us, next, err := a.Auth.ListUsers(r.Context(), q.Get("q"), after, limit)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var nc *string
	if next > 0 {
		s := strconv.FormatInt(next, 10)
		nc = &s
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": us, "next_cursor": nc})
}

// apiCreateUser is POST /api/v1/users (administrators).
func (a *App) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	if _, err := requireAdmin(r); err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in auth.NewUser
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	u, err := a.Auth.CreateUser(r.Context(), in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	httpx.JSON(w, http.StatusCreated, u)
}

// userFor loads the user of the path for p: administrators see everyone,
// others only themselves (anyone else is "not found").
func (a *App) userFor(r *http.Request) (*auth.Principal, auth.User, error) {
	p, err := httpx.User(r)
	if err != nil {
		return nil, auth.User{}, err
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return nil, auth.User{}, err
	}
	if !p.IsAdmin() && id != p.UserID {
		return nil, auth.User{}, apperr.New(apperr.NotFound, "no user %d", id)
	}
	u, err := a.Auth.GetUser(r.Context(), id)
	return p, u, err
}

// apiGetUser is GET /api/v1/users/{id}.
func (a *App) apiGetUser(w http.ResponseWriter, r *http.Request) {
	_, u, err := a.userFor(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, u)
}

// apiPatchUser is PATCH /api/v1/users/{id}: administrators change anything;
// people change their own name, language and password.
func (a *App) apiPatchUser(w http.ResponseWriter, r *http.Request) {
	p, u, err := a.userFor(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in auth.UserPatch
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if !p.IsAdmin() {
		if in.PlatformRole != nil {
			httpx.Error(w, r, apperr.Field("platform_role", "only administrators change platform roles").WithCode(apperr.Forbidden))
			return
		}
		if in.Disabled != nil {
			httpx.Error(w, r, apperr.Field("disabled", "only administrators disable accounts").WithCode(apperr.Forbidden))
			return
		}
	}
	if p.IsAdmin() && u.ID == p.UserID && ((in.PlatformRole != nil && *in.PlatformRole != auth.RoleAdmin) || (in.Disabled != nil && *in.Disabled)) {
		httpx.Error(w, r, apperr.Field("platform_role", "administrators cannot demote or disable themselves"))
		return
	}
	u, err = a.Auth.UpdateUser(r.Context(), u.ID, in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, u)
}

// orgForMembers loads the organization of the path; manage asks for the
// right to change its members (administrators and its owners).
func (a *App) orgForMembers(r *http.Request, manage bool) (*auth.Principal, registry.Org, error) {
	p, err := httpx.User(r)
	if err != nil {
		return nil, registry.Org{}, err
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return nil, registry.Org{}, err
	}
	o, err := a.Registry.Get(r.Context(), p, id)
	if err != nil {
		return nil, o, err
	}
	allowed := p.IsAdmin() || p.RoleIn(o.ID) == auth.OrgOwner
	if !manage {
		allowed = registry.CanSeePrivate(p, &o)
	}
	if !allowed {
		return nil, o, apperr.New(apperr.Forbidden, "only the organization's owners and administrators may do this")
	}
	return p, o, nil
}

// apiListMembers is GET /api/v1/orgs/{id}/members.
func (a *App) apiListMembers(w http.ResponseWriter, r *http.Request) {
	_, o, err := a.orgForMembers(r, false)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	ms, err := a.Auth.Members(r.Context(), o.ID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": ms})
}

// apiPutMember is PUT /api/v1/orgs/{id}/members/{user_id} with {"role"}.
func (a *App) apiPutMember(w http.ResponseWriter, r *http.Request) {
	p, o, err := a.orgForMembers(r, true)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	uid, err := httpx.PathID(r, "user_id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := selfRoleRule(p, uid, in.Role, false); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := a.Auth.SetMembership(r.Context(), uid, o.ID, in.Role); err != nil {
		httpx.Error(w, r, err)
		return
	}
	ms, err := a.Auth.Members(r.Context(), o.ID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": ms})
}

// apiDeleteMember is DELETE /api/v1/orgs/{id}/members/{user_id}.
func (a *App) apiDeleteMember(w http.ResponseWriter, r *http.Request) {
	p, o, err := a.orgForMembers(r, true)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	uid, err := httpx.PathID(r, "user_id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := selfRoleRule(p, uid, "", true); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := a.Auth.RemoveMembership(r.Context(), uid, o.ID); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// auditFilter reads the audit filter of a request for p: administrators see
// everything, everyone else the organizations they belong to.
func auditFilter(r *http.Request, p *auth.Principal) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Entity: q.Get("entity"), EntityID: q.Get("entity_id")}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, apperr.Field("cursor", "is not a cursor from a previous page")
		}
		f.Before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return f, apperr.Field("limit", "must be a whole number between 1 and 200")
		}
		f.Limit = n
	}
	if v := q.Get("org_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, apperr.Field("org_id", "must be an organization id")
		}
		if !p.IsAdmin() && !slices.Contains(p.OrgIDs(), n) {
			return f, apperr.New(apperr.Forbidden, "you see the audit log of your own organizations only")
		}
		f.OrgIDs = []int64{n}
	} else if !p.IsAdmin() {
		f.OrgIDs = p.OrgIDs()
	}
	return f, nil
}

// apiAudit is GET /api/v1/audit.
func (a *App) apiAudit(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := auditFilter(r, p)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	es, next, err := audit.List(r.Context(), a.DB, f)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var nc *string
	if next > 0 {
		s := strconv.FormatInt(next, 10)
		nc = &s
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": es, "next_cursor": nc})
}

// apiNotFound answers API paths no route took: 405 with Allow when the
// path exists for other methods, 404 otherwise.
func (a *App) apiNotFound(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.paths.Handler(r); pattern != "" {
		ms := a.methods[pattern]
		w.Header().Set("Allow", strings.Join(ms, ", "))
		httpx.Error(w, r, apperr.New(apperr.MethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(ms, ", ")))
		return
	}
	httpx.Error(w, r, apperr.New(apperr.NotFound, "no endpoint %s %s", r.Method, r.URL.Path))
}

func (a *App) serveMetrics(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	if p := auth.From(r.Context()); !p.IsAdmin() && ip != "127.0.0.1" && ip != "::1" {
		httpx.Error(w, r, apperr.New(apperr.Forbidden, "metrics are for administrators and local scrapers"))
		return
	}
	a.metricsHandler().ServeHTTP(w, r)
}
