package obligations

import (
	"net/http"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/httpx"
)

// API serves obligations and clawback cases over HTTP.
type API struct {
	S *Service
}

// FilterOf reads the query of a clawback list request.
func FilterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Status: q.Get("status")}
	num := func(name string, dst *int64) error {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return apperr.Field(name, "must be a whole number")
		}
		*dst = n
		return nil
	}
	limit := int64(-1)
	for _, e := range []error{num("program", &f.Program), num("cursor", &f.After), num("limit", &limit)} {
		if e != nil {
			return f, e
		}
	}
	switch {
	case limit == -1:
	case limit < 1 || limit > 500:
		return f, apperr.Field("limit", "must be between 1 and 500")
	default:
		f.Limit = int(limit)
	}
	return f, nil
}

// ListCases is GET /api/v1/clawbacks?status=&program=&limit=&cursor=: the
// cases of the programs the officer's agencies own (all for administrators).
func (a *API) ListCases(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := FilterOf(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	l, err := a.S.List(r.Context(), p, f)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, l)
}

// GetCase is GET /api/v1/clawbacks/{id}: the case with its history and the
// actions the caller may take.
func (a *API) GetCase(w http.ResponseWriter, r *http.Request) {
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
	d, err := a.S.Detail(r.Context(), p, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, d)
}

// PatchCase is PATCH /api/v1/clawbacks/{id}: notes and due date.
func (a *API) PatchCase(w http.ResponseWriter, r *http.Request) {
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
	var ch Change
	if err := httpx.Decode(w, r, &ch); err != nil {
		httpx.Error(w, r, err)
		return
	}
	c, err := a.S.Update(r.Context(), p, id, ch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, c)
}

// Agree is POST /api/v1/clawbacks/{id}/agree.
func (a *API) Agree(w http.ResponseWriter, r *http.Request) { a.act(w, r, "agree") }

// Waive is POST /api/v1/clawbacks/{id}/waive (the comment is the reason).
func (a *API) Waive(w http.ResponseWriter, r *http.Request) { a.act(w, r, "waive") }

// Repay is POST /api/v1/clawbacks/{id}/repay: books the repayment.
func (a *API) Repay(w http.ResponseWriter, r *http.Request) { a.act(w, r, "repay") }

func (a *API) act(w http.ResponseWriter, r *http.Request, action string) {
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
	var in Action
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	d, err := a.S.Act(r.Context(), p, id, action, in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, d)
}

// OrgObligationList is an organization's obligations.
type OrgObligationList struct {
	OrgID int64        `json:"org_id"`
	Today string       `json:"today"`
	Items []Obligation `json:"items"`
}

// ListOrgObligations is GET /api/v1/orgs/{id}/obligations.
func (a *API) ListOrgObligations(w http.ResponseWriter, r *http.Request) {
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
	o, err := a.S.Registry.Get(r.Context(), p, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	items, err := a.S.OrgObligations(r.Context(), p, o.ID, o.RegisteredDistrict)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, OrgObligationList{OrgID: o.ID, Today: a.S.Today(), Items: items})
}
