package registry

import (
	"net/http"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// API serves the registry's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

// FilterFromQuery reads directory filters from URL parameters.
func FilterFromQuery(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{
		Q:             q.Get("q"),
		Kind:          q.Get("kind"),
		District:      q.Get("district"),
		TaxDistrict:   q.Get("tax_district"),
		Industry:      q.Get("industry"),
		TechField:     q.Get("tech_field"),
		Certification: q.Get("certification"),
		Cursor:        q.Get("cursor"),
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return f, apperr.Field("limit", "must be a whole number between 1 and 200")
		}
		f.Limit = n
	}
	if v := q.Get("park_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, apperr.Field("park_id", "must be a park id")
		}
		f.ParkID = n
	}
	return f, nil
}

// ListOrgs is GET /api/v1/orgs.
func (a *API) ListOrgs(w http.ResponseWriter, r *http.Request) {
	f, err := FilterFromQuery(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	body, err := a.S.ListJSON(r.Context(), auth.From(r.Context()), f, r.URL.RawQuery)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(body)
}

// GetOrg is GET /api/v1/orgs/{id}.
func (a *API) GetOrg(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	o, err := a.S.Get(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, o)
}

type withWarnings struct {
	Org
	Warnings []string `json:"warnings,omitempty"`
}

func warnings(w string) []string {
	if w == "" {
		return nil
	}
	return []string{"uscc: " + w}
}

// CreateOrg is POST /api/v1/orgs.
func (a *API) CreateOrg(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	fields, err := httpx.DecodeObject(w, r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	o, warn, err := a.S.Create(r.Context(), p, fields)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+strconv.FormatInt(o.ID, 10))
	httpx.JSON(w, http.StatusCreated, withWarnings{o, warnings(warn)})
}

// PatchOrg is PATCH /api/v1/orgs/{id}: a JSON merge patch of the profile.
func (a *API) PatchOrg(w http.ResponseWriter, r *http.Request) {
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
	fields, err := httpx.DecodeObject(w, r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	o, warn, err := a.S.Update(r.Context(), p, id, fields)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, withWarnings{o, warnings(warn)})
}

// ListDistricts is GET /api/v1/districts.
func (a *API) ListDistricts(w http.ResponseWriter, r *http.Request) {
	ds, err := a.S.Districts(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": ds})
}

// ListParks is GET /api/v1/parks.
func (a *API) ListParks(w http.ResponseWriter, r *http.Request) {
	ps, err := a.S.Parks(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": ps})
}

// CreatePark is POST /api/v1/parks (administrators).
func (a *API) CreatePark(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if !p.IsAdmin() {
		httpx.Error(w, r, apperr.New(apperr.Forbidden, "only administrators add parks"))
		return
	}
	var in Park
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	in.ID = 0
	pk, err := a.S.CreatePark(r.Context(), in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, pk)
}
