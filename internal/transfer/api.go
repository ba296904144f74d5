package transfer

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

func reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, status, v)
}

// intParam reads an optional whole-number parameter within [lo, hi].
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

// ParseCatalog reads a catalog's query parameters.
func ParseCatalog(v url.Values) (CatalogQuery, error) {
	q := CatalogQuery{Text: v.Get("q"), Field: v["field"], Maturity: v["maturity"], District: v["district"], PriceBand: v["price_band"]}
	var err error
	if q.Limit, err = intParam(v, "limit", 20, 1, 100); err != nil {
		return q, err
	}
	q.Offset, err = intParam(v, "offset", 0, 0, 10000)
	return q, err
}

// Achievements is GET /api/v1/transfer/achievements: search the
// published achievements (q, field, maturity, district, price_band,
// limit, offset).
func (a *API) Achievements(w http.ResponseWriter, r *http.Request) {
	q, err := ParseCatalog(r.URL.Query())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := a.S.Achievements(r.Context(), q)
	reply(w, r, http.StatusOK, res, err)
}

// Needs is GET /api/v1/transfer/needs: search the open needs.
func (a *API) Needs(w http.ResponseWriter, r *http.Request) {
	q, err := ParseCatalog(r.URL.Query())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := a.S.Needs(r.Context(), q)
	reply(w, r, http.StatusOK, res, err)
}

// save decodes an input and calls fn with the path id (0 on create).
func save[T any, R any](w http.ResponseWriter, r *http.Request, withID bool, fn func(p *auth.Principal, id int64, in T) (R, error)) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var id int64
	if withID {
		if id, err = httpx.PathID(r, "id"); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	var in T
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	v, err := fn(p, id, in)
	status := http.StatusOK
	if !withID {
		status = http.StatusCreated
	}
	reply(w, r, status, v, err)
}

// get calls fn with the path id.
func get[R any](w http.ResponseWriter, r *http.Request, fn func(p *auth.Principal, id int64) (R, error)) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	v, err := fn(auth.From(r.Context()), id)
	reply(w, r, http.StatusOK, v, err)
}

// CreateAchievement is POST /api/v1/transfer/achievements.
func (a *API) CreateAchievement(w http.ResponseWriter, r *http.Request) {
	save(w, r, false, func(p *auth.Principal, _ int64, in AchievementInput) (Achievement, error) {
		return a.S.SaveAchievement(r.Context(), p, 0, in)
	})
}

// PutAchievement is PUT /api/v1/transfer/achievements/{id}.
func (a *API) PutAchievement(w http.ResponseWriter, r *http.Request) {
	save(w, r, true, func(p *auth.Principal, id int64, in AchievementInput) (Achievement, error) {
		return a.S.SaveAchievement(r.Context(), p, id, in)
	})
}

// GetAchievement is GET /api/v1/transfer/achievements/{id}.
func (a *API) GetAchievement(w http.ResponseWriter, r *http.Request) {
	get(w, r, func(p *auth.Principal, id int64) (Achievement, error) { return a.S.Achievement(r.Context(), p, id) })
}

// CreateNeed is POST /api/v1/transfer/needs.
func (a *API) CreateNeed(w http.ResponseWriter, r *http.Request) {
	save(w, r, false, func(p *auth.Principal, _ int64, in NeedInput) (Need, error) {
		return a.S.SaveNeed(r.Context(), p, 0, in)
	})
}

// PutNeed is PUT /api/v1/transfer/needs/{id}.
func (a *API) PutNeed(w http.ResponseWriter, r *http.Request) {
	save(w, r, true, func(p *auth.Principal, id int64, in NeedInput) (Need, error) {
		return a.S.SaveNeed(r.Context(), p, id, in)
	})
}

// GetNeed is GET /api/v1/transfer/needs/{id}.
func (a *API) GetNeed(w http.ResponseWriter, r *http.Request) {
	get(w, r, func(p *auth.Principal, id int64) (Need, error) { return a.S.Need(r.Context(), p, id) })
}

type matches struct {
	Items []Match `json:"items"`
}

// NeedsForAchievement is GET /api/v1/transfer/achievements/{id}/matches:
// the open needs ranked for the achievement, with reasons (limit ≤ 50).
func (a *API) NeedsForAchievement(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r.URL.Query(), "limit", 10, 1, candidates)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	get(w, r, func(p *auth.Principal, id int64) (matches, error) {
		ms, err := a.S.NeedsFor(r.Context(), p, id, limit)
		return matches{ms}, err
	})
}

// AchievementsForNeed is GET /api/v1/transfer/needs/{id}/matches.
func (a *API) AchievementsForNeed(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r.URL.Query(), "limit", 10, 1, candidates)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	get(w, r, func(p *auth.Principal, id int64) (matches, error) {
		ms, err := a.S.AchievementsFor(r.Context(), p, id, limit)
		return matches{ms}, err
	})
}

