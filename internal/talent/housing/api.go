package housing

import (
	"net/http"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// API serves the module's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

// Buildings is GET /api/v1/talent/housing/buildings (district): public.
func (a *API) Buildings(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		bs, err := a.S.Buildings(r.Context(), r.URL.Query().Get("district"))
		return map[string]any{"items": bs}, err
	})
}

// CreateBuilding is POST /api/v1/talent/housing/buildings.
func (a *API) CreateBuilding(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in BuildingInput) (Building, error) {
		return a.S.CreateBuilding(r.Context(), p, in)
	})
}

// Building is GET /api/v1/talent/housing/buildings/{id}: public.
func (a *API) Building(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(_ *auth.Principal, id int64, _ httpx.NoBody) (BuildingView, error) {
		return a.S.Building(r.Context(), id)
	})
}

// AddUnit is POST /api/v1/talent/housing/buildings/{id}/units.
func (a *API) AddUnit(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in UnitInput) (Unit, error) {
		return a.S.AddUnit(r.Context(), p, id, in)
	})
}

// UnitStatus is PUT /api/v1/talent/housing/units/{id}/status.
func (a *API) UnitStatus(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in StatusInput) (Unit, error) {
		return a.S.SetUnitStatus(r.Context(), p, id, in.Status)
	})
}

// Rounds is GET /api/v1/talent/housing/rounds: public.
func (a *API) Rounds(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		rs, err := a.S.Rounds(r.Context())
		return map[string]any{"items": rs}, err
	})
}

// CreateRound is POST /api/v1/talent/housing/rounds.
func (a *API) CreateRound(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in RoundInput) (Round, error) {
		return a.S.CreateRound(r.Context(), p, in)
	})
}

// Round is GET /api/v1/talent/housing/rounds/{id}: the applications in
// allocation order and the waitlist for the district's officers.
func (a *API) Round(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (RoundView, error) {
		return a.S.RoundView(r.Context(), p, id)
	})
}

// Apply is POST /api/v1/talent/housing/rounds/{id}/applications.
func (a *API) Apply(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in ApplyInput) (Application, error) {
		return a.S.Apply(r.Context(), p, id, in)
	})
}

// Allocate is POST /api/v1/talent/housing/rounds/{id}/allocate.
func (a *API) Allocate(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Allocation, error) {
		return a.S.Allocate(r.Context(), p, id)
	})
}

// Withdraw is POST /api/v1/talent/housing/applications/{id}/withdraw.
func (a *API) Withdraw(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Application, error) {
		return a.S.Withdraw(r.Context(), p, id)
	})
}

// Mine is GET /api/v1/talent/housing/mine.
func (a *API) Mine(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (Mine, error) {
		return a.S.Mine(r.Context(), p)
	})
}

// Accept is POST /api/v1/talent/housing/offers/{id}/accept.
func (a *API) Accept(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Tenancy, error) {
		return a.S.Accept(r.Context(), p, id)
	})
}

// Decline is POST /api/v1/talent/housing/offers/{id}/decline.
func (a *API) Decline(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Offer, error) {
		return a.S.Decline(r.Context(), p, id)
	})
}

// Sweep is POST /api/v1/talent/housing/sweep: lapse overdue offers and end
// tenancies past their end now.
func (a *API) Sweep(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]int, error) {
		n, err := a.S.Sweep(r.Context(), p)
		return map[string]int{"changed": n}, err
	})
}

// Tenancies is GET /api/v1/talent/housing/tenancies (district).
func (a *API) Tenancies(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ts, err := a.S.Tenancies(r.Context(), p, r.URL.Query().Get("district"))
		return map[string]any{"items": ts}, err
	})
}

// Renew is POST /api/v1/talent/housing/tenancies/{id}/renew.
func (a *API) Renew(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Tenancy, error) {
		return a.S.Renew(r.Context(), p, id)
	})
}

// MoveOut is POST /api/v1/talent/housing/tenancies/{id}/move-out.
func (a *API) MoveOut(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in MoveOutInput) (Tenancy, error) {
		return a.S.MoveOut(r.Context(), p, id, in)
	})
}

// Occupancy is GET /api/v1/talent/housing/occupancy: public figures.
func (a *API) Occupancy(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (Occupancy, error) {
		return a.S.Occupancy(r.Context())
	})
}
