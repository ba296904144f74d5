package incubation

import (
	"net/http"
	"net/url"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// API serves the module's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Field(name, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// ParseCatalog reads the catalog's parameters.
func ParseCatalog(v url.Values) (CatalogQuery, error) {
	q := CatalogQuery{Text: v.Get("q"), Stage: nonEmpty(v["stage"]), District: nonEmpty(v["district"]), Field: nonEmpty(v["field"]), Level: nonEmpty(v["level"])}
	var err error
	if q.Limit, err = intParam(v, "limit", 20, 1, 100); err != nil {
		return q, err
	}
	q.Offset, err = intParam(v, "offset", 0, 0, 10000)
	return q, err
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// Catalog is GET /api/v1/incubation/carriers: public search.
func (a *API) Catalog(w http.ResponseWriter, r *http.Request) {
	q, err := ParseCatalog(r.URL.Query())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := a.S.Catalog(r.Context(), q)
	httpx.Reply(w, r, http.StatusOK, res, err)
}

// Create is POST /api/v1/incubation/carriers.
func (a *API) Create(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in CarrierInput) (Carrier, error) {
		return a.S.SaveCarrier(r.Context(), p, 0, in)
	})
}

// Get is GET /api/v1/incubation/carriers/{id}.
func (a *API) Get(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Carrier, error) {
		return a.S.Carrier(r.Context(), p, id)
	})
}

// Put is PUT /api/v1/incubation/carriers/{id}.
func (a *API) Put(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in CarrierInput) (Carrier, error) {
		return a.S.SaveCarrier(r.Context(), p, id, in)
	})
}

// Operated is GET /api/v1/incubation/operated: the carriers of the
// caller's organizations (officers: also their districts').
func (a *API) Operated(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		cs, err := a.S.Operated(r.Context(), p)
		return map[string]any{"items": cs}, err
	})
}

// Figures is GET /api/v1/incubation/carriers/{id}/figures?as_of=.
func (a *API) Figures(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Figures, error) {
		return a.S.CarrierFigures(r.Context(), p, id, r.URL.Query().Get("as_of"))
	})
}

// Tenants is GET /api/v1/incubation/carriers/{id}/tenants?current=true.
func (a *API) Tenants(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		cur := r.URL.Query().Get("current")
		if cur != "" && cur != "true" && cur != "false" {
			return nil, apperr.Field("current", "must be true or false")
		}
		ts, err := a.S.Tenants(r.Context(), p, id, TenantQuery{Current: cur == "true"})
		return map[string]any{"items": ts}, err
	})
}

// Notes is GET /api/v1/incubation/carriers/{id}/notes.
func (a *API) Notes(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		ns, err := a.S.Notes(r.Context(), p, id)
		return map[string]any{"items": ns}, err
	})
}

// NoteInput is an officer's note.
type NoteInput struct {
	Body string `json:"body"`
}

// Annotate is POST /api/v1/incubation/carriers/{id}/notes.
func (a *API) Annotate(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in NoteInput) (Note, error) {
		return a.S.Annotate(r.Context(), p, id, in.Body)
	})
}

// Apply is POST /api/v1/incubation/carriers/{id}/applications.
func (a *API) Apply(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in ApplyInput) (Application, error) {
		return a.S.Apply(r.Context(), p, id, in)
	})
}

// Applications is GET /api/v1/incubation/applications?state=&carrier_id=.
func (a *API) Applications(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		q := AppQuery{State: r.URL.Query().Get("state")}
		if v := r.URL.Query().Get("carrier_id"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return nil, apperr.Field("carrier_id", "must be a carrier id")
			}
			q.CarrierID = n
		}
		as, err := a.S.Applications(r.Context(), p, q)
		return map[string]any{"items": as}, err
	})
}

// GetApplication is GET /api/v1/incubation/applications/{id}.
func (a *API) GetApplication(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (ApplicationView, error) {
		return a.S.View(r.Context(), p, id)
	})
}

// Act is POST /api/v1/incubation/applications/{id}/actions.
func (a *API) Act(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ActInput) (ApplicationView, error) {
		return a.S.Act(r.Context(), p, id, in)
	})
}

// Teams is GET /api/v1/incubation/teams: the teams the caller leads.
func (a *API) Teams(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ts, err := a.S.Teams(r.Context(), p)
		return map[string]any{"items": ts}, err
	})
}

// CreateTeam is POST /api/v1/incubation/teams.
func (a *API) CreateTeam(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in TeamInput) (Team, error) {
		return a.S.RegisterTeam(r.Context(), p, in)
	})
}

// Tenancies is GET /api/v1/incubation/tenancies: the caller's teams' and
// companies' tenancies.
func (a *API) Tenancies(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ts, err := a.S.MyTenancies(r.Context(), p)
		return map[string]any{"items": ts}, err
	})
}

// GetTenancy is GET /api/v1/incubation/tenancies/{id}.
func (a *API) GetTenancy(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Tenancy, error) {
		return a.S.Tenancy(r.Context(), p, id)
	})
}

// Lease is POST /api/v1/incubation/tenancies/{id}/leases.
func (a *API) Lease(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in LeaseInput) (Lease, error) {
		return a.S.Lease(r.Context(), p, id, in)
	})
}

// Leave is POST /api/v1/incubation/tenancies/{id}/exit.
func (a *API) Leave(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ExitInput) (Tenancy, error) {
		return a.S.Leave(r.Context(), p, id, in)
	})
}

// Invest is POST /api/v1/incubation/tenancies/{id}/investments.
func (a *API) Invest(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in InvestmentInput) (Investment, error) {
		return a.S.Invest(r.Context(), p, id, in)
	})
}

// Overview is GET /api/v1/incubation/figures?as_of=: the city's and each
// district's figures, for officers and administrators.
func (a *API) Overview(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (City, error) {
		return a.S.Overview(r.Context(), p, r.URL.Query().Get("as_of"))
	})
}