// ResourcesForNeed is GET /api/v1/transfer/needs/{id}/resources: the
// shared instruments and the service providers suggested for the need,
// with reasons (limit ≤ 50 of each).
func (a *API) ResourcesForNeed(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r.URL.Query(), "limit", 5, 1, candidates)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	get(w, r, func(p *auth.Principal, id int64) (NeedResources, error) {
		return a.S.ResourcesFor(r.Context(), p, id, limit)
	})
}

// Mine is GET /api/v1/transfer/mine: the caller's organizations'
// achievements and needs, every status.
func (a *API) Mine(w http.ResponseWriter, r *http.Request) {
	as, ns, err := a.S.Mine(r.Context(), auth.From(r.Context()))
	reply(w, r, http.StatusOK, map[string]any{"achievements": as, "needs": ns}, err)
}

// CaseList is GET /api/v1/transfer/cases (state, overdue=true).
func (a *API) CaseList(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := CaseQuery{State: v.Get("state")}
	switch v.Get("overdue") {
	case "", "false":
	case "true":
		q.Overdue = true
	default:
		httpx.Error(w, r, apperr.Field("overdue", "must be true or false"))
		return
	}
	cs, err := a.S.CaseList(r.Context(), auth.From(r.Context()), q)
	reply(w, r, http.StatusOK, map[string]any{"items": cs}, err)
}

// OpenCase is POST /api/v1/transfer/cases.
func (a *API) OpenCase(w http.ResponseWriter, r *http.Request) {
	save(w, r, false, func(p *auth.Principal, _ int64, in CaseInput) (Case, error) { return a.S.OpenCase(r.Context(), p, in) })
}

// GetCase is GET /api/v1/transfer/cases/{id}: the case with its notes,
// the actions open to the caller and its history.
func (a *API) GetCase(w http.ResponseWriter, r *http.Request) {
	get(w, r, func(p *auth.Principal, id int64) (CaseView, error) { return a.S.ViewCase(r.Context(), p, id) })
}

// AddNote is POST /api/v1/transfer/cases/{id}/notes.
func (a *API) AddNote(w http.ResponseWriter, r *http.Request) {
	save(w, r, true, func(p *auth.Principal, id int64, in NoteInput) (Case, error) {
		return a.S.AddNote(r.Context(), p, id, in)
	})
}

// ActionInput is a workflow action with its comment.
type ActionInput struct {
	Action  string `json:"action"`
	Comment string `json:"comment"`
}

// ActCase is POST /api/v1/transfer/cases/{id}/actions.
func (a *API) ActCase(w http.ResponseWriter, r *http.Request) {
	save(w, r, true, func(p *auth.Principal, id int64, in ActionInput) (Case, error) {
		return a.S.ActCase(r.Context(), p, id, in.Action, in.Comment)
	})
}

// Contracts is GET /api/v1/transfer/contracts (status).
func (a *API) Contracts(w http.ResponseWriter, r *http.Request) {
	cs, err := a.S.Contracts(r.Context(), auth.From(r.Context()), r.URL.Query().Get("status"))
	reply(w, r, http.StatusOK, map[string]any{"items": cs}, err)
}

// RecordContract is POST /api/v1/transfer/contracts.
func (a *API) RecordContract(w http.ResponseWriter, r *http.Request) {
	save(w, r, false, func(p *auth.Principal, _ int64, in ContractInput) (Contract, error) {
		return a.S.RecordContract(r.Context(), p, in)
	})
}

// GetContract is GET /api/v1/transfer/contracts/{id}.
func (a *API) GetContract(w http.ResponseWriter, r *http.Request) {
	get(w, r, func(p *auth.Principal, id int64) (Contract, error) { return a.S.Contract(r.Context(), p, id) })
}

// DecisionInput registers or rejects a contract.
type DecisionInput struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// DecideContract is POST /api/v1/transfer/contracts/{id}/decision.
func (a *API) DecideContract(w http.ResponseWriter, r *http.Request) {
	save(w, r, true, func(p *auth.Principal, id int64, in DecisionInput) (Contract, error) {
		return a.S.DecideContract(r.Context(), p, id, in.Action, in.Reason)
	})
}

// TurnoverYears reads from and to (default: the last five years).
func (s *Service) TurnoverYears(v url.Values) (int, int, error) {
	this := s.DB.Now().In(shanghai).Year()
	to, err := intParam(v, "to", this, 2000, 2100)
	if err != nil {
		return 0, 0, err
	}
	from, err := intParam(v, "from", to-4, 2000, 2100)
	return from, to, err
}

// Turnover is GET /api/v1/transfer/turnover (from, to): public.
func (a *API) Turnover(w http.ResponseWriter, r *http.Request) {
	from, to, err := a.S.TurnoverYears(r.URL.Query())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	t, err := a.S.Turnover(r.Context(), from, to)
	reply(w, r, http.StatusOK, t, err)
}
