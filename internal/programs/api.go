package programs

import (
	"net/http"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
)

// API serves the programs' JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

// ListPrograms is GET /api/v1/programs: the published and closed programs,
// and the drafts the caller may edit.
func (a *API) ListPrograms(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), Level: q.Get("level")}
	switch q.Get("open") {
	case "", "false":
	case "true":
		f.OpenOnly = true
	default:
		httpx.Error(w, r, apperr.Field("open", "must be true or false"))
		return
	}
	if v := q.Get("owner_org_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			httpx.Error(w, r, apperr.Field("owner_org_id", "must be an organization id"))
			return
		}
		f.Owner = id
	}
	ps, err := a.S.List(r.Context(), auth.From(r.Context()), f)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": ps})
}

// GetProgram is GET /api/v1/programs/{ref}: by id or slug.
func (a *API) GetProgram(w http.ResponseWriter, r *http.Request) {
	p, err := a.S.Get(r.Context(), auth.From(r.Context()), r.PathValue("ref"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, p)
}

// CreateProgram is POST /api/v1/programs: a new draft.
func (a *API) CreateProgram(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	m, err := httpx.DecodeObject(w, r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	in, err := DecodeInput(m)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	prog, err := a.S.Create(r.Context(), p, in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/programs/"+strconv.FormatInt(prog.ID, 10))
	httpx.JSON(w, http.StatusCreated, prog)
}

// PatchProgram is PATCH /api/v1/programs/{ref}.
func (a *API) PatchProgram(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	m, err := httpx.DecodeObject(w, r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	in, err := DecodeInput(m)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	prog, err := a.S.Update(r.Context(), p, r.PathValue("ref"), in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, prog)
}

// versionBody is the optional body of publish and close.
type versionBody struct {
	Version *int `json:"version"`
}

func (a *API) transition(w http.ResponseWriter, r *http.Request, do func(p *auth.Principal, ref string, version *int) (Program, error)) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var body versionBody
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &body); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	prog, err := do(p, r.PathValue("ref"), body.Version)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, prog)
}

// PublishProgram is POST /api/v1/programs/{ref}/publish.
func (a *API) PublishProgram(w http.ResponseWriter, r *http.Request) {
	a.transition(w, r, func(p *auth.Principal, ref string, v *int) (Program, error) {
		return a.S.Publish(r.Context(), p, ref, v)
	})
}

// CloseProgram is POST /api/v1/programs/{ref}/close.
func (a *API) CloseProgram(w http.ResponseWriter, r *http.Request) {
	a.transition(w, r, func(p *auth.Principal, ref string, v *int) (Program, error) { return a.S.Close(r.Context(), p, ref, v) })
}

// PreviewProgram is GET /api/v1/programs/{ref}/preview?as_of=: every
// enterprise of the registry against the program (its editors only).
func (a *API) PreviewProgram(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var asOf time.Time
	if v := r.URL.Query().Get("as_of"); v != "" {
		if asOf, err = ParseAsOf(v, a.S.DB.Now()); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	pv, err := a.S.Preview(r.Context(), p, r.PathValue("ref"), asOf)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, pv)
}

// EvaluateProgram is POST /api/v1/programs/{ref}/evaluate?as_of=: the
// self-check. The body is a profile with the registry's field names; no
// account is needed and nothing is stored. Labels, reasons and gaps are
// in the request's language.
func (a *API) EvaluateProgram(w http.ResponseWriter, r *http.Request) {
	asOf, err := ParseAsOf(r.URL.Query().Get("as_of"), a.S.DB.Now())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	prof, err := ReadProfile(w, r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	_, res, err := a.S.Evaluate(r.Context(), auth.From(r.Context()), r.PathValue("ref"), prof, asOf)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, OutcomeOf(res, ui.Lang(r.Context())))
}

// ReadProfile reads a self-check profile from a request body.
func ReadProfile(w http.ResponseWriter, r *http.Request) (*rules.Profile, error) {
	m, err := httpx.DecodeObject(w, r)
	if err != nil {
		return nil, err
	}
	return DecodeProfile(m)
}

// EligibilityItem is one open program's outcome for an organization.
type EligibilityItem struct {
	Program ProgramRef `json:"program"`
	Outcome
}

// ProgramRef names a program in a list of outcomes.
type ProgramRef struct {
	ID         int64   `json:"id"`
	Slug       string  `json:"slug"`
	Title      string  `json:"title"`
	Level      string  `json:"level"`
	OwnerOrgID *int64  `json:"owner_org_id"`
	ClosesOn   *string `json:"closes_on"`
	AutoGrant  bool    `json:"auto_grant"`
}

// RefOf names a program in lang.
func RefOf(p *Program, lang string) ProgramRef {
	return ProgramRef{ID: p.ID, Slug: p.Slug, Title: p.Title(lang), Level: p.Level, OwnerOrgID: p.OwnerOrgID, ClosesOn: p.ClosesOn, AutoGrant: p.AutoGrant}
}

// Eligibility is GET /api/v1/orgs/{id}/eligibility: every open program
// for an organization, best value first.
func (a *API) Eligibility(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	lang := ui.Lang(r.Context())
	err = a.S.EligibilityDo(r.Context(), p, id, func(_ registry.Org, ms []Match, asOf time.Time) error {
		items := make([]EligibilityItem, len(ms))
		for i := range ms {
			items[i] = EligibilityItem{Program: RefOf(&ms[i].Program, lang), Outcome: OutcomeOf(ms[i].Result, lang)}
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"org_id": id, "as_of": asOf.Format(time.DateOnly), "items": items})
		return nil
	})
	if err != nil {
		httpx.Error(w, r, err)
	}
}
